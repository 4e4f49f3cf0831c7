// Stage 10: the end of every exchange, whatever path it took — refused, failed, relayed,
// cut, abandoned, timed out. Runs exactly once per request and never throws: usage and
// cost from the captured answer, settlement of the admission (exactly once), the audit
// record, metrics. Anything that fails here still leaves a record (a minimal one if need
// be), written through the AuditSink, whose own fallback is the log line.
import type { AuditRecord } from '../../contracts/audit-record.js'
import { meteringOf } from '../../contracts/endpoints.js'
import { METRIC } from '../../contracts/metrics.js'
import { textUpTo } from '../bytes.js'
import type { Exchange } from '../exchange.js'
import type { RecordBodies } from '../ports.js'
import { redactMatches } from '../secret-scan.js'
import { errorName, type StageEnv } from '../stage-env.js'
import type { UsageExtractor } from '../usage.js'

export async function finishExchange(ex: Exchange, env: StageEnv, usage: UsageExtractor | undefined): Promise<void> {
  const endedMono = ex.endedMono ?? env.clock.monotonic()
  let charged: number | null = 0
  try {
    charged = measureUsage(ex, env, usage)
  } catch (err) {
    env.log(`usage extraction failed for ${ex.requestId}: ${errorName(err)}`)
    charged = ex.origin === 'upstream' ? null : 0
  }
  if (ex.admission) {
    // Unknown usage or price on a charged call: the reservation stays as the spend.
    await ex.admission.settle(charged).catch((err: unknown) => env.log(`settlement failed for ${ex.requestId}: ${errorName(err)}`))
  }
  let record: AuditRecord
  let responseTextUnchanged = false
  try {
    record = ex.toRecord(endedMono, env.config.bodyCapBytes)
    const decoded = record.response_body
    await redactStoredResponse(ex, env, record)
    // redactMatches hands back the same string when nothing matched: no copy to compare.
    responseTextUnchanged = decoded !== null && record.response_body === decoded
    await redactTranslatedSides(ex, env, record)
  } catch (err) {
    env.log(`record build failed for ${ex.requestId}: ${errorName(err)}`)
    record = minimalRecord(ex, endedMono)
  }
  try {
    emitRequestMetrics(ex, env, record)
  } catch (err) {
    env.log(`metrics failed for ${ex.requestId}: ${errorName(err)}`)
  }
  // The exact bytes for the body store (audit v2); the record's body fields stay for the
  // fallback line. A scanned request's response is stored as its record text (redacted).
  let bodies: RecordBodies | undefined
  try {
    bodies = ex.recordBodies(ex.scanStatus !== null && env.scanner ? { text: record.response_body, unchanged: responseTextUnchanged } : undefined, env.config.bodyCapBytes)
  } catch (err) {
    env.log(`body capture failed for ${ex.requestId}: ${errorName(err)}`)
  }
  await env.audit.write(record, bodies).catch((err: unknown) => env.log(`audit write failed for ${ex.requestId}: ${errorName(err)}`))
  // Budget alerts started at admission: the host keeps the invocation open until they end.
  await Promise.allSettled(ex.background)
}

/** Usage, model and cost from the answer; returns what to settle (null: unknown). */
function measureUsage(ex: Exchange, env: StageEnv, usage: UsageExtractor | undefined): number | null {
  if (ex.origin !== 'upstream' || !usage) return 0
  const body = ex.responseComplete && !usage.isStream && ex.responseBody ? textUpTo(ex.responseBody, ex.responseBody.byteLength).text : undefined
  const result = usage.finish(body)
  const expectsUsage = ex.status >= 200 && ex.status < 300 && ex.endpoint !== undefined && meteringOf(ex.endpoint, ex.method) === 'usage'
  ex.usage = result.usage
  ex.responseModel = result.model
  ex.usageStatus = result.usage ? 'reported' : expectsUsage ? 'missing' : 'none'
  ex.costUsd = result.usage ? (env.pricer.price(ex.responseModel ?? ex.model, result.usage, new Date(ex.startedAt))?.cost_usd ?? null) : null
  return ex.usageStatus === 'reported' ? ex.costUsd : ex.usageStatus === 'missing' ? null : 0
}

/**
 * Upstreams echo parts of the request (`instructions` in response.created), so a scanned
 * request's stored response is redacted too, and each redaction is a finding located at
 * `response_body`. If that scan cannot finish in its budget, the body is not stored.
 */
async function redactStoredResponse(ex: Exchange, env: StageEnv, record: AuditRecord): Promise<void> {
  if (ex.scanStatus === null || !env.scanner || !record.response_body) return
  const scan = await env.scanner.scanText(record.response_body, env.config.scanBudgetMs)
  if (scan.timedOut) {
    record.response_body = null
    record.truncated.response_body = true
    record.secret_findings.push({ rule_id: 'scan-incomplete', category: 'credential', location: 'response_body', offset: 0, fingerprint: '' })
    return
  }
  const redacted = redactMatches(record.response_body, scan.matches)
  record.response_body = redacted.text
  record.secret_findings.push(...redacted.findings)
}

