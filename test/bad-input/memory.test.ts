// A burst of bad input against the local host (proxy in this process, stores in a
// child): memory settles back and the proxy still serves. Figures are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { head, rawExchange } from '../support/raw-http.js'
import type { LocalStack } from '../support/local-stack.js'
import { mib, MiB, settledRss } from '../support/memory.js'
import { LIMITS, startBadInputStack } from './stack.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startBadInputStack()
})
afterAll(async () => {
  await stack?.close()
})

const ROUNDS = 40

function badRequests(token: string): (string | Buffer)[] {
  const auth = `Authorization: Bearer ${token}`
  return [
    head('GET', '/v1/../admin', [auth]),
    head('GET', '/v1/models', ['Authorization: Basic eDp5']),
    head('GET', '/v1/models', [`Authorization: Bearer ${token.slice(0, -1)}x`]),
    head('GET', '/v1/models', [auth, `X-Big: ${'a'.repeat(LIMITS.maxHeaderBytes * 2)}`]),
    head('GET', '/v1/models', [auth, 'X-Note: a\rb']),
    head('TRACE', '/v1/models', [auth]),
    head('POST', '/v1/responses', [auth, 'Content-Length: 1000000000000']),
    // Over the request limit, body actually sent.
    head('POST', '/v1/responses', [auth, `Content-Length: ${LIMITS.maxRequestBytes + 1}`]) + 'x'.repeat(LIMITS.maxRequestBytes + 1),
    // Forwarded: invalid JSON, and a body over the audit cap.
    head('POST', '/v1/responses', [auth, 'Content-Type: application/json', 'Content-Length: 9']) + '{not json',
    head('POST', '/v1/responses', [auth, 'Content-Type: application/json', `Content-Length: ${LIMITS.bodyCapBytes * 2}`]) + 'y'.repeat(LIMITS.bodyCapBytes * 2),
  ]
}

describe('memory under a burst of bad input', () => {
  it(`stays flat over ${ROUNDS * 2} rounds of every kind of bad request after a warm-up`, async () => {
    const requests = badRequests(stack.token)
    const burst = async (rounds: number) => {
      let peak = 0
      for (let round = 0; round < rounds; round++) {
        const replies = await Promise.all(requests.map((r) => rawExchange(stack.proxy.port, r)))
        expect(replies.every((r) => r.status > 0)).toBe(true)
        peak = Math.max(peak, process.memoryUsage().rss)
        stack.upstream.requests.length = 0 // the fake upstream keeps every body it got
      }
      return peak
    }
    // Warm-up: pools, JIT code and allocator arenas grow to their working size first.
    await burst(ROUNDS / 2)
    const warm = await settledRss()
    const peak1 = await burst(ROUNDS)
    const mid = await settledRss()
    const peak2 = await burst(ROUNDS)
    const end = await settledRss()
    console.log(
      `bad-input burst, ${requests.length} requests a round: RSS settled ${mib(warm)} after warm-up, ${mib(mid)} after ${ROUNDS} more rounds (peak ${mib(peak1)}), ${mib(end)} after ${ROUNDS} more (peak ${mib(peak2)})`,
    )
    // A leak grows with every round; a working set does not grow in the second half.
    expect(end - mid).toBeLessThan(16 * MiB)
    expect(end - warm).toBeLessThan(64 * MiB)
    const ok = await fetch(`${stack.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${stack.token}` } })
    expect(ok.status).toBe(200)
  })
})
