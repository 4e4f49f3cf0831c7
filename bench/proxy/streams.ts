// The `streams` part of `npm run bench`: 200 concurrent Codex-like streams through each
// proxy (Rust, `serve`, the core on in-memory ports), one target at a time, each in a fresh
// process: the serving process's memory while they are all open (issue 14's goal for
// `serve`: ≤ 150 MiB). The upstream paces its events 25 ms apart (40 deltas, ~1 s a
// stream), so the streams overlap as a team's sessions would.
import { firstTurnBody } from '../codex-corpus.js'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { type ConcurrentStreamsFigures, measureConcurrentStreams } from './concurrent-streams.js'
import { coreOnlyTarget, cxpTarget, type CxpOptions, type RunningTarget, rustTarget } from './targets.js'

export interface StreamsFigures {
  streams: number
  eventDelayMs: number
  deltas: number
  targets: (ConcurrentStreamsFigures & { name: string })[]
}

const EVENT_DELAY_MS = 25
const DELTAS = 40

export async function measureStreams(options: { streams?: number; cxp: CxpOptions; log: (l: string) => void }): Promise<StreamsFigures> {
  const streams = options.streams ?? 200
  const upstream = await startFakeOpenAIProcess({ deltas: DELTAS, eventDelayMs: EVENT_DELAY_MS, recordRequests: false })
  const body = Buffer.from(firstTurnBody(1))
  const starts: [string, () => Promise<RunningTarget>][] = [
    ['rust', () => rustTarget(upstream.url)],
    ['cxp', () => cxpTarget(upstream.url, options.cxp)],
    ['core', () => coreOnlyTarget(upstream.url)],
  ]
  const targets: StreamsFigures['targets'] = []
  try {
    for (const [name, start] of starts) {
      const t = await start()
      try {
        const figures = await measureConcurrentStreams(t, body, streams)
        targets.push({ name, ...figures })
        options.log(`  ${streams} streams via ${name}: RSS ${figures.rssBeforeMiB.toFixed(1)} → ${figures.rssDuringMiB.toFixed(1)} MiB (peak ${figures.peakRssMiB.toFixed(1)}), ${figures.errors} errors`)
      } finally {
        await t.stop()
      }
    }
  } finally {
    await upstream.close()
  }
  return { streams, eventDelayMs: EVENT_DELAY_MS, deltas: DELTAS, targets }
}
