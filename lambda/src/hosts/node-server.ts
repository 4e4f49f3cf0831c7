// The node:http host: converts IncomingMessage → Request, calls the core, and writes
// the Response back chunk by chunk. The only file that knows node:http.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type ProxyErrorCode, PROXY_ERRORS, proxyErrorBody } from '../contracts/errors.js'
import { HOST_SHUTDOWN_REASON } from '../core/ports.js'
import type { Proxy } from '../core/proxy.js'
import { webStreamOf } from './node-body-stream.js'
import { pumpBody } from './pump.js'

export interface NodeServerOptions {
  host: string
  port: number
  /** `GET /shutdown` calls this (the `--http-shutdown` flag). */
  onShutdownRequest?: () => void
  /** Slow-client limits: time to receive all headers / the whole request. */
  headersTimeoutMs?: number
  requestTimeoutMs?: number
  /**
   * How often node:http checks those two limits (its default is 30 s, so a slow client
   * could hold a connection for up to twice the limit).
   */
  timeoutCheckIntervalMs?: number
  /** Largest accepted header section. */
  maxHeaderBytes?: number
}

export interface CloseOptions {
  /** How long exchanges in flight may run on before the server ends them (default 10 s). */
  graceMs?: number
  /**
   * How long, after that, to wait for the records of the exchanges (the work the core
   * registered with `ctx.waitUntil`, including the ones just ended) (default 10 s).
   */
  recordsMs?: number
}

export interface RunningNodeServer {
  server: Server
  url: string
  port: number
  /** True from the first call of close(): new requests get 503 shutting_down. */
  readonly draining: boolean
  /**
   * Graceful stop: refuses new connections and requests, lets exchanges in flight finish
   * within the grace period, ends the rest, then waits (bounded) for every exchange's
   * record work, the ended ones' included. Resolves with what was left unfinished.
   */
  close(options?: CloseOptions): Promise<CloseOutcome>
}

export interface CloseOutcome {
  /** Exchanges still running when the grace period ended (their connections were closed). */
  endedExchanges: number
  /** Registered record work still unsettled when recordsMs ran out. */
  unsettledWork: number
}

export async function startNodeServer(proxy: Proxy, options: NodeServerOptions): Promise<RunningNodeServer> {
  const pending = new Set<Promise<unknown>>()
  const waitUntil = (p: Promise<unknown>) => {
    pending.add(p)
    // Work that rejects must not become an unhandled rejection that kills the process.
    void p.then(
      () => pending.delete(p),
      () => pending.delete(p),
    )
  }
  let draining = false
  /** Set when close() ends the exchanges that outlasted the grace period. */
  let cutting = false
  let inFlight = 0
  const server = createServer(
    {
      noDelay: true,
      maxHeaderSize: options.maxHeaderBytes ?? 64 * 1024,
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
      connectionsCheckingInterval: options.timeoutCheckIntervalMs ?? 30_000,
    },
    (req, res) => {
      if (options.onShutdownRequest && req.method === 'GET' && req.url === '/shutdown') {
        // `connection: close`, or this keep-alive connection would hold server.close() open.
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('shutting down\n')
        options.onShutdownRequest()
        return
      }
      if (draining) {
        // A request on a kept-alive connection after close(): refuse it, and the connection.
        res.shouldKeepAlive = false
        writeError(res, 'shutting_down')
        return
      }
      inFlight++
      void serve(proxy, req, res, waitUntil, () => cutting).finally(() => inFlight--)
    },
  )
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => replyToClientError(err, socket))
  // node:http hands CONNECT to this event and, without a listener, drops the connection
  // with no answer at all.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => replyOnSocket(socket, 'method_not_allowed', 'Method Not Allowed'))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  let closing: Promise<CloseOutcome> | undefined
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    server,
    port,
    url: `http://${hostForUrl}:${port}`,
    get draining() {
      return draining
    },
    close: (closeOptions = {}) => (closing ??= drain(closeOptions)),
  }

  async function drain({ graceMs = 10_000, recordsMs = 10_000 }: CloseOptions): Promise<CloseOutcome> {
    draining = true
    // Stops listening: new connections are refused from here on.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    // Connections busy now become idle as their exchanges end: close those too.
    const sweep = setInterval(() => server.closeIdleConnections(), 100)
    const grace = timer(graceMs)
    await Promise.race([closed, grace.done])
    grace.cancel()
    clearInterval(sweep)
    const endedExchanges = inFlight
    cutting = true
    // Ends the exchanges that outlasted the grace: their clients see the stream cut, and
    // the core, seeing the request aborted, produces their records through waitUntil.
    server.closeAllConnections()
    // Only now is the pending set complete: wait for it, including work registered while
    // waiting (a record is built a macrotask after its exchange ends).
    const records = timer(recordsMs)
    let expired = false
    void records.done.then(() => (expired = true))
    // An exchange still winding down (inFlight) may yet register work: poll until it has.
    while ((pending.size > 0 || inFlight > 0) && !expired) {
      const tick = timer(pending.size > 0 ? recordsMs : 10)
      await Promise.race([Promise.allSettled([...pending]), tick.done, records.done])
      tick.cancel()
    }
    records.cancel()
    return { endedExchanges, unsettledWork: pending.size }
  }
}

