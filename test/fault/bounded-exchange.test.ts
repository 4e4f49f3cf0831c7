// Bounded work and accurate records at the edges of an exchange (trust issue, findings 5
// and 11), through the local host on real stores: a client that stops reading, a client
// that leaves right after response.completed. Finding 6 (an upstream stream without
// newlines) is in test/unit/usage.test.ts and test/bad-input/trust-controls.test.ts.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_USAGE, responsesStreamEvents } from '../support/fake-openai.js'
import { type LocalStack, startLocalStack, streamingBody } from '../support/local-stack.js'

const DEADLINE_MS = 1_500
let stack: LocalStack

beforeAll(async () => {
  stack = await startLocalStack({ proxy: { config: { upstreamTimeoutMs: DEADLINE_MS } } })
}, 60_000)
afterAll(async () => {
  await stack?.close()
})

describe('finding 5: a client that stops reading', () => {
  it('ends the exchange at the deadline, cancels the upstream and writes the record', async () => {
    let upstreamClosed = false
    let written = 0
    stack.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const chunk = `data: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'x'.repeat(16 * 1024) })}\n\n`
      // Write as fast as the proxy takes it; the proxy stops taking once its client stalls.
      const pump = () => {
        while (!upstreamClosed && written < 200 * 1024 * 1024) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
      }
      res.once('close', () => (upstreamClosed = true))
      pump()
      return true
    }
    // A raw client that sends the request and then never reads a byte.
    const socket = connect(stack.proxy.port, '127.0.0.1')
    const body = streamingBody()
    socket.write(
      `POST /v1/responses HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${stack.token}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    socket.pause()
    const before = (await stack.s3Records()).length
    // The record appears although the client is still connected and still not reading.
    let records = await stack.s3Records()
    for (let i = 0; i < 200 && records.length === before; i++) {
      await new Promise((r) => setTimeout(r, 50))
      records = await stack.s3Records()
    }
    const record = records.find((r) => r.upstream_error?.includes('timed out'))
    expect(record, 'a record with the deadline as its upstream_error').toBeDefined()
    expect(upstreamClosed).toBe(true)
    // Bounded: the proxy stopped reading from upstream long before 200 MB.
    expect(written).toBeLessThan(200 * 1024 * 1024)
    // And the server kept serving others meanwhile.
    expect((await fetch(`${stack.proxy.url}/healthz`)).status).toBe(200)
    socket.destroy()
    stack.upstream.override = undefined
  }, 30_000)
})

/** A streamed Responses request the test can abandon mid-answer, as a client would. */
async function postAbortable() {
  const controller = new AbortController()
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: streamingBody(),
    signal: controller.signal,
  })
  return { controller, response, id: response.headers.get('x-codex-proxy-request-id')! }
}

describe("finding 11: Codex closes the connection right after response.completed", () => {
  it('records client_aborted false and the usage when the answer was complete', async () => {
    stack.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const e of responsesStreamEvents({ reply: 'done', model: 'gpt-5.1-codex', usage: DEFAULT_USAGE, deltas: 2 })) res.write(e)
      // The upstream keeps the stream open a while after its last event, as OpenAI can.
      setTimeout(() => res.end(), 1_000)
      return true
    }
    const { controller, response, id } = await postAbortable()
    const reader = response.body!.getReader()
    let text = ''
    while (!text.includes('response.completed\ndata:') || !text.endsWith('\n\n')) {
      const { done, value } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    const { s3 } = await stack.waitForRecords([id])
    expect(s3.find((r) => r.request_id === id)).toMatchObject({ client_aborted: false, usage_status: 'reported', input_tokens: DEFAULT_USAGE.input_tokens })
    stack.upstream.override = undefined
  }, 30_000)

  it('still records client_aborted true when the client leaves before the answer is complete', async () => {
    stack.upstream.options = { eventDelayMs: 200, deltas: 6 }
    const { controller, response, id } = await postAbortable()
    await response.body!.getReader().read()
    controller.abort()
    const { s3 } = await stack.waitForRecords([id])
    expect(s3.find((r) => r.request_id === id)).toMatchObject({ client_aborted: true })
    stack.upstream.options = {}
  }, 30_000)
})
