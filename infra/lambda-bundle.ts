// One command to deploy: `pulumi up` builds the Lambda bundle itself when it is missing or
// was built from other sources than the ones here (issue 14). Only the default code path
// (dist/lambda, which `npm run build` writes) is built; a `lambdaCodePath` set in the stack
// config is the operator's own bundle and is left alone (config.ts reports it if missing).
//
// "Built from these sources" is a stamp beside the bundle (dist/lambda.inputs.json, not
// inside the deployed directory): a SHA-256 of every file that can change the bundle —
// lambda/src (a superset of what the entry imports: an edit elsewhere in it costs one
// needless rebuild, never a stale deploy), the build scripts, package.json and the npm lock
// files. Content hashes, not mtimes: a `touch` or a fresh checkout must not redeploy code.
// The stamp also holds the hash of every file the build wrote (index.mjs and its chunks/,
// which init loads on demand): a deleted or altered output is as stale as a changed source.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

export const REPO_ROOT = resolve(import.meta.dirname, '..')
/** Where `npm run build` writes the Lambda (lambda/build.ts LAMBDA_OUT_DIR; not imported, so the program does not load esbuild). */
export const DEFAULT_LAMBDA_DIR = 'dist/lambda'
const SOURCE_DIRS = ['lambda/src']
const SOURCE_FILES = ['lambda/build.ts', 'lambda/price-data-plugin.ts', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json']

export const stampFileOf = (codeDir: string) => `${codeDir}.inputs.json`

/** path (relative to `dir`) → SHA-256 of every file under `dir`. */
export function lambdaOutputs(root: string, dir: string): Record<string, string> {
  const files: string[] = []
  const walk = (sub: string) => {
    for (const e of readdirSync(join(root, dir, sub), { withFileTypes: true })) {
      const path = sub ? `${sub}/${e.name}` : e.name
      if (e.isDirectory()) walk(path)
      else files.push(path)
    }
  }
  walk('')
  return Object.fromEntries(files.sort().map((f) => [f, createHash('sha256').update(readFileSync(join(root, dir, f))).digest('hex')]))
}

/** path (relative to root) → SHA-256 of its content, for every input that exists. */
export function lambdaInputs(root: string, extraInputs: readonly string[] = []): Record<string, string> {
  const files: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`
      if (e.isDirectory()) walk(path)
      else if (/\.(ts|mts|js|mjs|json)$/.test(e.name)) files.push(path)
    }
  }
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(dir)
  for (const f of [...SOURCE_FILES, ...extraInputs]) if (existsSync(join(root, f))) files.push(f)
  return Object.fromEntries(files.sort().map((f) => [f, createHash('sha256').update(readFileSync(join(root, f))).digest('hex')]))
}

/** Why the bundle in `codeDir` must be rebuilt, or null when it was built from exactly these inputs. */
export function lambdaBundleStaleness(root: string, codeDir: string, extraInputs: readonly string[] = []): string | null {
  if (!existsSync(join(root, codeDir, 'index.mjs'))) return `${codeDir}/index.mjs is missing`
  let stamp: { inputs?: Record<string, string>; outputs?: Record<string, string> }
  try {
    stamp = JSON.parse(readFileSync(join(root, stampFileOf(codeDir)), 'utf8')) as typeof stamp
  } catch {
    return `${stampFileOf(codeDir)} is missing or unreadable (a build made without it)`
  }
  const now = lambdaInputs(root, extraInputs)
  const before = stamp.inputs ?? {}
  for (const [path, hash] of Object.entries(now)) if (before[path] !== hash) return `${path} ${path in before ? 'changed' : 'is new'} since the build`
  for (const path of Object.keys(before)) if (!(path in now)) return `${path} is gone since the build`
  if (!stamp.outputs) return `${stampFileOf(codeDir)} lists no built files (a build made without it)`
  const built = lambdaOutputs(root, codeDir)
  for (const [path, hash] of Object.entries(stamp.outputs)) if (built[path] !== hash) return `${codeDir}/${path} ${path in built ? 'was altered' : 'is missing'} since the build`
  for (const path of Object.keys(built)) if (!(path in stamp.outputs)) return `${codeDir}/${path} was not written by the build`
  return null
}

export interface EnsureOptions {
  root?: string
  /** Builds the bundle into DEFAULT_LAMBDA_DIR; default `npm run build` (tsx lambda/build.ts) in a child process. */
  build?: (root: string) => void
  /** Where the default build writes (tests use their own). */
  defaultDir?: string
  extraInputs?: readonly string[]
  log?: (line: string) => void
}

/**
 * Makes sure the bundle deployed from `codePath` is current: 'fresh' (nothing to do),
 * 'built' (it was missing or stale and was rebuilt), 'custom' (not the default path).
 */
export function ensureLambdaBundle(codePath: string, options: EnsureOptions = {}): 'fresh' | 'built' | 'custom' {
  const root = options.root ?? REPO_ROOT
  const defaultDir = options.defaultDir ?? DEFAULT_LAMBDA_DIR
  if (resolve(root, codePath) !== resolve(root, defaultDir)) return 'custom'
  const why = lambdaBundleStaleness(root, defaultDir, options.extraInputs)
  if (why === null) return 'fresh'
  ;(options.log ?? ((l) => process.stderr.write(`${l}\n`)))(`codex-proxy: building the Lambda bundle (${why})…`)
  // Hashed before the build: a source edited while it runs shows as stale next time.
  const inputs = lambdaInputs(root, options.extraInputs)
  ;(options.build ?? npmRunBuild)(root)
  if (!existsSync(join(root, defaultDir, 'index.mjs'))) throw new Error(`the Lambda build wrote no ${defaultDir}/index.mjs`)
  writeFileSync(join(root, stampFileOf(defaultDir)), `${JSON.stringify({ inputs, outputs: lambdaOutputs(root, defaultDir) }, null, 1)}\n`)
  return 'built'
}

function npmRunBuild(root: string): void {
  // lambda/build.ts's buildLambda, as `npm run build` runs it, writing under `root`; its
  // output goes to stderr, which Pulumi shows as the program's diagnostics.
  const script = `const { buildLambda } = await import(${JSON.stringify(pathToFileURL(join(root, 'lambda/build.ts')).href)}); await buildLambda()`
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 2, 2] })
}
