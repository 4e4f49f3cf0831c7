// Where the local host's child entries (the embedded-stores process, the scan workers) are.
// From the sources they are TypeScript files run through tsx; from the CLI bundle
// (ops-cli/build.ts) they are bundled entries beside the bundle's main.js, which sets the
// bundle's directory here when it loads. A module, not an environment variable, so a child
// process or a test importing the sources never inherits a bundle that is not its own.

let bundleDir: URL | undefined

/** Called once by the CLI bundle's main entry with its own directory. */
export function useBundledEntries(dir: URL): void {
  bundleDir = dir
}

export type ChildEntry = 'store-process-main' | 'scan-worker-main'

/** The file to fork or start as a worker, and the Node options it needs. */
export function childEntry(name: ChildEntry): { url: URL; execArgv: string[] } {
  if (bundleDir) return { url: new URL(`./${name}.js`, bundleDir), execArgv: [] }
  // The sources: TypeScript through tsx (the scan worker's .mjs shim registers tsx itself,
  // since a worker cannot take --import).
  if (name === 'scan-worker-main') return { url: new URL('./scan-worker.mjs', import.meta.url), execArgv: [] }
  return { url: new URL(`./${name}.ts`, import.meta.url), execArgv: ['--import', import.meta.resolve('tsx')] }
}
