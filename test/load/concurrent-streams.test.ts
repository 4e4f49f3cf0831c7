// 200 concurrent streaming Codex requests through the local host (auth, policy with an
// rpm limit and a budget, audit to s3rver): no errors, every record written. Memory under 200 streams is a bench figure
// (bench/proxy/concurrent-streams.ts), not an assertion here: an RSS bound is a bet on
// the garbage collector's timing that a loaded machine can lose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoadStack, startLoadStack } from './load-stack.js'

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
  it('all complete without an error, each with a record in S3', async () => {
    await Promise.all(Array.from({ length: 10 }, stream)) // warm-up: pools, JIT
    const results = await Promise.all(Array.from({ length: CONCURRENCY }, stream))
    const failed = results.filter((r) => r.status !== 200 || !r.text.includes('response.completed'))
    expect(failed.map((f) => `${f.status} ${f.text.slice(0, 200)}`).slice(0, 3)).toEqual([])
    const recorded = await stack.recorded(results.map((r) => r.id))
    expect(recorded.size).toBe(CONCURRENCY)
  })
})
