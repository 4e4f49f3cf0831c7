// A/B of the core's relay levers on in-memory ports (bench/proxy/core-only-main.ts), the
// variants interleaved round by round in fresh processes so that machine load hits both:
//   cpu     — CPU per request (serving process, /proc) and p50 at c=16 closed loop;
//   large   — a 20 MB SSE answer: p50 and peak RSS (VmHWM) rise over RSS before it;
//   streams — 200 concurrent Codex-like streams (paced events): VmRSS and VmHWM.
// Usage: npx tsx bench/proxy/relay-ab.ts [rounds=2] [seconds=6] [variants=undici,node]
// A variant is a CORE_RELAY value (core-only-main.ts reads it), optionally `@DIR`: the core
// of another checkout (e.g. `node@/tmp/base`, a `git archive` of the base commit with this
// node_modules linked in), to set a change against its base.
import { firstTurnBody } from '../codex-corpus.js'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { LoadClient, median } from './load-client.js'
import { cpuMs, memory } from './proc-stats.js'
import { coreOnlyTarget, type RunningTarget } from './targets.js'
import { measureConcurrentStreams } from './concurrent-streams.js'

const rounds = Number(process.argv[2] ?? 2)
const seconds = Number(process.argv[3] ?? 6)
const variants = (process.argv[4] ?? 'undici,node').split(',')
const body = Buffer.from(firstTurnBody(1))
const MiB = 2 ** 20

type Row = { seqCpuMsPerReq: number; cpuMsPerReq: number; reqPerS: number; p50Ms: number; largeP50Ms: number; largePeakRiseMiB: number; streamsRssMiB: number; streamsPeakMiB: number; errors: number }
const rows = new Map<string, Row[]>(variants.map((v) => [v, []]))

const small = await startFakeOpenAIProcess({ deltas: 20, eventDelayMs: 0, recordRequests: false })
const large = await startFakeOpenAIProcess({ deltas: 200, deltaPaddingBytes: 100_000, eventDelayMs: 0, recordRequests: false })
const paced = await startFakeOpenAIProcess({ deltas: 40, eventDelayMs: 25, recordRequests: false })
const start = (url: string, v: string) => {
  const [relay, repo] = v.split('@')
  return coreOnlyTarget(url, { env: { CORE_RELAY: relay! }, ...(repo && { repo }) })
}
try {
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const row: Row = { seqCpuMsPerReq: 0, cpuMsPerReq: 0, reqPerS: 0, p50Ms: 0, largeP50Ms: 0, largePeakRiseMiB: 0, streamsRssMiB: 0, streamsPeakMiB: 0, errors: 0 }
      await withTarget(await start(small.url, v), async (t) => {
        const client = new LoadClient(t, body, 16)
        await client.sequential(100)
        const seqCpu0 = cpuMs(t.pid!)
        const seq = await client.sequential(300)
        row.seqCpuMsPerReq = (cpuMs(t.pid!) - seqCpu0) / seq.length
        const cpu0 = cpuMs(t.pid!)
        const loop = await client.closedLoop(16, seconds * 1000)
        const cpu = cpuMs(t.pid!) - cpu0
        client.close()
        const ok = loop.exchanges.filter((e) => e.ok).length
        row.p50Ms = median(seq.map((e) => e.totalMs))
        row.cpuMsPerReq = cpu / Math.max(1, ok)
        row.reqPerS = ok / (loop.wallMs / 1000)
        row.errors += loop.exchanges.length - ok + seq.filter((e) => !e.ok).length
      })
      await withTarget(await start(large.url, v), async (t) => {
        const client = new LoadClient(t, body, 1)
        await client.sequential(1)
        const before = memory(t.pid!).rssBytes
        const ex = await client.sequential(5)
        client.close()
        row.largeP50Ms = median(ex.map((e) => e.totalMs))
        row.largePeakRiseMiB = (memory(t.pid!).peakRssBytes - before) / MiB
        row.errors += ex.filter((e) => !e.ok).length
      })
      await withTarget(await start(paced.url, v), async (t) => {
        const s = await measureConcurrentStreams(t, body, 200)
        row.streamsRssMiB = s.rssDuringMiB
        row.streamsPeakMiB = s.peakRssMiB
        row.errors += s.errors
      })
      rows.get(v)!.push(row)
      console.error(`round ${r + 1} ${v}: ${JSON.stringify(row, (_k, x: unknown) => (typeof x === 'number' ? Number(x.toFixed(2)) : x))}`)
    }
  }
} finally {
  await Promise.all([small.close(), large.close(), paced.close()])
}

const med = (v: string, k: keyof Row) => median(rows.get(v)!.map((r) => r[k]))
const cols: [keyof Row, string][] = [
  ['seqCpuMsPerReq', 'CPU per request, ms (sequential)'],
  ['cpuMsPerReq', 'CPU per request, ms (c=16)'],
  ['reqPerS', 'throughput c=16, req/s'],
  ['p50Ms', 'latency p50, ms (sequential)'],
  ['largeP50Ms', '20 MB answer p50, ms'],
  ['largePeakRiseMiB', '20 MB answer peak RSS rise, MiB'],
  ['streamsRssMiB', '200 streams: VmRSS during, MiB'],
  ['streamsPeakMiB', '200 streams: VmHWM, MiB'],
  ['errors', 'errors (sum)'],
]
const base = variants[0]!
console.log(`| measure (median of ${rounds} rounds) | ${variants.join(' | ')} | ${variants.slice(1).map((v) => `${v}/${base}`).join(' | ')} |`)
console.log(`|---|${variants.map(() => '---|').join('')}${variants.slice(1).map(() => '---|').join('')}`)
for (const [k, label] of cols) {
  const vals = variants.map((v) => (k === 'errors' ? rows.get(v)!.reduce((s, r) => s + r.errors, 0) : med(v, k)))
  const ratios = vals.slice(1).map((x) => (vals[0] ? `${(x / vals[0]).toFixed(2)}×` : '—'))
  console.log(`| ${label} | ${vals.map((x) => x.toFixed(2)).join(' | ')} | ${ratios.join(' | ')} |`)
}

async function withTarget(t: RunningTarget, f: (t: RunningTarget) => Promise<void>): Promise<void> {
  try {
    await f(t)
  } finally {
    await t.stop()
  }
}
