// The local host's graceful stop, piece by piece, over real HTTP on real stores:
// requests after the stop began are refused (503 shutting_down, connection: close; new
// connections refused), exchanges that end within the grace period end whole, and a store
// that does not answer during the stop cannot lose records (they become fallback lines).
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { REQUEST_ID_HEADER } from '../../lambda/src/core/headers.js'
import { type LocalStack, startLocalStack, streamingBody } from '../support/local-stack.js'

let stack: LocalStack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

/** Writes `data` on one connection and collects everything until the server closes it. */
function pipelined(port: number, data: string, onFirstBytes: (socket: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    let first = true
    const socket = connect(port, '127.0.0.1', () => socket.write(data))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`connection still open; got so far:\n${text}`))
    }, 20_000)
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      if (first) {
        first = false
        onFirstBytes(socket)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(text)
    })
  })
}

describe('local host: graceful stop', () => {
  it('lets a stream that ends within the grace period finish, and refuses a request sent on its connection after the stop began', async () => {
    stack = await startLocalStack({ upstream: { eventDelayMs: 100, deltas: 8 } })
    const s = stack
    const body = streamingBody()
    const first = `POST /v1/responses HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${s.token}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    const second = `GET /v1/models HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${s.token}\r\n\r\n`
    let closing: ReturnType<LocalStack['proxy']['close']> | undefined
    // The second request goes out on the same kept-alive connection once the stop began.
    const text = await pipelined(s.proxy.port, first, (socket) => {
      closing = s.proxy.close({ graceMs: 15_000, recordsMs: 10_000 })
      socket.write(second)
    })
    // The stream ran to its end…
    expect(text).toContain('response.completed')
    // …and the pipelined request behind it was refused, connection closed.
    const replies = text.split(/(?=HTTP\/1\.1 \d{3})/)
    expect(replies).toHaveLength(2)
    expect(replies[0]).toMatch(/^HTTP\/1\.1 200/)
    expect(replies[1]).toMatch(/^HTTP\/1\.1 503/)
    expect(replies[1]).toMatch(/connection: close/i)
    expect(replies[1]).toContain('"code":"shutting_down"')
    const report = await closing!
    expect(report).toEqual({ endedExchanges: 0, recordsToFallback: 0 })
    // The stream's record is complete; the refused request never reached the core.
    const requestId = /x-codex-proxy-request-id: (\S+)/i.exec(replies[0]!)![1]!
    const { s3 } = await s.waitForRecords([requestId], 5_000)
    const record = s3.find((r) => r.request_id === requestId)!
    expect(record.response_body).toContain('response.completed')
    expect(s.upstream.requests.filter((r) => r.url === '/v1/models')).toHaveLength(0)
  }, 60_000)

  it('refuses new connections once the stop began', async () => {
    stack = await startLocalStack({ upstream: { eventDelayMs: 200, deltas: 50 } })
    const res = await fetch(`${stack.proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${stack.token}` }, body: streamingBody() })
    const reader = res.body!.getReader()
    await reader.read()
    const closing = stack.proxy.close({ graceMs: 2_000 })
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(stack!.proxy.port, '127.0.0.1', () => {
        socket.destroy()
        resolve('connected')
      })
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
    })
    expect(refused).toBe('ECONNREFUSED')
    // Keep reading, so the stream is cut by the stop and not by backpressure.
    const drained = (async () => {
      for (;;) if ((await reader.read()).done) return
    })().catch(() => {})
    expect((await closing).endedExchanges).toBe(1)
    await drained
    const { s3, fallback } = await stack.waitForRecords([res.headers.get(REQUEST_ID_HEADER)!], 5_000)
    expect([...s3, ...fallback].map((r) => r.request_id)).toContain(res.headers.get(REQUEST_ID_HEADER))
  }, 60_000)

  it('a store that hangs during the stop: the records still in flight become fallback lines, within the bound', async () => {
    stack = await startLocalStack({ upstream: { eventDelayMs: 200, deltas: 50 }, proxy: { storeRequestTimeoutMs: 30_000 } })
    const s = stack
    const ids: string[] = []
    const readers = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const res = await fetch(`${s.proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: streamingBody() })
        ids.push(res.headers.get(REQUEST_ID_HEADER)!)
        const reader = res.body!.getReader()
        await reader.read()
        return reader
      }),
    )
    const drained = readers.map((reader) =>
      (async () => {
        for (;;) if ((await reader.read()).done) return
      })().catch(() => {}),
    )
    // S3 accepts connections and never answers: each write would wait 30 s per attempt.
    await s.s3Relay.setMode('hang')
    // Returns after grace + records wait, not after the store's 30 s timeouts (the test's
    // own 60 s limit would catch an unbounded wait).
    const report = await s.proxy.close({ graceMs: 500, recordsMs: 5_000 })
    await Promise.all(drained)
    expect(report.endedExchanges).toBe(3)
    expect(report.recordsToFallback).toBe(3)
    const fallback = await s.fallbackRecords()
    expect(fallback.map((r) => r.request_id).sort()).toEqual([...ids].sort())
    for (const r of fallback) expect(r.response_body).toContain('response.created')
    await s.s3Relay.setMode('pass')
  }, 60_000)
})
