// The local host's node:http relay (hosts/node-upstream-fetch.ts) against a real server on
// loopback: what fetch gave the core (bytes, status, headers, errors the core can name,
// aborts, decoded bodies), and what it adds (kept-alive connections, bounded buffering).
import diagnostics from 'node:diagnostics_channel'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeUpstreamFetch } from '../../lambda/src/hosts/node-upstream-fetch.js'
import { describeUpstreamError } from '../../lambda/src/core/upstream-errors.js'

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void
let server: Server | undefined
const relays: ReturnType<typeof nodeUpstreamFetch>[] = []
let connections = 0

async function upstream(handler: Handler): Promise<string> {
  connections = 0
  server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => handler(req, res, Buffer.concat(parts)))
  })
  server.on('connection', () => connections++)
  server.keepAliveTimeout = 600_000 // idle connections are closed by the relay's side, not this one
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function relay(options?: Parameters<typeof nodeUpstreamFetch>[0]) {
  const r = nodeUpstreamFetch(options)
  relays.push(r)
  return r
}

afterEach(async () => {
  for (const r of relays.splice(0)) r.close()
  server?.closeAllConnections()
  await new Promise((r) => server?.close(() => r(undefined)) ?? r(undefined))
  server = undefined
})

const describeErr = (err: unknown) => describeUpstreamError(err, false, 1000)

