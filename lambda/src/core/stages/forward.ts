// Stage 8: the upstream call. The caller's credential is replaced by the upstream key,
// only the forwarded header set goes out (headers.ts), and the whole exchange is bounded
// by the upstream timeout (the relay keeps enforcing it while the body streams).
import type { Exchange } from '../exchange.js'
import { upstreamRequestHeaders } from '../headers.js'
import { type Refusal, refuse } from '../refusal.js'
import { errorName, type StageEnv } from '../stage-env.js'
import { describeUpstreamError } from '../upstream-errors.js'

export interface UpstreamAnswer {
  response: Response
  /** Aborts when the exchange deadline passes (relay.ts cancels the body then). */
  deadline: AbortSignal
  describe(err: unknown): string
}

export async function forwardUpstream(ex: Exchange, env: StageEnv, clientSignal: AbortSignal): Promise<UpstreamAnswer | Refusal> {
  const readKey = async (): Promise<{ key: string | undefined } | Refusal> => {
    try {
      return { key: await env.key.get() }
    } catch (err) {
      env.log(`key source failed for ${ex.requestId}: ${errorName(err)}`)
      return refuse('key_unavailable')
    }
  }
  let key = await readKey()
  if ('code' in key) return key
  const { config } = env
  const url = `${config.upstreamUrl}${ex.path}${ex.query ? `?${ex.query}` : ''}`
  // The deadline counts from the request's start, so time spent reading and scanning the
  // body is part of it (AbortSignal.timeout uses the monotonic clock).
  const remaining = Math.max(1, Math.ceil(config.upstreamTimeoutMs - (env.clock.monotonic() - ex.startedMono)))
  const deadline = AbortSignal.timeout(remaining)
  const signal = AbortSignal.any([clientSignal, deadline])
  const body = ex.method === 'GET' || ex.method === 'HEAD' ? undefined : ex.outgoingBody
  const send = (apiKey: string | undefined) => {
    const headers = upstreamRequestHeaders(ex.requestHeaders, apiKey)
    if (ex.forwardContentEncoding) headers.set('content-encoding', ex.forwardContentEncoding)
    return env.fetch(url, { method: ex.method, headers, body: body as Uint8Array<ArrayBuffer> | undefined, signal, redirect: 'manual' })
  }
  const describe = (err: unknown) => describeUpstreamError(err, deadline.aborted, config.upstreamTimeoutMs)

  let response: Response
  try {
    response = await send(key.key)
  } catch (err) {
    if (clientSignal.aborted) ex.clientAborted = true
    ex.upstreamError = describe(err)
    return refuse('upstream_request_failed', ex.upstreamError)
  }
  // Key rotation: re-read the key once and retry when the upstream rejects it.
  if (response.status === 401 && env.key.refreshAfterUnauthorized) {
    let rotated = false
    try {
      rotated = await env.key.refreshAfterUnauthorized(key.key)
    } catch (err) {
      env.log(`key refresh failed for ${ex.requestId}: ${errorName(err)}`)
      await response.body?.cancel().catch(() => {})
      return refuse('key_unavailable')
    }
    if (rotated) {
      await response.body?.cancel().catch(() => {})
      key = await readKey()
      if ('code' in key) return key
      try {
        response = await send(key.key)
      } catch (err) {
        if (clientSignal.aborted) ex.clientAborted = true
        ex.upstreamError = describe(err)
        return refuse('upstream_request_failed', ex.upstreamError)
      }
    }
  }
  return { response, deadline, describe }
}
