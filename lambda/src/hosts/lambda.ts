// The AWS Lambda host: a Function URL event (payload 2.0) in, the core's Response
// streamed out through `awslambda.streamifyResponse` (invoke mode RESPONSE_STREAM), so
// SSE events reach Codex as they are produced. The only file that knows Lambda.
//
// Own adapter rather than hono/aws-lambda's `streamHandle`: that one ends the response
// and returns in the same step (no place to await the audit write after the client's
// stream has ended), never aborts the upstream call when the client goes away, and
// rebuilds the URL from rawPath (hiding `..` from the path check).
import type { LambdaFunctionURLEvent, StreamifyHandler } from 'aws-lambda'
import type { Writable } from 'node:stream'
import { type ProxyErrorCode, PROXY_ERRORS, proxyErrorBody } from '../contracts/errors.js'
import type { Proxy } from '../core/proxy.js'
import { pumpBody } from './pump.js'

export interface LambdaHostOptions {
  /** Runs after each invocation's response and awaited work (metrics flush). */
  afterInvocation?: () => void | Promise<void>
  log?: (message: string) => void
}

export function createStreamingHandler(getProxy: () => Proxy, options: LambdaHostOptions = {}): StreamifyHandler<LambdaFunctionURLEvent, void> {
  const log = options.log ?? ((m: string) => console.error(m))
  return awslambda.streamifyResponse<LambdaFunctionURLEvent>(async (event, responseStream) => {
    const pending: Promise<unknown>[] = []
    const clientGone = new AbortController()
    let ended = false
    const onGone = () => {
      if (!ended) clientGone.abort(new Error('client disconnected'))
    }
    responseStream.once('close', onGone)
    responseStream.once('error', onGone)
    try {
      let request: Request
      try {
        request = eventToRequest(event, clientGone.signal)
      } catch (err) {
        await writeError(responseStream, 'bad_request', err instanceof Error ? err.message : undefined)
        return
      }
      const query = event.rawQueryString ? `?${event.rawQueryString}` : ''
      const response = await getProxy().fetch(request, { waitUntil: (p) => void pending.push(p), rawTarget: `${event.rawPath}${query}` })
      await writeResponse(response, responseStream, clientGone.signal)
    } catch (err) {
      log(`lambda host failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      if (!responseStream.writableEnded) await writeError(responseStream, 'internal_error').catch(() => {})
    } finally {
      ended = true
      // The client already has its whole response; the audit write finishes before the
      // handler resolves, because Lambda freezes work left running after it returns.
      await Promise.allSettled(pending)
      await options.afterInvocation?.()
    }
  })
}

export function eventToRequest(event: LambdaFunctionURLEvent, signal: AbortSignal): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value)
  // Payload 2.0 moves cookies out of the headers.
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '))
  const method = event.requestContext.http.method.toUpperCase()
  const body = event.body === undefined || event.body === null ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
  if (body) headers.set('content-length', String(body.byteLength))
  const host = event.requestContext.domainName || 'lambda.local'
  const query = event.rawQueryString ? `?${event.rawQueryString}` : ''
  return new Request(`https://${host}${event.rawPath}${query}`, {
    method,
    headers,
    signal,
    ...(body && method !== 'GET' && method !== 'HEAD' && { body }),
  })
}

async function writeResponse(response: Response, raw: Writable, clientGone: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const stream = awslambda.HttpResponseStream.from(raw, { statusCode: response.status, headers, cookies: response.headers.getSetCookie() })
  if (!response.body) {
    await endStream(stream)
    return
  }
  await pumpBody(response.body, stream, clientGone)
  await endStream(stream)
}

function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableEnded || stream.destroyed) return resolve()
    stream.end(() => resolve())
  })
}

async function writeError(raw: Writable, code: ProxyErrorCode, detail?: string): Promise<void> {
  const stream = awslambda.HttpResponseStream.from(raw, { statusCode: PROXY_ERRORS[code].status, headers: { 'content-type': 'application/json' } })
  stream.write(JSON.stringify(proxyErrorBody(code, detail)))
  await endStream(stream)
}
