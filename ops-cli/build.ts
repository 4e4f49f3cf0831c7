// `npm run build:cli` (also run by `npm install` through `prepare`): bundles the ops CLI
// and `serve` with esbuild into dist/cli/<build>/, so nothing is transpiled at run time and
// oclif reads one manifest instead of importing every command to list them.
//
// Layout of a build: main.js (oclif + the entry the bin imports), commands/<topic>/<name>.js
// (one entry per command; shared code split into chunks/, so `--help` loads no command and
// `tokens list` loads only its own graph), store-process-main.js and scan-worker-main.js
// (the local host's child entries, see lambda/src/local/child-entries.ts), package.json (the
// root's oclif section pointing at commands/) and oclif.manifest.json.
//
// Each build gets its own directory and dist/cli/current.json names it with the stamp of
// its inputs (ops-cli/bin/bundle-stamp.js): a `serve` started from an older build keeps
// loading its chunks and child entries while a new build lands. The last KEEP_BUILDS stay.
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Interfaces } from '@oclif/core'
import { dynalitePlugin } from './dynalite-plugin.js'
import { priceDataPlugin } from '../lambda/price-data-plugin.js'
import { PRICE_PROVIDER_IDS } from '../lambda/src/pricing/package-prices.js'
import { CLI_DIST, CURRENT_FILE, currentBundle, fileStamp, type FileStamp, STAMP_VERSION } from './bin/bundle-stamp.js'

const REPO = resolve(import.meta.dirname, '..')
const COMMANDS_DIR = 'ops-cli/src/commands'
const KEEP_BUILDS = 3
/** Files that change what the bundle does without being esbuild inputs. */
const STAMPED_FILES = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'ops-cli/build.ts', 'ops-cli/bin/bundle-stamp.js', 'ops-cli/dynalite-plugin.ts', 'lambda/price-data-plugin.ts']

export interface CliBuild {
  /** Absolute directory of the build. */
  dir: string
  build: string
  inputs: number
  ms: number
}