/**
 * The body as the pool sent it (Azure deployment name, encrypted reasoning dropped, a
 * Claude Messages body) and a translating upstream's own stream carry what the client sent,
 * secrets included in flag mode: both are redacted like the client's. Their matches are the
 * request's findings again, not new ones. A side whose scan cannot finish is not stored.
 */
async function redactTranslatedSides(ex: Exchange, env: StageEnv, record: AuditRecord): Promise<void> {
  if (ex.scanStatus === null || !env.scanner) return
  for (const field of ['upstream_request_body', 'upstream_response_body'] as const) {
    const text = record[field]
    if (!text) continue
    const scan = await env.scanner.scanText(text, env.config.scanBudgetMs)
    record[field] = scan.timedOut ? null : redactMatches(text, scan.matches).text
  }
}

/** Enough to account for the request when the full record could not be built. */
function minimalRecord(ex: Exchange, endedMono: number): AuditRecord {
  return {
    request_id: ex.requestId,
    timestamp: new Date(ex.startedAt).toISOString(),
    proxy_version: ex.version,
    user_id: ex.caller?.user_id ?? null,
    team: ex.caller?.team ?? null,
    token_id: ex.caller?.token_id ?? null,
    method: ex.method,
    path: ex.tokenMisplaced ? '[REDACTED]' : ex.path,
    query: null,
    model: ex.model,
    response_model: ex.responseModel,
    stream: ex.stream,
    status: ex.status,
    origin: ex.origin,
    error_code: ex.errorCode,
    upstream_error: ex.upstreamError ?? 'the full record could not be built',
    client_aborted: ex.clientAborted,
    latency_ms: Math.round(endedMono - ex.startedMono),
    ttfb_ms: null,
    usage_status: ex.usageStatus,
    input_tokens: null,
    cached_input_tokens: null,
    cache_write_input_tokens: null,
    output_tokens: null,
    reasoning_tokens: null,
    total_tokens: null,
    cost_usd: ex.costUsd,
    client: { originator: null, user_agent: null, session_id: null, thread_id: null, client_request_id: null, turn_id: null, window_id: null, request_kind: null },
    request_headers: {},
    response_headers: null,
    request_body: null,
    response_body: null,
    request_body_bytes: ex.requestBodyBytes,
    response_body_bytes: ex.responseBodyBytes,
    truncated: { request_body: true, response_body: true },
    secret_scan: ex.scanStatus,
    secret_findings: ex.secretFindings,
    upstream_id: ex.upstreamId,
    upstream_attempts: ex.upstreamAttempts,
    upstream_request_body: null,
    upstream_response_body: null,
  }
}

function emitRequestMetrics(ex: Exchange, env: StageEnv, record: AuditRecord): void {
  const { metrics } = env
  metrics.emit(METRIC.requests, 1, 'Count', { Origin: ex.origin })
  if (ex.errorCode) metrics.emit(METRIC.proxyErrors, 1, 'Count', { Code: ex.errorCode })
  if (ex.origin === 'upstream') metrics.emit(METRIC.upstreamStatus, 1, 'Count', { StatusClass: `${Math.floor(ex.status / 100)}xx` })
  metrics.emit(METRIC.latency, record.latency_ms, 'Milliseconds')
  if (record.ttfb_ms !== null) metrics.emit(METRIC.timeToFirstByte, record.ttfb_ms, 'Milliseconds')
  if (ex.clientAborted) metrics.emit(METRIC.clientAborts, 1, 'Count')
  const u = ex.usage
  if (u) {
    metrics.emit(METRIC.inputTokens, u.input_tokens ?? 0, 'Count')
    metrics.emit(METRIC.cachedInputTokens, u.cached_input_tokens ?? 0, 'Count')
    // Only upstreams that report cache writes (Claude) emit it: a 0 from OpenAI would be a claim.
    if (typeof u.cache_write_input_tokens === 'number') metrics.emit(METRIC.cacheWriteInputTokens, u.cache_write_input_tokens, 'Count')
    metrics.emit(METRIC.outputTokens, u.output_tokens ?? 0, 'Count')
    metrics.emit(METRIC.reasoningTokens, u.reasoning_tokens ?? 0, 'Count')
  }
  if (ex.usageStatus === 'missing') metrics.emit(METRIC.usageMissing, 1, 'Count')
  if (ex.costUsd !== null) metrics.emit(METRIC.costUsd, ex.costUsd, 'None')
  else if (u) metrics.emit(METRIC.unpricedRequests, 1, 'Count')
}