describe('nodeUpstreamFetch', () => {
  it('sends method, path with query, headers and body bytes, and relays status, headers and body byte for byte', async () => {
    const answer = randomBytes(300_000)
    let seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: Buffer } = {}
    const base = await upstream((req, res, body) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body }
      res.writeHead(201, 'Made', [['x-one', 'a'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['content-type', 'application/octet-stream']])
      res.end(answer)
    })
    const sent = randomBytes(70_000)
    const res = await relay()(`${base}/v1/responses?x=1&y=%2F`, { method: 'POST', headers: new Headers({ authorization: 'Bearer k', 'x-big': 'v'.repeat(20_000) }), body: sent })
    expect(res.status).toBe(201)
    expect(res.statusText).toBe('Made')
    expect(res.headers.get('x-one')).toBe('a')
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(Buffer.from(await res.arrayBuffer()).equals(answer)).toBe(true)
    expect(seen.method).toBe('POST')
    expect(seen.url).toBe('/v1/responses?x=1&y=%2F')
    expect(seen.headers!.authorization).toBe('Bearer k')
    expect(seen.headers!['x-big']).toHaveLength(20_000)
    expect(seen.headers!['content-length']).toBe(String(sent.length))
    expect(seen.body!.equals(sent)).toBe(true)
  })

  it('keeps the upstream connection alive across requests', async () => {
    const base = await upstream((_req, res) => res.end('ok'))
    const f = relay()
    for (let i = 0; i < 5; i++) expect(await (await f(`${base}/v1/models`, { method: 'GET' })).text()).toBe('ok')
    expect(connections).toBe(1)
  })

  it('opens a new connection when the upstream closed the idle kept-alive one, even right after its FIN', async () => {
    const serverSockets: Socket[] = []
    const base = await upstream((req, res) => {
      serverSockets.push(req.socket)
      res.end('ok')
    })
    const clientSockets: Socket[] = []
    const onSocket = ({ socket }: { socket: Socket }) => clientSockets.push(socket)
    diagnostics.subscribe('net.client.socket', onSocket as (m: unknown) => void)
    try {
      const f = relay()
      expect(await (await f(`${base}/a`, { method: 'POST', body: new Uint8Array([1]) })).text()).toBe('ok')
      // The upstream drops its idle connection (as servers do after their keep-alive
      // timeout); the next request starts as the FIN arrives, before the socket has closed.
      const next = new Promise<Response>((resolve, reject) =>
        clientSockets[0]!.once('end', () => queueMicrotask(() => f(`${base}/b`, { method: 'POST', body: new Uint8Array([1]) }).then(resolve, reject))),
      )
      serverSockets[0]!.destroy()
      expect(await (await next).text()).toBe('ok')
      expect(connections).toBe(2)
    } finally {
      diagnostics.unsubscribe('net.client.socket', onSocket as (m: unknown) => void)
    }
  })

  it('lets an upstream stay silent longer than the idle-socket timeout while it answers (a model thinking)', async () => {
    const base = await upstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: one\n\n')
        setTimeout(() => res.end('data: two\n\n'), 300)
      }, 300)
    })
    const res = await relay({ idleSocketMs: 50 })(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) })
    expect(await res.text()).toBe('data: one\n\ndata: two\n\n')
  })

  it('closes a kept-alive connection left idle past the idle-socket timeout', async () => {
    let upstreamSocket: Socket | undefined
    const base = await upstream((req, res) => {
      upstreamSocket = req.socket
      res.end('ok')
    })
    expect(await (await relay({ idleSocketMs: 50 })(`${base}/x`, { method: 'GET' })).text()).toBe('ok')
    // Closed by the relay's side (the test's server keeps idle connections for 10 minutes;
    // the test's own timeout, 200× the idle time, is what fails a relay that never closes).
    if (!upstreamSocket!.destroyed) await once(upstreamSocket!, 'close')
    expect(upstreamSocket!.destroyed).toBe(true)
  }, 10_000)

  it('rejects a refused connection with a code the core names', async () => {
    const base = await upstream((_req, res) => res.end())
    const port = new URL(base).port
    server!.close()
    await new Promise((r) => setTimeout(r, 10))
    const err = await relay()(`http://127.0.0.1:${port}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) }).catch((e: unknown) => e)
    expect(describeErr(err)).toBe('connection refused')
  })

  it('rejects a connection reset before the headers as a reset', async () => {
    const base = await upstream((req) => req.socket.destroy())
    const err = await relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) }).catch((e: unknown) => e)
    expect(describeErr(err)).toBe('connection reset')
  })

  it('errors the body of an answer cut mid-stream, as a reset', async () => {
    const base = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n', () => setTimeout(() => res.socket!.destroy(), 20))
    })
    const res = await relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) })
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n')
    const err = await reader.read().then(
      () => 'no error',
      (e: unknown) => e,
    )
    expect(describeErr(err)).toBe('connection reset')
  })

  it('rejects with the signal reason when aborted before the headers, and closes the upstream connection', async () => {
    let upstreamSocket: Socket | undefined
    const base = await upstream((req) => (upstreamSocket = req.socket)) // never answers
    const abort = new AbortController()
    const pending = relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]), signal: abort.signal })
    while (!upstreamSocket) await new Promise((r) => setTimeout(r, 5))
    const reason = new Error('client disconnected')
    abort.abort(reason)
    await expect(pending).rejects.toBe(reason)
    if (!upstreamSocket.destroyed) await once(upstreamSocket, 'close')
  })

  it('errors the body with the signal reason when aborted mid-stream, and closes the upstream connection', async () => {
    let upstreamSocket: Socket | undefined
    const base = await upstream((req, res) => {
      upstreamSocket = req.socket
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
    })
    const abort = new AbortController()
    const res = await relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]), signal: abort.signal })
    const reader = res.body!.getReader()
    await reader.read()
    const reason = new Error('deadline')
    abort.abort(reason)
    await expect(reader.read()).rejects.toBe(reason)
    if (!upstreamSocket!.destroyed) await once(upstreamSocket!, 'close')
  })

  it('closes the upstream connection when the body is cancelled', async () => {
    let upstreamSocket: Socket | undefined
    const base = await upstream((req, res) => {
      upstreamSocket = req.socket
      res.writeHead(200)
      res.write('x')
    })
    const res = await relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) })
    await res.body!.cancel(new Error('client gone'))
    if (!upstreamSocket!.destroyed) await once(upstreamSocket!, 'close')
    expect(upstreamSocket!.destroyed).toBe(true)
  })

  it('decodes a gzip answer, as fetch does', async () => {
    const text = 'data: hello\n\n'.repeat(1000)
    const base = await upstream((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/event-stream' })
      res.end(gzipSync(text))
    })
    const res = await relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) })
    expect(await res.text()).toBe(text)
  })

  it('errors the body of a corrupt gzip answer instead of hanging', async () => {
    const base = await upstream((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' })
      res.end(Buffer.from('not gzip at all'))
    })
    const res = await relay()(`${base}/v1/responses`, { method: 'POST', body: new Uint8Array([1]) })
    await expect(res.text()).rejects.toBeTruthy()
  })

  it('answers 204 and HEAD with no body', async () => {
    const base = await upstream((req, res) => {
      res.writeHead(req.method === 'HEAD' ? 200 : 204, { 'content-length': req.method === 'HEAD' ? '5' : '0' })
      res.end()
    })
    const f = relay()
    const noContent = await f(`${base}/x`, { method: 'DELETE' })
    expect(noContent.status).toBe(204)
    expect(noContent.body).toBeNull()
    const head = await f(`${base}/x`, { method: 'HEAD' })
    expect(head.body).toBeNull()
    // The connection stays usable after both.
    expect((await f(`${base}/x`, { method: 'GET' })).status).toBe(204)
  })

  it('does not follow redirects', async () => {
    const base = await upstream((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' })
      res.end()
    })
    const res = await relay()(`${base}/x`, { method: 'GET', redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('http://127.0.0.1:1/elsewhere')
  })

  it('does not read the upstream further than the reader asks (backpressure)', async () => {
    const total = 64 * 2 ** 20
    let written = 0
    let lastGrowth = performance.now()
    const base = await upstream(async (_req, res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 97)
      while (written < total && !res.destroyed) {
        written += chunk.length
        lastGrowth = performance.now()
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r))
      }
      res.end()
    })
    const res = await relay()(`${base}/big`, { method: 'GET' })
    const reader = res.body!.getReader()
    await reader.read()
    // Wait until the upstream cannot write any more (its writes stop growing).
    while (performance.now() - lastGrowth < 200) await new Promise((r) => setTimeout(r, 50))
    // Socket buffers hold a few MiB at most; a relay that read ahead would take it all.
    expect(written).toBeLessThan(total / 2)
    await reader.cancel()
  })

  it('refuses a protocol it cannot speak', async () => {
    await expect(relay()('ftp://127.0.0.1/x', { method: 'GET' })).rejects.toThrow(/unsupported protocol/)
  })
})
