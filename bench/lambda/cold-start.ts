// Lambda bundle size (npm run build) and module init time: the bundle imported in N
// fresh Node processes, median figures.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { buildLambda, LAMBDA_BUNDLE, LAMBDA_OUT_DIR } from '../../lambda/build.js'

const REPO = resolve(import.meta.dirname, '../..')

export interface LambdaFigures {
  bundleKiB: number
  gzipKiB: number
  topPackages: [string, number][]
  runs: number
  importMs: number
  /** CPU time of the import (user + system), steadier than wall time on a shared machine. */
  importCpuMs: number
  firstInvocationMs: number
  nodeStartMs: number
  rssMiB: number
  /** The same measure of another commit's bundle (default `main`), runs interleaved with this one's. */
  baseline?: { ref: string; commit: string; bundleKiB: number; importMs: number; importCpuMs: number; firstInvocationMs: number } | undefined
}

/**
 * Builds the Lambda bundle of another commit (a detached worktree sharing this
 * node_modules, built with that commit's own build script: "today's" bundle as today's
 * code builds it, code splitting or not) and returns the path of its entry in a copy of
 * its whole output directory (the entry may import chunks/ beside it).
 */
function buildAt(ref: string): { bundle: string; commit: string; bytes: number } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lambda-base-'))
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: REPO }).toString().trim()
    execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dir, ref], { cwd: REPO, stdio: 'ignore' })
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'))
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', `const { buildLambda } = await import(${JSON.stringify(join(dir, 'lambda/build.ts'))}); const r = await buildLambda({ quiet: true }); console.log(r.bytes)`], { cwd: dir }).toString()
    const copy = mkdtempSync(join(tmpdir(), `bench-lambda-${commit}-`))
    cpSync(join(dir, LAMBDA_OUT_DIR), copy, { recursive: true })
    return { bundle: join(copy, 'index.mjs'), commit, bytes: Number(out.trim().split('\n').pop()) }
  } catch {
    return undefined
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: REPO, stdio: 'ignore' })
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function measureLambda(runs: number, baselineRef?: string): Promise<LambdaFigures> {
  const base = baselineRef ? buildAt(baselineRef) : undefined
  const cwd = process.cwd()
  process.chdir(REPO) // buildLambda writes dist/lambda relative to the repository
  let built
  try {
    built = await buildLambda({ quiet: true })
  } finally {
    process.chdir(cwd)
  }
  const bundle = join(REPO, LAMBDA_BUNDLE)
  type Sample = { importMs: number; importCpuMs: number; firstInvocationMs: number; nodeStartMs: number; rssMiB: number }
  const samples: Sample[] = []
  const baseSamples: Sample[] = []
  const once = (file: string): Sample => JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'init-child.mjs'), file]).toString())
  once(bundle) // file cache warm, as on a warm host
  if (base) once(base.bundle)
  // Interleaved, so that machine load falls on both alike.
  for (let i = 0; i < runs; i++) {
    samples.push(once(bundle))
    if (base) baseSamples.push(once(base.bundle))
  }
  const med = (f: (s: Sample) => number, from = samples) => {
    const v = from.map(f).sort((a, b) => a - b)
    return v[Math.floor(v.length / 2)]!
  }
  if (base) rmSync(dirname(base.bundle), { recursive: true, force: true })
  return {
    bundleKiB: built.bytes / 1024,
    gzipKiB: built.gzipBytes / 1024,
    topPackages: built.byPackage.slice(0, 6).map(([n, b]) => [n, b / 1024]),
    runs,
    importMs: med((s) => s.importMs),
    importCpuMs: med((s) => s.importCpuMs),
    firstInvocationMs: med((s) => s.firstInvocationMs),
    nodeStartMs: med((s) => s.nodeStartMs),
    rssMiB: med((s) => s.rssMiB),
    baseline: base && {
      ref: baselineRef!,
      commit: base.commit,
      bundleKiB: base.bytes / 1024,
      importMs: med((s) => s.importMs, baseSamples),
      importCpuMs: med((s) => s.importCpuMs, baseSamples),
      firstInvocationMs: med((s) => s.firstInvocationMs, baseSamples),
    },
  }
}
