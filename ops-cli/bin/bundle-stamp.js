// Which CLI bundle may run (ops-cli/build.ts writes it; ops-cli/bin/run.js reads it).
// Plain JavaScript so the bin can judge the bundle before any loader is registered.
//
// A bundle is used only when every file it was built from is unchanged: the stamp records
// each repository source file esbuild read (metafile inputs), the directories of the
// command tree (a new command file changes its directory's mtime), package.json and the
// npm lock files (a dependency bump rewrites node_modules/.package-lock.json), each with
// its mtime and size. One stat per file (~200) costs about a millisecond. Any difference, a
// missing file or an unreadable stamp means stale, and the bin runs the sources through tsx.
// An edit that keeps both a file's size and its nanosecond mtime is not seen; git checkout,
// editors and cp (without -p) all set a new mtime.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Where builds live, relative to the repository root; each build in its own directory. */
export const CLI_DIST = 'dist/cli'
/** The pointer to the current build and its inputs' stamp, inside CLI_DIST. */
export const CURRENT_FILE = 'current.json'
export const STAMP_VERSION = 1

/**
 * @param {string} root repository root
 * @param {string} path relative to root
 * @returns {[number, number] | null} [mtimeMs, size], null when missing
 */
export function fileStamp(root, path) {
  try {
    const s = statSync(join(root, path), { bigint: true })
    // mtime in nanoseconds as a decimal string: a double would round it.
    return [String(s.mtimeNs), Number(s.size)]
  } catch {
    return null
  }
}

/**
 * The build the bin may run, or why not.
 * @param {string} root repository root (the stamp's paths are relative to it)
 * @param {string} [distDir] where the builds are (default root/dist/cli)
 * @returns {{ dir: string } | { stale: string }}
 */
export function currentBundle(root, distDir = join(root, CLI_DIST)) {
  let current
  try {
    current = JSON.parse(readFileSync(join(distDir, CURRENT_FILE), 'utf8'))
  } catch (err) {
    return { stale: err && err.code === 'ENOENT' ? 'no bundle built (npm run build:cli)' : `unreadable ${CURRENT_FILE}` }
  }
  if (!current || current.version !== STAMP_VERSION || typeof current.build !== 'string' || !/^[\w-]+$/.test(current.build) || typeof current.inputs !== 'object' || current.inputs === null) {
    return { stale: `${CURRENT_FILE} has another format` }
  }
  const inputs = Object.entries(current.inputs)
  if (inputs.length === 0) return { stale: 'the stamp lists no inputs' }
  for (const [path, recorded] of inputs) {
    const now = fileStamp(root, path)
    if (now === null) return { stale: `${path} is gone` }
    if (!Array.isArray(recorded) || recorded[0] !== now[0] || recorded[1] !== now[1]) return { stale: `${path} changed since the build` }
  }
  const dir = join(distDir, current.build)
  if (fileStamp(dir, 'main.js') === null || fileStamp(dir, 'oclif.manifest.json') === null) return { stale: `build ${current.build} is incomplete` }
  return { dir }
}
