// Lambda bundle size (npm run build) and module init time: the bundle imported in N
// fresh Node processes, median figures.
import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { buildLambda, LAMBDA_BUNDLE } from '../../lambda/build.js'

const REPO = resolve(import.meta.dirname, '../..')

export interface LambdaFigures {
  bundleKiB: number
  gzipKiB: number
  topPackages: [string, number][]
  runs: number
  importMs: number
  firstInvocationMs: number
  nodeStartMs: number
  rssMiB: number
}

export async function measureLambda(runs: number): Promise<LambdaFigures> {
  const cwd = process.cwd()
  process.chdir(REPO) // buildLambda writes dist/lambda relative to the repository
  let built
  try {
    built = await buildLambda({ quiet: true })
  } finally {
    process.chdir(cwd)
  }
  const bundle = join(REPO, LAMBDA_BUNDLE)
  const samples: { importMs: number; firstInvocationMs: number; nodeStartMs: number; rssMiB: number }[] = []
  execFileSync(process.execPath, [join(import.meta.dirname, 'init-child.mjs'), bundle]) // file cache warm, as on a warm host
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [join(import.meta.dirname, 'init-child.mjs'), bundle]).toString()
    samples.push(JSON.parse(out))
  }
  const med = (f: (s: (typeof samples)[number]) => number) => {
    const v = samples.map(f).sort((a, b) => a - b)
    return v[Math.floor(v.length / 2)]!
  }
  return {
    bundleKiB: built.bytes / 1024,
    gzipKiB: built.gzipBytes / 1024,
    topPackages: built.byPackage.slice(0, 6).map(([n, b]) => [n, b / 1024]),
    runs,
    importMs: med((s) => s.importMs),
    firstInvocationMs: med((s) => s.firstInvocationMs),
    nodeStartMs: med((s) => s.nodeStartMs),
    rssMiB: med((s) => s.rssMiB),
  }
}
