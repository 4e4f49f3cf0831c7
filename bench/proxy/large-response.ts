// One 20 MB SSE response through each target (as a long Codex answer with big tool
// output would be): the time it takes over direct, and how far the serving process's
// memory peak (VmHWM) rises above its resident set before the request.
import { firstTurnBody } from '../codex-corpus.js'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { LoadClient, median } from './load-client.js'
import { memory } from './proc-stats.js'
import { cxpTarget, type CxpOptions, directTarget, type RunningTarget, rustTarget } from './targets.js'

export interface LargeResponseFigures {
  responseBytes: number
  requests: number
  targets: { name: string; p50Ms: number; addedMs: number; peakRiseMiB: number | null; errors: number }[]
}

const DELTAS = 200
const PADDING = 100_000 // 200 × 100 kB ≈ 20 MB

export async function measureLargeResponse(options: { requests: number; cxp: CxpOptions; log: (l: string) => void }): Promise<LargeResponseFigures> {
  const upstream = await startFakeOpenAIProcess({ deltas: DELTAS, deltaPaddingBytes: PADDING, eventDelayMs: 0, recordRequests: false })
  const body = Buffer.from(firstTurnBody(1))
  const targets: RunningTarget[] = []
  try {
    const rust = await rustTarget(upstream.url)
    targets.push(directTarget(upstream.url), rust, { ...rust, name: 'rust-close', keepAlive: false, stop: async () => {} }, await cxpTarget(upstream.url, options.cxp))
    const out: LargeResponseFigures['targets'] = []
    let responseBytes = 0
    for (const t of targets) {
      const client = new LoadClient(t, body, 1)
      await client.sequential(1)
      if (!responseBytes) {
        const r = await fetch(t.url, { method: 'POST', headers: { ...t.headers, 'content-type': 'application/json' }, body: new Uint8Array(body) })
        responseBytes = (await r.arrayBuffer()).byteLength
      }
      const before = t.pid ? memory(t.pid).rssBytes : 0
      const ex = await client.sequential(options.requests)
      client.close()
      const peak = t.pid ? memory(t.pid).peakRssBytes : 0
      const p50 = median(ex.map((e) => e.totalMs))
      out.push({ name: t.name, p50Ms: p50, addedMs: 0, peakRiseMiB: t.pid ? Math.max(0, peak - before) / 2 ** 20 : null, errors: ex.filter((e) => !e.ok).length })
      options.log(`  20 MB response via ${t.name}: p50 ${p50.toFixed(1)} ms`)
    }
    const direct = out[0]!.p50Ms
    for (const t of out) t.addedMs = t.p50Ms - direct
    return { responseBytes, requests: options.requests, targets: out }
  } finally {
    for (const t of targets) await t.stop()
    await upstream.close()
  }
}
