// Direct vs OpenAI's Rust proxy vs codex-proxy, in one run, on loopback, against one
// fake upstream in its own process. Rounds interleave the targets so that machine noise
// (a shared 2-core box) falls on all of them alike.
import { firstTurnBody } from '../codex-corpus.js'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { type Exchange, LoadClient, median, percentile } from './load-client.js'
import { cpuMs, memory, treeCpuMs } from './proc-stats.js'
import { coreOnlyTarget, cxpTarget, type CxpOptions, directTarget, type RunningTarget, rustTarget } from './targets.js'

export interface SideBySideOptions {
  rounds: number
  /** Sequential requests per target and round (latency). */
  latencyRequests: number
  /**
   * Idle time between sequential requests in the paced latency run, so that work a
   * target does after a response (codex-proxy's audit write and spend update) is not
   * charged to the next request, as between two Codex turns.
   */
  paceMs: number
  /** Closed-loop workers and duration per target and round (throughput). */
  concurrency: number
  throughputMs: number
  cxp: CxpOptions
  /** SSE answer of the fake upstream. */
  upstream: { deltas: number; eventDelayMs: number }
  log: (line: string) => void
}

export interface TargetFigures {
  name: string
  /** Back to back: each request starts when the previous one has ended. */
  latency: { p50: number; p99: number }
  ttfb: { p50: number; p99: number }
  /** Paced: `paceMs` idle between requests. */
  pacedLatency: { p50: number; p99: number }
  pacedTtfb: { p50: number; p99: number }
  /** Requests per second at the fixed concurrency (median of rounds). */
  rps: number
  errors: number
  /** CPU milliseconds of the serving process per request (throughput phase). */
  cpuMsPerRequest: number | null
  /** Same, for the target's helper processes (codex-proxy's embedded stores). */
  helperCpuMsPerRequest: number | null
  /** All processes of the target (the serving process and every descendant, incl. ended children). */
  allCpuMsPerRequest: number | null
  rssMiB: number | null
  peakRssMiB: number | null
}

export interface SideBySideResult {
  bodyBytes: number
  responseBytes: number
  targets: TargetFigures[]
}

export async function runSideBySide(options: SideBySideOptions): Promise<SideBySideResult> {
  const body = Buffer.from(firstTurnBody(1))
  const upstream = await startFakeOpenAIProcess({ deltas: options.upstream.deltas, eventDelayMs: options.upstream.eventDelayMs })
  const targets: RunningTarget[] = []
  try {
    const rust = await rustTarget(upstream.url)
    // The same Rust process, reached with a new connection per request (`Connection: close`):
    // on kept-alive connections it stalls ~40 ms per exchange (Nagle against delayed ACK).
    targets.push(directTarget(upstream.url), rust, { ...rust, name: 'rust-close', keepAlive: false, stop: async () => {} }, await cxpTarget(upstream.url, options.cxp), await coreOnlyTarget(upstream.url))
    const samples = new Map(targets.map((t) => [t.name, { latency: [] as Exchange[], paced: [] as Exchange[], rps: [] as number[], errors: 0, cpu: 0, helperCpu: 0, treeCpu: 0, requests: 0 }]))
    let responseBytes = 0
    for (let round = 1; round <= options.rounds; round++) {
      for (const target of targets) {
        const s = samples.get(target.name)!
        const client = new LoadClient(target, body, options.concurrency)
        try {
          await client.sequential(50) // warm-up: connections, JIT, token cache
          if (!responseBytes) responseBytes = await measureResponseBytes(target, body)
          const latency = await client.sequential(options.latencyRequests)
          s.latency.push(...latency)
          s.paced.push(...(await client.sequential(options.latencyRequests, options.paceMs)))
          const cpu0 = target.pid ? cpuMs(target.pid) : 0
          const helper0 = sumCpu(target.helperPids())
          const tree0 = target.pid ? treeCpuMs(target.pid) : 0
          const { exchanges, wallMs } = await client.closedLoop(options.concurrency, options.throughputMs)
          const ok = exchanges.filter((e) => e.ok).length
          s.errors += exchanges.length - ok + latency.filter((e) => !e.ok).length
          s.rps.push((ok / wallMs) * 1000)
          // Per completed request: an exchange the target dropped (the Rust proxy hangs up
          // on some new connections at c=16 with `Connection: close`) is not a request served.
          s.requests += ok
          if (target.pid) s.cpu += cpuMs(target.pid) - cpu0
          s.helperCpu += sumCpu(target.helperPids()) - helper0
          if (target.pid) s.treeCpu += treeCpuMs(target.pid) - tree0
          options.log(
            `  round ${round} ${target.name.padEnd(6)} p50 ${median(latency.map((e) => e.totalMs)).toFixed(2)} ms, ${((ok / wallMs) * 1000).toFixed(0)} req/s at c=${options.concurrency}, errors ${exchanges.length - ok}`,
          )
        } finally {
          client.close()
        }
      }
    }
    return {
      bodyBytes: body.length,
      responseBytes,
      targets: targets.map((t) => {
        const s = samples.get(t.name)!
        const mem = t.pid ? memory(t.pid) : undefined
        const total = s.latency.map((e) => e.totalMs)
        const ttfb = s.latency.map((e) => e.ttfbMs)
        const pacedTotal = s.paced.map((e) => e.totalMs)
        const pacedTtfb = s.paced.map((e) => e.ttfbMs)
        return {
          name: t.name,
          latency: { p50: median(total), p99: percentile(total, 99) },
          ttfb: { p50: median(ttfb), p99: percentile(ttfb, 99) },
          pacedLatency: { p50: median(pacedTotal), p99: percentile(pacedTotal, 99) },
          pacedTtfb: { p50: median(pacedTtfb), p99: percentile(pacedTtfb, 99) },
          rps: median(s.rps),
          errors: s.errors,
          cpuMsPerRequest: t.pid ? s.cpu / s.requests : null,
          helperCpuMsPerRequest: t.helperPids().length ? s.helperCpu / s.requests : null,
          allCpuMsPerRequest: t.pid ? s.treeCpu / s.requests : null,
          rssMiB: mem ? mem.rssBytes / 2 ** 20 : null,
          peakRssMiB: mem ? mem.peakRssBytes / 2 ** 20 : null,
        }
      }),
    }
  } finally {
    for (const t of targets) await t.stop()
    await upstream.close()
  }
}

function sumCpu(pids: number[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      total += cpuMs(pid)
    } catch {
      // gone
    }
  }
  return total
}

async function measureResponseBytes(target: RunningTarget, body: Buffer): Promise<number> {
  const r = await fetch(target.url, { method: 'POST', headers: { ...target.headers, 'content-type': 'application/json' }, body: new Uint8Array(body) })
  return (await r.arrayBuffer()).byteLength
}
