// A short soak at a steady rate through the local host (CI keeps it to 40 s; the long
// variant is `npm run bench -- --soak 300`): no errors and no handles left behind once
// the traffic stops. RSS is printed, not asserted: a bound on it failed a clean-clone
// `npm test` on a loaded machine (+27 MB against 24 MB, GC timing), so whether RSS stays
// flat is measured by the bench's soak, side by side and over minutes, not here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mib } from '../support/memory.js'
import { type LoadStack, startLoadStack } from './load-stack.js'
import { meanRss, runSoak } from './soak.js'

const RATE = 20
const DURATION_S = 40
let stack: LoadStack

beforeAll(async () => {
  stack = await startLoadStack({ upstream: { eventDelayMs: 20, deltas: 10 } })
})
afterAll(async () => {
  await stack?.close()
})

describe(`soak: ${RATE} requests/s for ${DURATION_S} s`, () => {
  it('serves every request and leaks no handles', { timeout: 180_000 }, async () => {
    const lines: string[] = []
    // Idle 8 s before the baseline and after the run: past the 4–5 s keep-alive timeouts
    // of undici, node:http and the stores, so pooled sockets have closed both times.
    const result = await runSoak(stack, { ratePerSec: RATE, durationS: DURATION_S, sampleEveryS: 4, idleS: 8, log: (l) => lines.push(l) })
    const early = meanRss(result.samples, 0, 1 / 3)
    const late = meanRss(result.samples, 2 / 3, 1)
    console.log(
      [
        `soak ${result.sent} requests at ${RATE}/s: ${result.errors} errors`,
        `RSS baseline ${mib(result.baseline.rss)}, first third ${mib(early)}, last third ${mib(late)} (${late >= early ? '+' : ''}${mib(late - early)}), drained ${mib(result.drained.rss)}`,
        `handles baseline ${result.baseline.handles} ${JSON.stringify(result.baseline.resources)}, drained ${result.drained.handles} ${JSON.stringify(result.drained.resources)}`,
        ...lines,
      ].join('\n'),
    )
    expect(result.errors).toBe(0)
    // Keep-alive pools have gone idle: what is left is what was there before the run.
    expect(result.drained.handles).toBeLessThanOrEqual(result.baseline.handles + 2)
  })
})
