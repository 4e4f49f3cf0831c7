// A client that goes away mid-stream, on the local host over a raw TCP connection: the
// upstream request is aborted within a second (measured and printed), the record marks
// client_aborted, and the proxy keeps serving.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalStack, startLocalStack, streamingBody } from '../support/local-stack.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startLocalStack()
})
afterAll(async () => {
  await stack?.close()
})

/** Sends a streaming request, resolves once the first body bytes arrive, then drops the socket. */
function requestThenHangUp(): Promise<{ droppedAt: number; head: string }> {
  const body = streamingBody()
  return new Promise((resolve, reject) => {
    const socket = connect(stack.proxy.port, '127.0.0.1', () => {
      socket.write(
        `POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stack.token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    })
    let seen = ''
    socket.on('data', (d) => {
      seen += d.toString()
      if (seen.includes('response.created')) {
        socket.destroy()
        resolve({ droppedAt: performance.now(), head: seen })
      }
    })
    socket.on('error', reject)
  })
}

describe('client disconnects mid-stream', () => {
  it('aborts the upstream request within a second and records client_aborted', async () => {
    let upstreamClosedAt = 0
    stack.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created"}\n\n')
      res.on('close', () => (upstreamClosedAt = performance.now()))
      return true // would stream forever
    }
    const { droppedAt, head } = await requestThenHangUp()
    const id = /x-codex-proxy-request-id: (\w+)/i.exec(head)![1]!
    const { s3 } = await stack.waitForRecords([id])
    const abortMs = upstreamClosedAt - droppedAt
    console.log(`client hung up → upstream request aborted after ${abortMs.toFixed(1)} ms`)
    expect(upstreamClosedAt).toBeGreaterThan(0)
    expect(abortMs).toBeLessThan(1_000)
    expect(s3.find((r) => r.request_id === id)).toMatchObject({ client_aborted: true, status: 200, origin: 'upstream', upstream_error: null })
  })

  it('serves the next request normally', async () => {
    stack.upstream.override = undefined
    const response = await fetch(`${stack.proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: streamingBody(),
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(stack.upstream.lastStreamBody)
  })
})
