// 200 concurrent streaming Codex requests through the local host (auth, policy with an
// rpm limit and a budget, audit to s3rver): no errors, every record written, memory
// bounded. The RSS figures are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mib, MiB, settledRss } from '../support/memory.js'
import { type LoadStack, rssPeakSampler, startLoadStack } from './load-stack.js'

const CONCURRENCY = 200
let stack: LoadStack

beforeAll(async () => {
  stack = await startLoadStack({ upstream: { eventDelayMs: 10, deltas: 20 } })
})
afterAll(async () => {
  await stack?.close()
})

async function stream(): Promise<{ status: number; text: string; id: string }> {
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: stack.body,
  })
  return { status: response.status, text: await response.text(), id: response.headers.get('x-codex-proxy-request-id') ?? '' }
}

describe(`${CONCURRENCY} concurrent streaming requests`, () => {
  it('all complete without an error, each with a record in S3, in bounded memory', async () => {
    await Promise.all(Array.from({ length: 10 }, stream)) // warm-up: pools, JIT
    const before = await settledRss()
    const sampler = rssPeakSampler()
    const startedAt = performance.now()
    const results = await Promise.all(Array.from({ length: CONCURRENCY }, stream))
    const wallMs = performance.now() - startedAt
    const peak = sampler.stop()
    const failed = results.filter((r) => r.status !== 200 || !r.text.includes('response.completed'))
    const recorded = await stack.recorded(results.map((r) => r.id))
    const after = await settledRss()
    console.log(
      `${CONCURRENCY} concurrent streams (55 KB bodies, 25 SSE events 10 ms apart): ${failed.length} errors in ${wallMs.toFixed(0)} ms; ` +
        `${recorded.size} records in S3; RSS ${mib(before)} before, peak ${mib(peak)} (+${mib(peak - before)}), ${mib(after)} settled after`,
    )
    expect(failed).toEqual([])
    expect(recorded.size).toBe(CONCURRENCY)
    expect(peak - before).toBeLessThan(256 * MiB)
    // Settled: V8 keeps some of the heap it grew to (measured +48 MiB); the soak test is
    // the leak check.
    expect(after - before).toBeLessThan(128 * MiB)
  })
})
