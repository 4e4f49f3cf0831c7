// The proxy core: a Web-standard `fetch(Request) => Promise<Response>` built from its
// dependencies. Order of work for a request:
//   healthz → target check → method → websocket → authenticate → path policy →
//   read body → forward → relay the response as it streams → audit record (awaited
//   through ctx.waitUntil after the body has been sent).
// Hosts are thin adapters; nothing here knows whether it runs in Lambda or node:http.
import { monotonicFactory } from 'ulid'
import type { ProxyConfig } from '../contracts/config.js'
import { type ProxyErrorCode, proxyErrorBody, proxyErrorStatus } from '../contracts/errors.js'
import { METRIC } from '../contracts/metrics.js'
import { hashToken, isWellFormedToken } from '../contracts/token.js'
import { parseBearer } from './auth.js'
import { textUpTo } from './bytes.js'
import { Exchange } from './exchange.js'
import { estimateCostUsd, maxOutputTokensOf } from './governance/cost-estimate.js'
import { type Admission, Governor } from './governance/governor.js'
import { allowListsOf, describeAllowList, filterModelList, isModelAllowed, modelOfLookupPath } from './governance/model-policy.js'
import { clientResponseHeaders, REQUEST_ID_HEADER, upstreamRequestHeaders } from './headers.js'
import { checkTarget, FORWARDED_METHODS, isAllowedInStrictMode, normalisePath } from './paths.js'
import {
  type AuditSink,
  type Clock,
  type CounterStore,
  type KeySource,
  type Metrics,
  noMetrics,
  type RequestContext,
  systemClock,
  type TokenStore,
  type UpstreamFetch,
} from './ports.js'
import { BodyTooLargeError, readBodyWithLimit, summariseRequestBody } from './request-body.js'
import { relayBody } from './response-relay.js'
import { CachedTokenStore } from './token-cache.js'
import { describeUpstreamError } from './upstream-errors.js'
import { UsageExtractor } from './usage.js'
import { createPricer, type Pricer } from '../pricing/index.js'
import type { SecretScanner } from '../secrets/index.js'
import { describeFindings, effectiveScanMode, isScannableBody, redactText, scanRequestBody, toRecordFindings } from './secret-scan.js'

export interface ProxyDeps {
  config: ProxyConfig
  tokens: TokenStore
  audit: AuditSink
  key: KeySource
  /** Rate-limit and spend counters (usage table). */
  counters: CounterStore
  /** Price table; defaults to the package prices without overrides. */
  pricer?: Pricer
  /** Secret scanner; without one, scanning is off whatever the mode says. */
  secretScanner?: SecretScanner
  clock?: Clock
  metrics?: Metrics
  fetch?: UpstreamFetch
  /** Operational log lines (never secrets). */
  log?: (message: string) => void
}

export interface Proxy {
  fetch(request: Request, ctx: RequestContext): Promise<Response>
}

const MODEL_CALL = /^\/v1\/(responses|chat\/completions|completions|embeddings)(\/compact)?$/

