// An emulator of the Lambda Runtime API (2018-06-01) on loopback, with response
// streaming, for running a function under AWS's real runtime client.
// The API: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
// Streaming responses: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming
// - GET  /2018-06-01/runtime/invocation/next      long poll; the event as body, the
//   invocation in Lambda-Runtime-* headers (request id, deadline, function ARN, trace id).
// - POST /2018-06-01/runtime/invocation/{id}/response   with
//   `Lambda-Runtime-Function-Response-Mode: streaming`: a chunked body, read as it
//   arrives; errors after the first byte come as the trailers
//   `Lambda-Runtime-Function-Error-Type` / `Lambda-Runtime-Function-Error-Body` (base64).
// - POST /2018-06-01/runtime/invocation/{id}/error and /2018-06-01/runtime/init/error.
//
// A Function URL in RESPONSE_STREAM mode reads the body as the HTTP response when its
// content type is `application/vnd.awslambda.http-integration-response`: a JSON prelude
// (statusCode, headers, cookies), 8 NUL bytes, then the body. Without that, the client
// gets 200 and the bytes as they are (aws-lambda-nodejs-runtime-interface-client#97);
// `decodeFunctionUrl` does the same.
//
// Lambda freezes the execution environment while the runtime waits on /next with no
// invocation to give: with `freeze(pid)` the emulator does the same with SIGSTOP, so
// work a handler leaves running after it returns cannot finish before the next event.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response'
const PRELUDE_DELIMITER = Buffer.alloc(8)
const PREFIX = '/2018-06-01/runtime'

export interface Prelude {
  statusCode?: number
  headers?: Record<string, string>
  cookies?: string[]
}

export interface InvocationResult {
  requestId: string
  /** How the runtime answered. */
  outcome: 'streamed' | 'buffered' | 'error' | 'cut'
  /** The request headers of the runtime's /response or /error call. */
  runtimeHeaders: Record<string, string | string[] | undefined>
  /** What a Function URL client sees. */
  status: number
  headers: Record<string, string>
  preludeSent: boolean
  body: string
  /** Body bytes as they arrived (after the prelude), with monotonic arrival times. */
  chunks: { at: number; text: string }[]
  /** Streaming error trailers, or the /error call's type and body. */
  errorType?: string
  errorBody?: unknown
  receivedAt: number
  completedAt: number
}

export interface InvokeOptions {
  /** Destroy the runtime's response connection once this many body bytes have arrived. */
  cutAfterBodyBytes?: number
  timeoutMs?: number
}

interface Pending {
  id: string
  event: unknown
  options: InvokeOptions
  deadline: number
  resolve: (r: InvocationResult) => void
  reject: (e: Error) => void
}

export interface RuntimeApi {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  address: string
  invoke(event: unknown, options?: InvokeOptions): Promise<InvocationResult>
  /** Freeze this process (SIGSTOP) while it waits for an invocation; thaw it to hand one out. */
  freeze(pid: number): void
  /** Resolves when the runtime is waiting on /next with nothing to give (frozen, if freezing). */
  idle(): Promise<void>
  /** Times at which the runtime called /next. */
  nextCalls: number[]
  initErrors: { type: string | undefined; body: unknown }[]
  close(): Promise<void>
}