async function walk(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = []
  const dirs: string[] = [dir]
  for (const entry of await readdir(join(REPO, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      const sub = await walk(path)
      files.push(...sub.files)
      dirs.push(...sub.dirs)
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path)
  }
  return { files, dirs }
}

/**
 * Builds into `distDir` (default dist/cli; tests use their own, see CODEX_PROXY_CLI_DIST in
 * bin/run.js). `extraInputs` (paths relative to the repository) are stamped too.
 */
export async function buildCli(options: { quiet?: boolean; distDir?: string; extraInputs?: string[] } = {}): Promise<CliBuild> {
  const started = performance.now()
  const distRoot = options.distDir ?? join(REPO, CLI_DIST)
  const commands = await walk(COMMANDS_DIR)
  // Stamp before building: an edit made while esbuild reads the sources then shows as
  // stale later instead of being stamped as built. Which sources are inputs is known only
  // after the build, so every TypeScript file of the two source trees is stamped now.
  const stampOf = (path: string): FileStamp => fileStamp(REPO, path) ?? (() => { throw new Error(`${path}: not found`) })()
  const preStamps = new Map<string, FileStamp>()
  const sources = [...(await walk('lambda/src')).files, ...(await walk('ops-cli/src')).files]
  for (const path of [...sources, ...commands.files, ...commands.dirs]) preStamps.set(path, stampOf(path))

  // Imported here: esbuild is a devDependency, and `prepare` runs on production installs too.
  const { build } = await import('esbuild')
  const tmp = join(distRoot, `.tmp-${process.pid}-${Date.now()}`)
  await mkdir(tmp, { recursive: true })
  try {
    const result = await build({
      absWorkingDir: REPO,
      entryPoints: [
        { in: 'ops-cli/src/bundle-main.ts', out: 'main' },
        { in: 'lambda/src/local/store-process-main.ts', out: 'store-process-main' },
        { in: 'lambda/src/local/scan-worker-main.ts', out: 'scan-worker-main' },
        ...commands.files.map((f) => ({ in: f, out: `commands/${relative(COMMANDS_DIR, f).replace(/\.ts$/, '')}` })),
      ],
      outdir: tmp,
      bundle: true,
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Smaller text parses faster; identifiers stay readable in stack traces.
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: 'linked',
      legalComments: 'linked',
      mainFields: ['module', 'main'],
      // classic-level (dynalite's LevelDB) finds its native prebuilds beside its own files.
      // typescript: oclif reads a tsconfig with it only for plugins run from TypeScript sources.
      external: ['classic-level', 'typescript'],
      banner: { js: "import { createRequire as __cxpCreateRequire } from 'node:module'; const require = __cxpCreateRequire(import.meta.url);" },
      // The same price data as the Lambda: the providers the pricer uses (lambda/price-data-plugin.ts).
      plugins: [priceDataPlugin(PRICE_PROVIDER_IDS), dynalitePlugin()],
      metafile: true,
      logLevel: options.quiet ? 'silent' : 'warning',
    })

    const inputs: Record<string, FileStamp> = {}
    for (const path of Object.keys(result.metafile.inputs)) {
      if (path.includes('node_modules/') || path.startsWith('<')) continue
      inputs[path] = preStamps.get(path) ?? stampOf(path)
    }
    // The command tree whole (its directories too: a new command file changes them).
    for (const path of [...commands.files, ...commands.dirs]) inputs[path] = preStamps.get(path)!
    for (const path of [...STAMPED_FILES, ...(options.extraInputs ?? [])]) {
      const s = fileStamp(REPO, path)
      if (s) inputs[path] = s
    }

    // For `npx esbuild --analyze`-style inspection of what each chunk holds.
    await writeFile(join(tmp, 'metafile.json'), JSON.stringify(result.metafile))
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string; oclif: Record<string, unknown> }
    await writeFile(
      join(tmp, 'package.json'),
      `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', private: true, oclif: { ...pkg.oclif, commands: './commands' } }, null, 2)}\n`,
    )
    // The manifest, from the bundle's own oclif: help and command lookup then read it
    // instead of importing every command.
    const bundled = (await import(pathToFileURL(join(tmp, 'main.js')).href)) as typeof import('@oclif/core')
    const config = await bundled.Config.load({ root: tmp })
    // The loaded plugin object carries the manifest it built (@oclif/core's Plugin class).
    const plugin = config.plugins.get(pkg.name) as unknown as { manifest: Interfaces.Manifest } | undefined
    if (!plugin || Object.keys(plugin.manifest.commands).length !== commands.files.length) {
      throw new Error(`the bundle's manifest lists ${plugin ? Object.keys(plugin.manifest.commands).length : 0} commands, the sources have ${commands.files.length}`)
    }
    await writeFile(join(tmp, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest)}\n`)

    const id = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 12)
    const dir = join(distRoot, id)
    // The same inputs were built before: that build is complete (it was renamed into place
    // whole) and may be running; keep it.
    if (!(await stat(dir).then(() => true, () => false))) await rename(tmp, dir)
    const current = join(distRoot, CURRENT_FILE)
    await writeFile(`${current}.tmp-${process.pid}`, `${JSON.stringify({ version: STAMP_VERSION, build: id, inputs }, null, 1)}\n`)
    await rename(`${current}.tmp-${process.pid}`, current)
    await pruneBuilds(distRoot, id)
    return { dir, build: id, inputs: Object.keys(inputs).length, ms: performance.now() - started }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** Keeps the newest KEEP_BUILDS builds (the current one always), and no leftovers of failed builds older than an hour. */
async function pruneBuilds(distRoot: string, current: string): Promise<void> {
  const entries = await readdir(distRoot, { withFileTypes: true })
  const dirs = await Promise.all(
    entries.filter((e) => e.isDirectory()).map(async (e) => ({ name: e.name, mtime: (await stat(join(distRoot, e.name))).mtimeMs })),
  )
  const builds = dirs.filter((d) => !d.name.startsWith('.') && d.name !== current).sort((a, b) => b.mtime - a.mtime)
  const old = [...builds.slice(KEEP_BUILDS - 1), ...dirs.filter((d) => d.name.startsWith('.tmp-') && Date.now() - d.mtime > 3_600_000)]
  await Promise.all(old.map((d) => rm(join(distRoot, d.name), { recursive: true, force: true })))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --prepare (npm's prepare hook): a failed build must not fail `npm install`, since
  // the bin then runs the sources; say so and go on.
  const prepare = process.argv.includes('--prepare')
  // --if-stale (npm test's pretest): nothing to do when the current build still matches.
  const current = process.argv.includes('--if-stale') ? currentBundle(REPO) : undefined
  if (current && 'dir' in current) {
    console.log(`${relative(REPO, current.dir)}: up to date`)
    process.exit(0)
  }
  try {
    const built = await buildCli()
    console.log(`${CLI_DIST}/${built.build}: ${built.inputs} inputs stamped, ${built.ms.toFixed(0)} ms`)
  } catch (err) {
    if (!prepare) throw err
    console.warn(`codex-proxy: the CLI bundle was not built (${err instanceof Error ? err.message : String(err)}); the CLI runs from the sources through tsx.`)
  }
}