async function serve(
  proxy: Proxy,
  req: IncomingMessage,
  res: ServerResponse,
  waitUntil: (p: Promise<unknown>) => void,
  cutByShutdown: () => boolean,
): Promise<void> {
  const abort = new AbortController()
  res.once('close', () => {
    // The reason tells the core who ended the exchange (request.signal.reason).
    if (!res.writableFinished) abort.abort(new Error(cutByShutdown() ? SHUTDOWN_ABORT_REASON : 'client disconnected'))
  })
  // The Fetch standard forbids these methods: `new Request()` would throw.
  if (FETCH_FORBIDDEN_METHODS.has(req.method ?? '')) {
    writeError(res, 'method_not_allowed', req.method)
    return
  }
  let request: Request
  try {
    request = toRequest(req, abort.signal)
  } catch (err) {
    writeError(res, 'bad_request', err instanceof Error ? err.message : undefined)
    return
  }
  const response = await proxy.fetch(request, { waitUntil, rawTarget: req.url ?? '/' })
  // Answered before the whole request arrived (a refusal before or while reading the
  // body): the rest of the body is still on the connection and the request stream may
  // have been cancelled, so the connection cannot carry another request — tell the
  // client not to reuse it, or its next request waits for a timeout.
  if (!req.complete) res.shouldKeepAlive = false
  await writeResponse(response, res, abort.signal)
}

/** Abort reason of the exchanges that close() ends after the grace period. */
export const SHUTDOWN_ABORT_REASON = HOST_SHUTDOWN_REASON

function timer(ms: number): { done: Promise<void>; cancel(): void } {
  let handle: NodeJS.Timeout | undefined
  const done = new Promise<void>((resolve) => (handle = setTimeout(resolve, ms)))
  return { done, cancel: () => clearTimeout(handle) }
}

/** https://fetch.spec.whatwg.org/#forbidden-method */
const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  // rawHeaders keeps duplicates (req.headers silently drops a second Authorization).
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const method = req.method ?? 'GET'
  const target = req.url?.startsWith('/') ? req.url : '/'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  // The core checks the raw target (ctx.rawTarget); this URL only has to parse.
  return new Request(`http://localhost${target}`, {
    method,
    headers,
    signal,
    ...(hasBody && { body: webStreamOf(req, { onCancel: 'discard' }), duplex: 'half' }),
  } as RequestInit)
}

async function writeResponse(response: Response, res: ServerResponse, clientGone: AbortSignal): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  res.writeHead(response.status, headers)
  if (!response.body) {
    res.end()
    return
  }
  // Headers go out now, before the first body chunk (SSE clients start their timers).
  res.flushHeaders()
  const outcome = await pumpBody(response.body, res, clientGone)
  // A client that went away (the core records it) gets no orderly end.
  if (outcome === 'complete') res.end()
  else res.destroy()
}

function writeError(res: ServerResponse, code: ProxyErrorCode, detail?: string): void {
  const body = JSON.stringify(proxyErrorBody(code, detail))
  res.writeHead(PROXY_ERRORS[code].status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Unparseable requests never reach the core; answer them in the same error shape. */
function replyToClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (err.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy()
    return
  }
  const code: ProxyErrorCode =
    err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'bad_request'
  const reason = code === 'headers_too_large' ? 'Request Header Fields Too Large' : code === 'request_timeout' ? 'Request Timeout' : 'Bad Request'
  replyOnSocket(socket, code, reason)
}

/** An error reply written straight to the socket (no ServerResponse exists), then close. */
function replyOnSocket(socket: Socket, code: ProxyErrorCode, reason: string): void {
  const { status } = PROXY_ERRORS[code]
  const body = JSON.stringify(proxyErrorBody(code))
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}