export async function startRuntimeApi(functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:codex-proxy'): Promise<RuntimeApi> {
  const queue: Pending[] = []
  const inFlight = new Map<string, Pending>()
  let parkedNext: ServerResponse | undefined
  let frozenPid: number | undefined
  let freezePid: number | undefined
  let idleWaiters: (() => void)[] = []
  const nextCalls: number[] = []
  const initErrors: RuntimeApi['initErrors'] = []

  const thaw = () => {
    if (frozenPid !== undefined) {
      try {
        process.kill(frozenPid, 'SIGCONT')
      } catch {}
      frozenPid = undefined
    }
  }
  const handOut = () => {
    if (!parkedNext || !queue.length) return
    const res = parkedNext
    parkedNext = undefined
    const p = queue.shift()!
    inFlight.set(p.id, p)
    thaw()
    const body = JSON.stringify(p.event)
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'lambda-runtime-aws-request-id': p.id,
      'lambda-runtime-deadline-ms': String(p.deadline),
      'lambda-runtime-invoked-function-arn': functionArn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`,
    })
    res.end(body)
  }
  const becameIdle = () => {
    if (freezePid !== undefined && frozenPid === undefined) {
      try {
        process.kill(freezePid, 'SIGSTOP')
        frozenPid = freezePid
      } catch {}
    }
    const waiters = idleWaiters
    idleWaiters = []
    for (const w of waiters) w()
  }

  const server: Server = createServer((req, res) => {
    const url = req.url ?? ''
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      nextCalls.push(performance.now())
      parkedNext = res
      res.on('close', () => {
        if (parkedNext === res) parkedNext = undefined
      })
      if (queue.length) handOut()
      else becameIdle()
      return
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url)
    if (req.method === 'POST' && m) {
      const id = decodeURIComponent(m[1]!)
      const p = inFlight.get(id)
      if (!p) return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errorType":"InvalidRequestID"}')
      return m[2] === 'error' ? void receiveError(req, res, p) : void receiveResponse(req, res, p)
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      void readAll(req).then((body) => {
        initErrors.push({ type: header(req, 'lambda-runtime-function-error-type'), body: safeJson(body) })
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}')
      })
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errorType":"NotFound"}')
  })

  function settle(p: Pending, result: InvocationResult) {
    inFlight.delete(p.id)
    p.resolve(result)
  }

  async function receiveError(req: IncomingMessage, res: ServerResponse, p: Pending) {
    const receivedAt = performance.now()
    const body = await readAll(req)
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}')
    // A failed invocation reaches a Function URL client as 502.
    settle(p, {
      requestId: p.id,
      outcome: 'error',
      runtimeHeaders: req.headers,
      status: 502,
      headers: {},
      preludeSent: false,
      body: '',
      chunks: [],
      errorType: header(req, 'lambda-runtime-function-error-type'),
      errorBody: safeJson(body),
      receivedAt,
      completedAt: performance.now(),
    })
  }

  function receiveResponse(req: IncomingMessage, res: ServerResponse, p: Pending) {
    const receivedAt = performance.now()
    const streaming = header(req, 'lambda-runtime-function-response-mode') === 'streaming'
    const integration = (header(req, 'content-type') ?? '').startsWith(HTTP_INTEGRATION_CONTENT_TYPE)
    const decoder = new FunctionUrlDecoder(integration)
    let bodyBytes = 0
    let cut = false
    req.on('data', (chunk: Buffer) => {
      const at = performance.now()
      const before = decoder.bodyLength
      decoder.push(chunk, at)
      bodyBytes += decoder.bodyLength - before
      if (!cut && p.options.cutAfterBodyBytes !== undefined && bodyBytes >= p.options.cutAfterBodyBytes) {
        cut = true
        req.socket.destroy()
        settle(p, { ...decoder.result(), requestId: p.id, outcome: 'cut', runtimeHeaders: req.headers, receivedAt, completedAt: performance.now() })
      }
    })
    req.on('end', () => {
      if (cut) return
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}')
      const errorType = req.trailers['lambda-runtime-function-error-type']
      const errorBody = req.trailers['lambda-runtime-function-error-body']
      settle(p, {
        ...decoder.result(),
        requestId: p.id,
        outcome: streaming ? 'streamed' : 'buffered',
        runtimeHeaders: req.headers,
        ...(errorType && { errorType, errorBody: safeJson(Buffer.from(errorBody ?? '', 'base64')) }),
        receivedAt,
        completedAt: performance.now(),
      })
    })
    req.on('error', () => {})
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    address: `127.0.0.1:${port}`,
    nextCalls,
    initErrors,
    invoke(event, options = {}) {
      return new Promise<InvocationResult>((resolve, reject) => {
        const timeoutMs = options.timeoutMs ?? 60_000
        const p: Pending = { id: randomUUID(), event, options, deadline: Date.now() + timeoutMs, resolve, reject }
        const timer = setTimeout(() => reject(new Error(`invocation ${p.id} got no complete response within ${timeoutMs} ms`)), timeoutMs)
        p.resolve = (r) => {
          clearTimeout(timer)
          resolve(r)
        }
        queue.push(p)
        handOut()
      })
    },
    freeze(pid) {
      freezePid = pid
      if (parkedNext && !queue.length) becameIdle()
    },
    idle() {
      if (parkedNext && !queue.length && (freezePid === undefined || frozenPid !== undefined)) return Promise.resolve()
      return new Promise((resolve) => idleWaiters.push(resolve))
    },
    async close() {
      thaw()
      freezePid = undefined
      parkedNext?.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Splits a streamed body as the Function URL front end does: prelude, 8 NUL bytes, body. */
class FunctionUrlDecoder {
  private head = Buffer.alloc(0)
  private prelude: Prelude | undefined
  private done: boolean
  private body: Buffer[] = []
  readonly chunks: { at: number; text: string }[] = []
  bodyLength = 0

  constructor(private readonly integration: boolean) {
    this.done = !integration
  }

  push(chunk: Buffer, at: number) {
    let rest = chunk
    if (!this.done) {
      this.head = Buffer.concat([this.head, chunk])
      const nul = this.head.indexOf(PRELUDE_DELIMITER)
      if (nul < 0) return
      this.prelude = JSON.parse(this.head.subarray(0, nul).toString('utf8')) as Prelude
      rest = this.head.subarray(nul + PRELUDE_DELIMITER.length)
      this.done = true
    }
    if (rest.length) {
      this.body.push(rest)
      this.bodyLength += rest.length
      this.chunks.push({ at, text: rest.toString('utf8') })
    }
  }

  result() {
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(this.prelude?.headers ?? {})) headers[k.toLowerCase()] = v
    // No delimiter ever came: no prelude, and the bytes are the body (as test/support/awslambda-stub.ts).
    const body = this.done ? Buffer.concat(this.body) : this.head
    return { status: this.prelude?.statusCode ?? 200, headers, preludeSent: this.prelude !== undefined, body: body.toString('utf8'), chunks: this.chunks }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function safeJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    return bytes.toString('utf8')
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
