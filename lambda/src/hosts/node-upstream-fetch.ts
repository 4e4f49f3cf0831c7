// The local host's upstream relay: the core's `UpstreamFetch` port on node:http(s) with a
// kept-alive agent, instead of undici's fetch. Under the bench's load undici and its web
// streams were the largest share of the core's own CPU (bench/relay-results.md): a fetch
// builds a Request, clones headers, wraps the body and runs its own stream machinery for
// every chunk. Here a request is one `http.request` and the answer's body a pull-based
// ReadableStream over the IncomingMessage (hosts/node-body-stream.ts: one chunk per read).
//
// It answers like fetch where the core can tell: a rejection with the signal's reason on
// abort; socket errors carry their `code` (ECONNREFUSED, ECONNRESET), which
// describeUpstreamError reads; redirects are not followed (the core asks for 'manual');
// a content-encoded answer is decoded (clientResponseHeaders drops the header, as after
// fetch). Lambda keeps undici's fetch (no node:http agent pool worth keeping per sandbox).
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { UpstreamFetch } from '../core/ports.js'
import { webStreamOf } from './node-body-stream.js'

export interface NodeUpstreamFetchOptions {
  /**
   * How long an idle kept-alive upstream connection is kept (default 4 s, undici's default):
   * servers close idle connections, and a request sent on one they just closed fails.
   */
  idleSocketMs?: number
}

/** Statuses whose answer has no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

export function nodeUpstreamFetch(options: NodeUpstreamFetchOptions = {}): UpstreamFetch & { close(): void } {
  // `noDelay`: each SSE event goes out as written (no Nagle wait for the previous ACK).
  // `timeout` applies to free sockets only: Agent destroys an idle socket on timeout.
  const agentOptions = { keepAlive: true, noDelay: true, scheduling: 'lifo' as const, timeout: options.idleSocketMs ?? 4_000 }
  const http = new HttpAgent(agentOptions)
  const https = new HttpsAgent(agentOptions)
  for (const agent of [http, https]) agent.on('free', dropWhenPeerCloses)
  const relay = (input: string, init: RequestInit & { duplex?: 'half' }) => send(new URL(input), init, http, https)
  return Object.assign(relay, {
    close() {
      http.destroy()
      https.destroy()
    },
  })
}

const watched = new WeakSet<Socket>()

/**
 * A kept-alive socket whose peer closed it stays in the agent's free list until its own
 * shutdown completes (only `destroyed` sockets are skipped): a request sent in that window
 * fails with "socket hang up" (seen when an upstream drops idle connections). Destroying
 * it on the peer's FIN takes it out at once.
 */
function dropWhenPeerCloses(socket: Socket): void {
  if (watched.has(socket)) return
  watched.add(socket)
  socket.once('end', () => socket.destroy())
}

function send(url: URL, init: RequestInit, http: HttpAgent, https: HttpsAgent): Promise<Response> {
  const signal = init.signal ?? undefined
  if (signal?.aborted) return Promise.reject(signal.reason)
  const secure = url.protocol === 'https:'
  if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`))
  const method = (init.method ?? 'GET').toUpperCase()
  const body = bodyBytes(init.body)
  const headers = nodeHeaders(init.headers)
  if (body !== undefined) headers['content-length'] = body.byteLength
  else if (method !== 'GET' && method !== 'HEAD') headers['content-length'] = 0

  return new Promise<Response>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { method, headers, agent: secure ? https : http })
    let answered = false
    const onAbort = () => {
      req.destroy(signal!.reason as Error)
      if (!answered) reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    req.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort)
      if (!answered) reject(err)
    })
    req.once('response', (res) => {
      answered = true
      const status = res.statusCode ?? 502
      const responseHeaders = webHeaders(res)
      const noBody = method === 'HEAD' || NULL_BODY_STATUSES.has(status)
      if (noBody) {
        signal?.removeEventListener('abort', onAbort)
        res.resume()
      }
      let response: Response
      try {
        const body = webStreamOf(decoded(res), {
          onSettled: () => signal?.removeEventListener('abort', onAbort),
          // An abort destroys the request with the signal's reason; fetch errors the body with it too.
          errorFor: (err) => (signal?.aborted ? signal.reason : err),
        })
        response = new Response(noBody ? null : body, {
          status,
          statusText: res.statusMessage ?? '',
          headers: responseHeaders,
        })
      } catch (err) {
        // A status fetch cannot represent (below 200 or above 599).
        req.destroy()
        reject(err)
        return
      }
      resolve(response)
    })
    req.end(body)
  })
}

/** fetch decodes these codings; so does this relay (clientResponseHeaders drops the header). */
function decoded(res: IncomingMessage): Readable {
  const coding = (res.headers['content-encoding'] ?? '').trim().toLowerCase()
  const decoder = coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : undefined
  if (!decoder) return res
  res.once('error', (err) => decoder.destroy(err))
  res.once('close', () => {
    if (!res.complete) decoder.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
  })
  decoder.once('close', () => res.destroy())
  return res.pipe(decoder)
}

function bodyBytes(body: RequestInit['body']): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (body instanceof Uint8Array) return body
  if (typeof body === 'string') return Buffer.from(body)
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  // The core always sends bytes it has read whole (stages/inspect-body.ts).
  throw new TypeError('nodeUpstreamFetch sends byte bodies only')
}

function nodeHeaders(init: HeadersInit | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  ;(init instanceof Headers ? init : new Headers(init)).forEach((value, name) => {
    if (name === 'set-cookie') return
    out[name] = value
  })
  return out
}

function webHeaders(res: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = res.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!)
    } catch {
      // A header value fetch would refuse: fetch fails the whole answer, we drop the header.
    }
  }
  return headers
}
