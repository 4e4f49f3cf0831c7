// 200 Codex-like streams at once through one target: how much memory the serving process
// holds while they are all open (issue 14's goal: ≤ 150 MiB). The upstream paces its
// events (as a model writing tokens), so the streams overlap; VmRSS is sampled while they
// run and VmHWM (the process's peak) read at the end.
import { LoadClient } from './load-client.js'
import { memory } from './proc-stats.js'
import type { RunningTarget } from './targets.js'

export interface ConcurrentStreamsFigures {
  streams: number
  /** RSS before the streams (after one warm-up exchange). */
  rssBeforeMiB: number
  /** Highest VmRSS sampled (every 20 ms) while the streams ran. */
  rssDuringMiB: number
  /** VmHWM at the end: the process's peak over its whole life. */
  peakRssMiB: number
  wallMs: number
  errors: number
}

const MiB = 2 ** 20

export async function measureConcurrentStreams(target: RunningTarget, body: Buffer, streams = 200): Promise<ConcurrentStreamsFigures> {
  const pid = target.pid!
  const client = new LoadClient(target, body, streams)
  try {
    await client.sequential(2)
    const rssBefore = memory(pid).rssBytes
    let rssDuring = rssBefore
    const sampler = setInterval(() => {
      try {
        rssDuring = Math.max(rssDuring, memory(pid).rssBytes)
      } catch {
        // the process ended
      }
    }, 20)
    const started = performance.now()
    const exchanges = await Promise.all(Array.from({ length: streams }, () => client.once()))
    const wallMs = performance.now() - started
    clearInterval(sampler)
    return {
      streams,
      rssBeforeMiB: rssBefore / MiB,
      rssDuringMiB: rssDuring / MiB,
      peakRssMiB: memory(pid).peakRssBytes / MiB,
      wallMs,
      errors: exchanges.filter((e) => !e.ok).length,
    }
  } finally {
    client.close()
  }
}
