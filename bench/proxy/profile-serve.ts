// Where `serve`'s CPU goes under the bench's load: `serve` (token with rpm + daily budget,
// secret scan flag, audit to the embedded stores) under node --cpu-prof, a closed loop at
// concurrency 16, then the profile summarised by package and function. The bench's
// `profile` part (bench/run.ts) puts this summary into RESULTS.md beside the goals it
// explains; alone: npx tsx bench/proxy/profile-serve.ts [seconds=10] [dir=/tmp/cxp-prof]
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { firstTurnBody } from '../codex-corpus.js'
import { LoadClient } from './load-client.js'
import { cpuMs } from './proc-stats.js'
import { type Profile, summarise } from './profile-summary.js'
import { cxpTarget } from './targets.js'

export interface ServeProfile {
  seconds: number
  exchanges: number
  /** CPU ms per exchange during the loop: the serving process, and its helper processes. */
  serveCpuMs: number
  helperCpuMs: number
  summary: string[]
}

export async function profileServe(seconds: number, dir = '/tmp/cxp-prof', cxp: { args: string[]; env: Record<string, string> } = { args: ['--secret-scan', 'flag'], env: {} }): Promise<ServeProfile> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const upstream = await startFakeOpenAIProcess({ deltas: 20, eventDelayMs: 0 })
  const target = await cxpTarget(upstream.url, { ...cxp, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
  const client = new LoadClient(target, Buffer.from(firstTurnBody(1)), 16)
  let figures: Omit<ServeProfile, 'summary'>
  try {
    await client.sequential(50)
    const pid = target.pid!
    const helpers = target.helperPids()
    const before = { serve: cpuMs(pid), helpers: helpers.reduce((a, p) => a + cpuMs(p), 0) }
    const { exchanges } = await client.closedLoop(16, seconds * 1000)
    const after = { serve: cpuMs(pid), helpers: helpers.reduce((a, p) => a + cpuMs(p), 0) }
    const n = Math.max(1, exchanges.length)
    figures = { seconds, exchanges: exchanges.length, serveCpuMs: (after.serve - before.serve) / n, helperCpuMs: (after.helpers - before.helpers) / n }
  } finally {
    client.close()
    await target.stop()
    await upstream.close()
  }
  // The main thread's profile is the largest (scan workers write their own).
  const main = readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!
  return { ...figures, summary: summarise(JSON.parse(readFileSync(main, 'utf8')) as Profile, 20) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const p = await profileServe(Number(process.argv[2] ?? 10), process.argv[3])
  console.log(`${p.exchanges} exchanges in ${p.seconds} s; CPU per exchange: serve ${p.serveCpuMs.toFixed(2)} ms, helper processes ${p.helperCpuMs.toFixed(2)} ms (start-up is in the profile too)`)
  console.log(p.summary.join('\n'))
}
