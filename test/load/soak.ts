// A steady-rate soak against the local host running in this process: requests start on
// a fixed schedule (open model: a slow proxy does not slow the arrivals), and settled
// RSS and active handle counts are sampled as it goes. Used by the CI soak test (short)
// and by `npm run bench -- --soak SECONDS` (long).
import { activeResources, settledRss } from '../support/memory.js'
import type { LoadStack } from './load-stack.js'

export interface SoakSample {
  atS: number
  rss: number
  handles: number
  inFlight: number
}

export interface SoakResult {
  sent: number
  errors: number
  samples: SoakSample[]
  /** Settled RSS and handles once every request (and its record) is done and pools idle. */
  drained: { rss: number; handles: number; resources: Record<string, number> }
  baseline: { rss: number; handles: number; resources: Record<string, number> }
}

const totalHandles = () => Object.values(activeResources()).reduce((a, b) => a + b, 0)

export async function runSoak(stack: LoadStack, options: { ratePerSec: number; durationS: number; sampleEveryS: number; idleS: number; log?: (line: string) => void }): Promise<SoakResult> {
  const send = async (): Promise<boolean> => {
    try {
      const r = await fetch(`${stack.proxy.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
        body: stack.body,
      })
      const text = await r.text()
      return r.status === 200 && text.includes('response.completed')
    } catch {
      return false
    }
  }
  const idle = () => new Promise((r) => setTimeout(r, options.idleS * 1000))
  // Warm-up and baseline after the keep-alive pools have gone idle.
  await Promise.all(Array.from({ length: 20 }, send))
  await idle()
  const baseline = { rss: await settledRss(), handles: totalHandles(), resources: activeResources() }

  const samples: SoakSample[] = []
  const pending = new Set<Promise<boolean>>()
  let sent = 0
  let errors = 0
  const startedAt = performance.now()
  const intervalMs = 1000 / options.ratePerSec
  let nextSample = options.sampleEveryS
  while (performance.now() - startedAt < options.durationS * 1000) {
    const due = startedAt + sent * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const p = send().then((ok) => {
      if (!ok) errors += 1
      pending.delete(p)
      return ok
    })
    pending.add(p)
    sent += 1
    const atS = (performance.now() - startedAt) / 1000
    if (atS >= nextSample) {
      nextSample += options.sampleEveryS
      const sample = { atS, rss: await settledRss(), handles: totalHandles(), inFlight: pending.size }
      samples.push(sample)
      options.log?.(`  t=${atS.toFixed(0)}s rss=${(sample.rss / 2 ** 20).toFixed(1)} MiB handles=${sample.handles} in-flight=${sample.inFlight} sent=${sent} errors=${errors}`)
    }
  }
  await Promise.all(pending)
  await idle()
  const drained = { rss: await settledRss(), handles: totalHandles(), resources: activeResources() }
  return { sent, errors, samples, drained, baseline }
}

/** Mean of the RSS samples in a slice of the run (fractions of the sample list). */
export function meanRss(samples: SoakSample[], from: number, to: number): number {
  const part = samples.slice(Math.floor(samples.length * from), Math.max(Math.ceil(samples.length * to), Math.floor(samples.length * from) + 1))
  return part.reduce((s, x) => s + x.rss, 0) / part.length
}
