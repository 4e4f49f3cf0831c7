// Stage 8: the upstream call, through the upstream pool (core/upstreams/): the session's
// upstream is chosen by weighted rendezvous hashing, its adapter replaces the caller's
// credential with that upstream's key (only the forwarded header set goes out, headers.ts),
// and before the first byte reaches the client the pool may fail over to the next upstream
// (connection errors, timeout to first byte, 5xx, 429) or retry once after a key rotation
// (401). The whole exchange is bounded by the upstream timeout, counted from the request's
// start (the relay keeps enforcing it while the body streams).
import type { Exchange } from '../exchange.js'
import { type Refusal, refuse } from '../refusal.js'
import type { StageEnv } from '../stage-env.js'
import { describeUpstreamError } from '../upstream-errors.js'
import { providerRawStreams, rawCaptureText } from '../../providers/anthropic/adapters.js'

/** Upstream kinds whose adapter translates the API (the record keeps both sides). */
const TRANSLATING_KINDS = new Set(['anthropic', 'bedrock'])

export interface UpstreamAnswer {
  response: Response
  /** Aborts when the exchange deadline passes (relay.ts cancels the body then). */
  deadline: AbortSignal
  describe(err: unknown): string
}

export async function forwardUpstream(ex: Exchange, env: StageEnv, clientSignal: AbortSignal): Promise<UpstreamAnswer | Refusal> {
  const { config } = env
  // AbortSignal.timeout uses the monotonic clock, as the exchange's start does.
  const remaining = Math.max(1, Math.ceil(config.upstreamTimeoutMs - (env.clock.monotonic() - ex.startedMono)))
  const deadline = AbortSignal.timeout(remaining)
  const describe = (err: unknown) => describeUpstreamError(err, deadline.aborted, config.upstreamTimeoutMs)
  const hasBody = ex.method !== 'GET' && ex.method !== 'HEAD'
  const sent = await env.upstreams.send({
    method: ex.method,
    path: ex.path,
    query: ex.query,
    headers: ex.requestHeaders,
    body: hasBody ? ex.outgoingBody : undefined,
    json: sentJson(ex),
    model: ex.model,
    ...(ex.forwardContentEncoding && { contentEncoding: ex.forwardContentEncoding }),
    requestId: ex.requestId,
    stream: ex.stream,
    previousResponseId: ex.previousResponseId,
    clientSignal,
    deadline,
    deadlineMs: config.upstreamTimeoutMs,
  })
  ex.upstreamAttempts = sent.attempts
  if (sent.kind === 'refusal') {
    if (sent.clientAborted) ex.clientAborted = true
    ex.upstreamError = sent.upstreamError
    if (sent.refusal.code === 'key_unavailable') env.log(`key source failed for ${ex.requestId}: ${sent.upstreamError ?? ''}`)
    return refuse(sent.refusal.code, sent.refusal.detail, sent.refusal.headers)
  }
  ex.upstreamId = sent.upstream.id
  // The record keeps both sides whenever the pool changed the body (Azure deployment name,
  // encrypted reasoning dropped on a move to another account, a Claude Messages body):
  // `request_body` stays what the client sent, `upstream_request_body` is what went upstream
  // (finish.ts redacts it like the rest); a translating upstream's raw stream is kept too.
  if (sent.sentBody) ex.upstreamRequestBody = new TextDecoder().decode(sent.sentBody)
  if (TRANSLATING_KINDS.has(sent.upstream.kind)) {
    const capture = providerRawStreams.get(sent.response)
    if (capture) ex.upstreamResponseBody = () => rawCaptureText(capture)
  }
  return { response: sent.response, deadline, describe }
}

/** The JSON object that goes upstream: the parsed body, or the redacted one when redaction changed it. */
function sentJson(ex: Exchange): Record<string, unknown> | undefined {
  if (ex.forwardContentEncoding !== undefined) return undefined // still encoded: opaque
  if (ex.forwardBody === undefined) return ex.json
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(ex.forwardBody))
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
