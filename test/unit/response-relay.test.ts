// The response relay (core/response-relay.ts) on its own: what it keeps of an answer for
// the record is bounded by the cap whatever the answer's size, and it never reads the
// upstream ahead of the client by more than the chunk being handed over (backpressure).
// Both are counted on what the relay holds and pulls, not on RSS.
import { describe, expect, it } from 'vitest'
import { relayBody, type RelayOutcome } from '../../lambda/src/core/response-relay.js'

const MiB = 2 ** 20

/** An upstream body of `count` chunks of `size` bytes (byte i of the body is i mod 251), made on demand. */
function upstreamOf(count: number, size: number) {
  let pulls = 0
  let offset = 0
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulls === count) return controller.close()
        pulls++
        const chunk = new Uint8Array(size)
        for (let i = 0; i < size; i++) chunk[i] = (offset + i) % 251
        offset += size
        controller.enqueue(chunk)
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, pulls: () => pulls }
}

function relay(upstream: ReadableStream<Uint8Array>, capBytes: number) {
  let outcome: RelayOutcome | undefined
  const body = relayBody(upstream, {
    capBytes,
    monotonic: () => performance.now(),
    onChunk: () => {},
    clientGone: () => false,
    answerComplete: () => false,
    deadline: new AbortController().signal,
    describeError: () => 'error',
    onDone: (o) => (outcome = o),
  })
  return { body, outcome: () => outcome }
}

describe('relayBody', () => {
  it('keeps exactly the cap of a 64 MiB answer for the record, byte for byte, and relays all of it', async () => {
    const cap = 5 * MiB + 3 // not a chunk boundary
    const up = upstreamOf(64, MiB)
    const { body, outcome } = relay(up.stream, cap)
    const reader = body.getReader()
    let relayed = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      relayed += value.byteLength
    }
    const o = outcome()!
    expect(relayed).toBe(64 * MiB)
    expect(o.bytes).toBe(64 * MiB)
    expect(o.truncated).toBe(true)
    expect(o.captured.byteLength).toBe(cap)
    for (const i of [0, 1, MiB - 1, MiB, cap - 1]) expect(o.captured[i]).toBe(i % 251)
  })

  it('pulls the upstream only as the client reads: never more than one chunk ahead', async () => {
    const up = upstreamOf(200, 64 * 1024)
    const { body } = relay(up.stream, MiB)
    const reader = body.getReader()
    let reads = 0
    for (;;) {
      const { done } = await reader.read()
      if (done) break
      reads++
      expect(up.pulls() - reads).toBeLessThanOrEqual(1)
      // A client that pauses between reads: the relay must not fill up meanwhile.
      if (reads % 50 === 0) {
        await new Promise((r) => setTimeout(r, 5))
        expect(up.pulls() - reads).toBeLessThanOrEqual(1)
      }
    }
    expect(reads).toBe(200)
  })

  it('keeps a whole answer under the cap untruncated', async () => {
    const up = upstreamOf(3, 1000)
    const { body, outcome } = relay(up.stream, MiB)
    await new Response(body).arrayBuffer()
    expect(outcome()).toMatchObject({ bytes: 3000, truncated: false })
    expect(outcome()!.captured.byteLength).toBe(3000)
  })
})
