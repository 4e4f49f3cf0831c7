// The load generator: node:http with a keep-alive agent (no WHATWG streams in the way,
// so the client is not the bottleneck), one connection per concurrent worker. Each
// exchange is timed to the first body byte and to the end of the body.
import { Agent, request } from 'node:http'

const EXCHANGE_TIMEOUT_MS = 10_000

export interface Exchange {
  ok: boolean
  /** Milliseconds from sending to the first body byte. */
  ttfbMs: number
  /** Milliseconds from sending to the end of the body. */
  totalMs: number
}

export interface Target {
  name: string
  /** Where to POST the Codex request (`http://127.0.0.1:P/v1/responses`). */
  url: string
  headers: Record<string, string>
  /** false: a new connection per exchange, `Connection: close` (default: kept alive). */
  keepAlive?: boolean
}

export class LoadClient {
  private readonly agent: Agent

  constructor(
    private readonly target: Target,
    private readonly body: Buffer,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: target.keepAlive !== false, maxSockets: concurrency, maxFreeSockets: concurrency })
  }

  once(): Promise<Exchange> {
    const url = new URL(this.target.url)
    return new Promise((resolve) => {
      const startedAt = performance.now()
      let ttfbMs = -1
      const req = request(
        {
          agent: this.agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...this.target.headers, 'content-type': 'application/json', 'content-length': this.body.length, accept: 'text/event-stream', ...(this.target.keepAlive === false && { connection: 'close' }) },
        },
        (res) => {
          let tail = ''
          res.on('data', (chunk: Buffer) => {
            if (ttfbMs < 0) ttfbMs = performance.now() - startedAt
            tail = (tail + chunk.toString('latin1')).slice(-64)
          })
          res.on('end', () => {
            const totalMs = performance.now() - startedAt
            // Every answer of the fake upstream ends with the response.completed event.
            resolve({ ok: res.statusCode === 200 && tail.includes('}\n\n'), ttfbMs, totalMs })
          })
          res.on('error', () => resolve({ ok: false, ttfbMs, totalMs: performance.now() - startedAt }))
        },
      )
      req.on('error', () => resolve({ ok: false, ttfbMs, totalMs: performance.now() - startedAt }))
      // A stuck exchange counts as an error instead of stalling the run.
      req.setTimeout(EXCHANGE_TIMEOUT_MS, () => req.destroy(new Error('timeout')))
      req.end(this.body)
    })
  }

  /** `count` exchanges one after the other (latency: no queueing), `gapMs` idle between. */
  async sequential(count: number, gapMs = 0): Promise<Exchange[]> {
    const out: Exchange[] = []
    for (let i = 0; i < count; i++) {
      if (gapMs > 0 && i > 0) await new Promise((r) => setTimeout(r, gapMs))
      out.push(await this.once())
    }
    return out
  }

  /** `concurrency` workers in a closed loop for `durationMs`. */
  async closedLoop(concurrency: number, durationMs: number): Promise<{ exchanges: Exchange[]; wallMs: number }> {
    const exchanges: Exchange[] = []
    const startedAt = performance.now()
    const worker = async () => {
      while (performance.now() - startedAt < durationMs) exchanges.push(await this.once())
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return { exchanges, wallMs: performance.now() - startedAt }
  }

  close(): void {
    this.agent.destroy()
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export const median = (values: number[]) => percentile(values, 50)
