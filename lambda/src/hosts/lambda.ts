// The AWS Lambda host: a Function URL event (payload 2.0) in, the core's Response
// streamed out through `awslambda.streamifyResponse` (invoke mode RESPONSE_STREAM), so
// SSE events reach Codex as they are produced. The only file that knows Lambda.
//
// Own adapter rather than hono/aws-lambda's `streamHandle`: that one ends the response
// and returns in the same step (no place to await the audit write after the client's
// stream has ended), never aborts the upstream call when the client goes away, and
// rebuilds the URL from rawPath (hiding `..` from the path check).
//
// How AWS's runtime client (npm aws-lambda-ric 4.x) treats the stream, verified by
// test/lambda-runtime/ against the real client:
// - `HttpResponseStream.from` writes nothing: the prelude (status, headers) goes out
//   inside the first `write()`. A response ended without a write would reach the client
//   as a bare 200 (aws-lambda-nodejs-runtime-interface-client#97), so the prelude is
//   always flushed with an empty write.
// - If the runtime's response connection is cut, the client's own promises reject with
//   nobody listening ("socket hang up") and Node ends the process: `processGuard` holds
//   the exit until the invocations in flight have written their records.
import type { LambdaFunctionURLEvent, StreamifyHandler } from 'aws-lambda'
import type { Writable } from 'node:stream'
import { type ProxyErrorCode, PROXY_ERRORS, proxyErrorBody } from '../contracts/errors.js'
import type { Proxy } from '../core/proxy.js'
import { functionUrlEventToRequest, rawTarget } from './function-url-event.js'
import { pumpBody } from './pump.js'

/** The two things of `process` the guard uses (a stand-in in tests). */
export interface ProcessLike {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (reason: unknown) => void): unknown
  exit(code: number): void
}

export interface LambdaHostOptions {
  /** Runs after each invocation's response and awaited work (metrics flush). */
  afterInvocation?: () => void | Promise<void>
  log?: (message: string) => void
  /**
   * The process to guard (the Lambda entry passes `process`): on an unhandled rejection
   * or uncaught exception, log it and exit(1) as Node would, but only once the
   * invocations in flight have finished and written their records.
   */
  processGuard?: ProcessLike
}

export function createStreamingHandler(getProxy: () => Proxy, options: LambdaHostOptions = {}): StreamifyHandler<LambdaFunctionURLEvent, void> {
  const log = options.log ?? ((m: string) => console.error(m))
  const inFlight = new Set<Promise<void>>()
  if (options.processGuard) guardProcess(options.processGuard, inFlight, log)
  return awslambda.streamifyResponse<LambdaFunctionURLEvent>(async (event, responseStream) => {
    let settled!: () => void
    const invocation = new Promise<void>((resolve) => (settled = resolve))
    inFlight.add(invocation)
    const pending: Promise<unknown>[] = []
    const clientGone = new AbortController()
    let ended = false
    const onGone = () => {
      if (!ended) clientGone.abort(new Error('client disconnected'))
    }
    responseStream.once('close', onGone)
    responseStream.once('error', onGone)
    try {
      const parsed = functionUrlEventToRequest(event, clientGone.signal)
      if ('invalid' in parsed) {
        log(`lambda host: bad event: ${parsed.invalid}`)
        await writeError(responseStream, 'bad_request', parsed.invalid)
        return
      }
      const response = await getProxy().fetch(parsed.request, { waitUntil: (p) => void pending.push(p), rawTarget: rawTarget(event) })
      await writeResponse(response, responseStream, clientGone.signal)
      ended = true
    } catch (err) {
      // Logged in full; the client gets the catalogue message only (no exception text).
      log(`lambda host failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      // Once the prelude is out the runtime refuses a second one ("too late"): then just
      // end the stream, or the runtime would wait on it until the Lambda timeout.
      if (!responseStream.writableEnded) await writeError(responseStream, 'internal_error').catch(() => endStream(responseStream))
    } finally {
      ended = true
      // The client already has its whole response; the audit write finishes before the
      // handler resolves, because Lambda freezes work left running after it returns.
      await Promise.allSettled(pending)
      await (async () => options.afterInvocation?.())().catch((err) => log(`lambda host: afterInvocation failed: ${String(err)}`))
      inFlight.delete(invocation)
      settled()
    }
  })
}

async function writeResponse(response: Response, raw: Writable, clientGone: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const stream = awslambda.HttpResponseStream.from(raw, { statusCode: response.status, headers, cookies: response.headers.getSetCookie() })
  // The runtime sends the prelude only inside the first write(): send it now, so a
  // response without body bytes (HEAD, 204, 304, an empty 404) keeps its status and headers.
  stream.write(new Uint8Array(0))
  if (response.body) await pumpBody(response.body, stream, clientGone)
  await endStream(stream)
}

/** Ends the stream; resolves on finish, or on close/error when the runtime's connection is gone. */
function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableFinished || stream.destroyed) return resolve()
    const done = () => {
      stream.off('close', done)
      stream.off('error', done)
      stream.off('finish', done)
      resolve()
    }
    stream.on('close', done)
    stream.on('error', done)
    stream.on('finish', done)
    if (!stream.writableEnded) stream.end()
  })
}

async function writeError(raw: Writable, code: ProxyErrorCode, detail?: string): Promise<void> {
  const stream = awslambda.HttpResponseStream.from(raw, { statusCode: PROXY_ERRORS[code].status, headers: { 'content-type': 'application/json' } })
  stream.write(JSON.stringify(proxyErrorBody(code, detail)))
  await endStream(stream)
}

function guardProcess(proc: ProcessLike, inFlight: Set<Promise<void>>, log: (m: string) => void): void {
  let exiting = false
  const fatal = (kind: string) => (reason: unknown) => {
    log(`lambda host: ${kind}: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`)
    if (exiting) return
    exiting = true
    // Each invocation ends within the exchange deadline (upstreamTimeoutMs, below the
    // Lambda timeout) and then writes its record (S3, else the fallback log line).
    if (inFlight.size) log(`lambda host: exiting once ${inFlight.size} invocation(s) in flight have written their records`)
    void Promise.allSettled([...inFlight]).then(() => proc.exit(1))
  }
  proc.on('unhandledRejection', fatal('unhandled rejection'))
  proc.on('uncaughtException', fatal('uncaught exception'))
}