export function createProxy(deps: ProxyDeps): Proxy {
  const { config } = deps
  const clock = deps.clock ?? systemClock
  const metrics = deps.metrics ?? noMetrics
  const upstreamFetch: UpstreamFetch = deps.fetch ?? ((input, init) => fetch(input, init))
  const log = deps.log ?? ((m: string) => console.error(m))
  const tokens = new CachedTokenStore(deps.tokens, config.tokenCacheMs, clock)
  const pricer = deps.pricer ?? createPricer()
  const governor = new Governor(deps.counters, metrics, log)
  const nextRequestId = monotonicFactory()

  /**
   * Builds and writes the record once the exchange is over. The returned promise never
   * rejects; the caller hands it to ctx.waitUntil so the host keeps the invocation alive
   * for it, while the client's response is never held back by it: building the record
   * (decoding and redacting bodies) waits for the next macrotask, after the response
   * has been closed or handed to the host.
   */
  async function audit(ex: Exchange, endedMono = clock.monotonic()): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0))
    const record = ex.toRecord(endedMono, config.bodyCapBytes)
    // Upstreams echo parts of the request (e.g. `instructions` in response.created). One
    // redaction serves the record's text and the stored bytes (same text when under the cap).
    let last: [string, string] | undefined
    const redact =
      ex.scanned && deps.secretScanner
        ? (text: string) => (last?.[0] === text ? last[1] : (last = [text, redactText(deps.secretScanner!, text)])[1])
        : undefined
    if (redact && record.response_body) record.response_body = redact(record.response_body)
    emitRequestMetrics(ex, record.latency_ms, record.ttfb_ms)
    return deps.audit.write(record, ex.recordBodies(redact)).catch((err: unknown) => {
      log(`audit write failed for ${ex.requestId}: ${err instanceof Error ? err.message : String(err)}`)
    })
  }

  function emitRequestMetrics(ex: Exchange, latency: number, ttfb: number | null): void {
    metrics.emit(METRIC.requests, 1, 'Count', { Origin: ex.origin })
    if (ex.errorCode) metrics.emit(METRIC.proxyErrors, 1, 'Count', { Code: ex.errorCode })
    if (ex.origin === 'upstream') {
      metrics.emit(METRIC.upstreamStatus, 1, 'Count', { StatusClass: `${Math.floor(ex.status / 100)}xx` })
    }
    metrics.emit(METRIC.latency, latency, 'Milliseconds')
    if (ttfb !== null) metrics.emit(METRIC.timeToFirstByte, ttfb, 'Milliseconds')
    if (ex.clientAborted) metrics.emit(METRIC.clientAborts, 1, 'Count')
    const u = ex.usage
    if (u) {
      metrics.emit(METRIC.inputTokens, u.input_tokens ?? 0, 'Count')
      metrics.emit(METRIC.cachedInputTokens, u.cached_input_tokens ?? 0, 'Count')
      metrics.emit(METRIC.outputTokens, u.output_tokens ?? 0, 'Count')
      metrics.emit(METRIC.reasoningTokens, u.reasoning_tokens ?? 0, 'Count')
    }
    if (ex.usageStatus === 'missing') metrics.emit(METRIC.usageMissing, 1, 'Count')
    if (ex.costUsd !== null) metrics.emit(METRIC.costUsd, ex.costUsd, 'None')
    else if (u) metrics.emit(METRIC.unpricedRequests, 1, 'Count')
  }

  /** A proxy-generated error: OpenAI error shape, recorded like any other response. */
  function fail(ex: Exchange, ctx: RequestContext, code: ProxyErrorCode, detail?: string, extra?: HeadersInit): Response {
    const body = JSON.stringify(proxyErrorBody(code, detail))
    const headers = new Headers(extra)
    headers.set('content-type', 'application/json')
    headers.set(REQUEST_ID_HEADER, ex.requestId)
    const { status, retryAfter } = proxyErrorStatus(code, ex.requestHeaders)
    if (!retryAfter) headers.delete('retry-after')
    ex.status = status
    ex.origin = 'proxy'
    ex.errorCode = code
    ex.responseHeaders = headers
    ex.responseBody = new TextEncoder().encode(body)
    ex.responseBodyBytes = ex.responseBody.byteLength
    ctx.waitUntil(audit(ex))
    return new Response(body, { status: ex.status, headers })
  }

  async function handle(request: Request, ctx: RequestContext, ex: Exchange, rawTarget: string): Promise<Response> {
    const target = checkTarget(rawTarget)
    if (!target.ok) return fail(ex, ctx, 'invalid_path', target.reason)
    ex.path = normalisePath(target.target.rawPath)
    ex.query = target.target.query || null

    if (!FORWARDED_METHODS.has(ex.method)) return fail(ex, ctx, 'method_not_allowed', ex.method, { allow: [...FORWARDED_METHODS].join(', ') })
    // Codex tries the Responses WebSocket transport first with the built-in provider;
    // a clear refusal makes it fall back to HTTP streaming at once.
    if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') return fail(ex, ctx, 'websocket_not_supported')

    const bearer = parseBearer(request.headers.get('authorization'))
    if (!bearer.ok) return fail(ex, ctx, 'missing_authorization')
    // A malformed token (bad checksum, wrong shape) is refused without a store read.
    if (!isWellFormedToken(bearer.token)) return fail(ex, ctx, 'invalid_token')
    try {
      ex.caller = await tokens.lookup(hashToken(bearer.token))
    } catch (err) {
      log(`token lookup failed for ${ex.requestId}: ${err instanceof Error ? err.name : 'error'}`)
      return fail(ex, ctx, 'token_lookup_failed')
    }
    if (!ex.caller) return fail(ex, ctx, 'invalid_token')

    if (config.strict && !isAllowedInStrictMode(ex.method, ex.path)) {
      return fail(ex, ctx, 'path_not_allowed', `${ex.method} ${ex.path} (strict mode)`)
    }

    let body: Uint8Array
    try {
      body = await readBodyWithLimit(request, config.maxRequestBytes)
    } catch (err) {
      if (err instanceof BodyTooLargeError) return fail(ex, ctx, 'request_too_large', `limit is ${err.limit} bytes`)
      if (request.signal.aborted) {
        ex.clientAborted = true
        return fail(ex, ctx, 'internal_error', 'client went away while sending the body')
      }
      throw err
    }
    ex.requestBody = body
    const bodyText = body.byteLength ? textUpTo(body, body.byteLength).text : ''
    const summary = summariseRequestBody(bodyText, request.headers.get('content-type'))
    ex.model = summary.model
    ex.stream = summary.stream

    const lists = allowListsOf(ex.caller)
    const named = summary.model ?? (ex.method === 'GET' ? modelOfLookupPath(ex.path) : undefined)
    if (lists.length > 0 && named && !isModelAllowed(named, lists)) {
      return fail(ex, ctx, 'model_not_allowed', `${named} is not allowed for ${ex.caller.user_id} (allowed: ${describeAllowList(lists)})`)
    }

    let forwardBody = body
    const mode = effectiveScanMode(ex.caller, config.secretScanMode)
    if (mode !== 'off' && deps.secretScanner && body.byteLength > 0 && isScannableBody(request.headers.get('content-type'), summary.json !== undefined)) {
      const startedScan = clock.monotonic()
      const scan = scanRequestBody(deps.secretScanner, mode, bodyText)
      metrics.emit(METRIC.secretScanTime, clock.monotonic() - startedScan, 'Milliseconds')
      ex.scanned = true
      ex.secretFindings = toRecordFindings(scan.findings)
      if (scan.recordText !== undefined) ex.requestBodyForRecord = scan.recordText
      for (const f of scan.findings) metrics.emit(METRIC.secretFindings, 1, 'Count', { Rule: f.rule_id })
      if (scan.findings.length > 0 && mode === 'block') {
        return fail(ex, ctx, 'secret_detected', `${describeFindings(scan.findings)}; remove it from the conversation (start a new session) — nothing was sent upstream`)
      }
      if (scan.forwardText !== undefined) forwardBody = ex.forwardedBody = new TextEncoder().encode(scan.forwardText)
    }

    const at = new Date(ex.startedAt)
    let admission: Admission
    try {
      const verdict = await governor.admit({
        caller: ex.caller,
        estimateUsd: estimateCostUsd(pricer, summary.model, body.byteLength, maxOutputTokensOf(summary.json), at),
        at,
      })
      if (!verdict.ok) {
        const { code, detail, retryAfterSeconds } = verdict.refusal
        return fail(ex, ctx, code, detail, { 'retry-after': String(retryAfterSeconds) })
      }
      admission = verdict.admission
    } catch (err) {
      log(`usage check failed for ${ex.requestId}: ${err instanceof Error ? err.name : 'error'}`)
      return fail(ex, ctx, 'usage_check_failed')
    }

    return forward(request, ctx, ex, forwardBody, admission, lists)
  }

  async function forward(
    request: Request,
    ctx: RequestContext,
    ex: Exchange,
    body: Uint8Array,
    admission: Admission,
    allowLists: string[][],
  ): Promise<Response> {
    // Nothing reached the upstream: release the reservation.
    const refuse = (code: ProxyErrorCode, detail?: string) => {
      ctx.waitUntil(admission.settle(0))
      return fail(ex, ctx, code, detail)
    }
    let key: string | undefined
    try {
      key = await deps.key.get()
    } catch (err) {
      log(`key source failed for ${ex.requestId}: ${err instanceof Error ? err.name : 'error'}`)
      return refuse('key_unavailable')
    }
    const url = `${config.upstreamUrl}${ex.path}${ex.query ? `?${ex.query}` : ''}`
    const timeout = AbortSignal.timeout(config.upstreamTimeoutMs)
    const signal = AbortSignal.any([request.signal, timeout])
    const hasBody = ex.method !== 'GET' && ex.method !== 'HEAD'
    const send = (apiKey: string | undefined) =>
      upstreamFetch(url, {
        method: ex.method,
        headers: upstreamRequestHeaders(request.headers, apiKey),
        body: hasBody ? (body as Uint8Array<ArrayBuffer>) : undefined,
        signal,
        redirect: 'manual',
      })
    const describe = (err: unknown) => describeUpstreamError(err, timeout.aborted, config.upstreamTimeoutMs)

    let upstream: Response
    try {
      upstream = await send(key)
      // Key rotation: re-read the key once and retry when the upstream rejects it.
      if (upstream.status === 401 && deps.key.refreshAfterUnauthorized && (await deps.key.refreshAfterUnauthorized(key))) {
        await upstream.body?.cancel().catch(() => {})
        key = await deps.key.get()
        upstream = await send(key)
      }
    } catch (err) {
      if (request.signal.aborted) ex.clientAborted = true
      ex.upstreamError = describe(err)
      return refuse('upstream_request_failed', ex.upstreamError)
    }

    ex.origin = 'upstream'
    ex.status = upstream.status
    const headers = clientResponseHeaders(upstream.headers, ex.requestId)
    if (admission.warnings.length > 0) headers.set(BUDGET_WARNING_HEADER, admission.warnings.join(' | '))
    ex.responseHeaders = headers
    const usage = new UsageExtractor(upstream.headers.get('content-type'))
    const expectsUsage = upstream.ok && MODEL_CALL.test(ex.path)

    if (!upstream.body) {
      ex.responseBodyBytes = 0
      ctx.waitUntil(Promise.all([audit(ex), admission.settle(0)]))
      return new Response(null, { status: upstream.status, headers })
    }

    let upstreamBody: ReadableStream<Uint8Array> = upstream.body
    // The model list shows only what the caller may use.
    if (allowListsOf(ex.caller!).length > 0 && ex.method === 'GET' && ex.path === '/v1/models' && upstream.ok) {
      upstreamBody = await filteredModelListBody(upstream, allowLists)
    }

    // Registered now, settled after the body has been relayed and the record written:
    // the host must consume or cancel the body, and then awaits this.
    let recorded!: () => void
    ctx.waitUntil(new Promise<void>((resolve) => (recorded = resolve)))

    const relayed = relayBody(upstreamBody, {
      capBytes: config.bodyCapBytes,
      monotonic: () => clock.monotonic(),
      onChunk: (chunk) => usage.push(chunk),
      clientGone: () => request.signal.aborted,
      describeError: describe,
      onDone: (outcome) => {
        ex.firstByteAt = outcome.firstByteAt
        ex.responseBody = outcome.captured
        ex.responseBodyBytes = outcome.bytes
        ex.responseTruncated = outcome.truncated
        ex.upstreamError = outcome.upstreamError
        ex.clientAborted = outcome.clientAborted
        const endedMono = clock.monotonic()
        // The rest (parsing a JSON body for usage, pricing, the record) runs after the
        // client's stream has been closed.
        setTimeout(() => {
          const complete = !outcome.truncated && !outcome.upstreamError && !outcome.clientAborted
          const result = usage.finish(complete && !usage.isStream ? textUpTo(outcome.captured, outcome.bytes).text : undefined)
          ex.usage = result.usage
          ex.responseModel = result.model
          ex.usageStatus = result.usage ? 'reported' : expectsUsage ? 'missing' : 'none'
          ex.costUsd = result.usage ? (pricer.price(ex.responseModel ?? ex.model, result.usage, new Date(ex.startedAt))?.cost_usd ?? null) : null
          // Unknown usage or price on a charged call: the reservation stays as the spend.
          const charged = ex.usageStatus === 'reported' ? ex.costUsd : ex.usageStatus === 'missing' ? null : 0
          void Promise.all([audit(ex, endedMono), admission.settle(charged)]).then(() => recorded())
        }, 0)
      },
    })
    return new Response(relayed, { status: upstream.status, headers })
  }

  return {
    async fetch(request: Request, ctx: RequestContext): Promise<Response> {
      const startedMono = clock.monotonic()
      const startedAt = clock.now()
      const rawTarget = ctx.rawTarget ?? pathAndQuery(request.url)
      const method = request.method.toUpperCase()
      if ((method === 'GET' || method === 'HEAD') && /^\/healthz(\?|$)/.test(rawTarget)) {
        return Response.json({ status: 'ok', version: config.version })
      }
      const requestId = nextRequestId(startedAt)
      const ex = new Exchange(requestId, startedAt, startedMono, method, rawTarget.split('?')[0]!, request.headers, config.version)
      try {
        return await handle(request, ctx, ex, rawTarget)
      } catch (err) {
        log(`internal error for ${requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
        return fail(ex, ctx, 'internal_error')
      }
    },
  }
}

export const BUDGET_WARNING_HEADER = 'x-codex-proxy-budget-warning'

const MAX_MODEL_LIST_BYTES = 4 * 1024 * 1024

async function filteredModelListBody(upstream: Response, allowLists: string[][]): Promise<ReadableStream<Uint8Array>> {
  const text = await upstream.text()
  if (text.length > MAX_MODEL_LIST_BYTES) return new Response(text).body!
  try {
    return new Response(JSON.stringify(filterModelList(JSON.parse(text), allowLists))).body!
  } catch {
    return new Response(text).body!
  }
}

function pathAndQuery(url: string): string {
  const u = new URL(url)
  return u.pathname + u.search
}
