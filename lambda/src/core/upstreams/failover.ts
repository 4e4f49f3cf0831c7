// Sending a request to the pool: pick the session's upstream (router.ts), skip resting
// ones (health.ts), and fail over to the next in the session's ranking — only before the
// first byte reaches the client. What has been sent to the client can never be taken
// back, so once an upstream answers with a status that is not a failover trigger, that
// answer is the client's, whatever happens later in its stream.
//
// Triggers: connection errors, no response headers within the first-byte timeout
// (streamed requests), 5xx, 429. Not triggers: the whole-exchange deadline (no time left),
// the client going away, any other status (a 400 is the request's fault everywhere).
// Two retries stay on the same upstream: a 401 after which the key source has a newer
// key (rotation), and a 400 `invalid_encrypted_content` (foreign reasoning: resent
// without it). Requests naming `previous_response_id` never move: that id lives in one
// upstream account; they get `failover_not_possible` instead.
import { METRIC, METRIC_UPSTREAM_DIMENSION } from '../../contracts/metrics.js'
import type { Upstream, UpstreamPoolConfig } from '../../contracts/upstreams.js'
import type { KeySource, Metrics, UpstreamFetch } from '../ports.js'
import { describeUpstreamError } from '../upstream-errors.js'
import { type AdapterRequest, isRefusal, type PreparedCall, type Refusal, type UpstreamAdapter } from './adapter.js'
import { ADAPTERS } from './adapters.js'
import { countEncryptedReasoning, isForeignEncryptedContentError, stripEncryptedReasoning, type Stripped } from './encrypted-reasoning.js'
import type { UpstreamHealth } from './health.js'
import { affinityKeyOf, rankUpstreams } from './router.js'

/** One try at one upstream, as recorded (`upstream_attempts` in the audit record). */
export interface UpstreamAttempt {
  upstream_id: string
  /** HTTP status, or 0 when there was no answer. */
  status: number
  /** Why there was no usable answer ('' when it answered). */
  error: string
  /** Attempt start to response headers (or failure). */
  ms: number
  /** Encrypted reasoning items dropped from the input for this attempt. */
  stripped_reasoning: number
}

export interface PoolRequest extends AdapterRequest {
  requestId: string
  stream: boolean | null
  previousResponseId: string | null
  /** The client went away. */
  clientSignal: AbortSignal
  /** The whole-exchange deadline (config upstreamTimeoutMs). */
  deadline: AbortSignal
  deadlineMs: number
}

export type PoolResult =
  | {
      kind: 'response'
      /** The upstream's answer, adapted for the client; its body not yet read. */
      response: Response
      upstream: Upstream
      attempts: UpstreamAttempt[]
      /** The body as sent upstream when it differs from the request's (strip, rename). */
      sentBody: Uint8Array | undefined
    }
  | { kind: 'refusal'; refusal: Refusal; attempts: UpstreamAttempt[]; upstreamError: string | null; clientAborted: boolean }

export interface PoolDeps {
  config: UpstreamPoolConfig
  /** The key source of each upstream (Secrets Manager per upstream in AWS, key_env locally). */
  keyFor(upstream: Upstream): KeySource
  health: UpstreamHealth
  fetch: UpstreamFetch
  monotonic: () => number
  metrics: Metrics
  adapters?: Partial<Record<Upstream['kind'], UpstreamAdapter>>
}

/** Error bodies are read (to classify a 429, or to hand back if no upstream is left) up to this. */
const MAX_ERROR_BODY_BYTES = 256 * 1024

export class UpstreamPool {
  private readonly adapters: Partial<Record<Upstream['kind'], UpstreamAdapter>>

  constructor(private readonly deps: PoolDeps) {
    this.adapters = deps.adapters ?? ADAPTERS
    for (const u of deps.config.upstreams) {
      if (!this.adapters[u.kind]) throw new Error(`upstream ${u.id}: kind "${u.kind}" has no adapter in this build`)
    }
  }

  get config(): UpstreamPoolConfig {
    return this.deps.config
  }

  async send(req: PoolRequest): Promise<PoolResult> {
    const { deps } = this
    const attempts: UpstreamAttempt[] = []
    const ranked = rankUpstreams(deps.config.upstreams, req.model, affinityKeyOf(req.headers, req.json, req.requestId).key)
    if (ranked.length === 0) {
      return { kind: 'refusal', refusal: { code: 'no_upstream_for_model', detail: `${req.model} (served: ${describeServed(deps.config.upstreams)})` }, attempts, upstreamError: null, clientAborted: false }
    }
    const pinned = req.previousResponseId !== null && ranked.length > 1
    const order = pinned ? ranked.slice(0, 1) : this.healthyFirst(ranked)

    let firstOrg: string | null = null
    let stripped: Stripped | undefined
    let last: { response?: Response; bufferedBody?: Uint8Array; sent?: Uint8Array | undefined; sendReq: AdapterRequest; error?: string; upstream: Upstream } | undefined
    for (let i = 0; i < order.length; i++) {
      const upstream = order[i]!
      if (i > 0) deps.metrics.emit(METRIC.upstreamFailovers, 1, 'Count', { [METRIC_UPSTREAM_DIMENSION]: order[i - 1]!.id })
      // Encrypted reasoning from the first account means nothing to another org.
      let useStripped = firstOrg !== null && upstream.org !== firstOrg && countEncryptedReasoning(req.json) > 0
      firstOrg ??= upstream.org
      let keyRetried = false
      let foreignRetried = false
      for (;;) {
        if (useStripped) stripped ??= stripEncryptedReasoning(req.json)
        const sendReq: AdapterRequest = useStripped && stripped ? { ...req, body: stripped.body, json: stripped.json } : req
        const outcome = await this.attempt(upstream, sendReq, req, keyRetried, i < order.length - 1)
        attempts.push({ ...outcome.attempt, stripped_reasoning: useStripped && stripped ? stripped.removed : 0 })
        if (outcome.kind === 'final') return { kind: 'refusal', ...outcome.refusal, attempts }
        if (outcome.kind === 'retry-key') {
          keyRetried = true
          continue
        }
        if (outcome.kind === 'answer') {
          const res = outcome.response
          // Foreign reasoning (this session was elsewhere before): once more without it.
          if (!foreignRetried && !useStripped && res.status === 400 && countEncryptedReasoning(req.json) > 0) {
            const body = await readCapped(res)
            if (isForeignEncryptedContentError(400, new TextDecoder().decode(body))) {
              foreignRetried = true
              useStripped = true
              continue
            }
            return this.answer(upstream, rebuilt(res, body, res.headers), req, attempts, sendReq, outcome.sent)
          }
          return this.answer(upstream, res, req, attempts, sendReq, outcome.sent)
        }
        last = { upstream, sendReq, ...(outcome.kind === 'failed-answer' ? { response: outcome.response, bufferedBody: outcome.body, sent: outcome.sent } : { error: outcome.error }) }
        break
      }
      if (pinned && ranked.length > 1) {
        const why = last.error ?? `status ${last.response!.status}`
        return {
          kind: 'refusal',
          refusal: { code: 'failover_not_possible', detail: `${upstream.id} failed (${why}) and the request names previous_response_id, which only ${upstream.id} knows` },
          attempts,
          upstreamError: why,
          clientAborted: false,
        }
      }
    }
    // Every candidate failed: the last one's answer is the client's (as without a pool).
    if (last!.response) {
      const res = last!.response
      const headers = new Headers(res.headers)
      // A 429 without Retry-After makes Codex give up at once; with one it waits and retries.
      if (res.status === 429 && !headers.has('retry-after') && !isQuotaExhausted(last!.bufferedBody!)) {
        const rest = this.deps.health.view(last!.upstream.id)
        const seconds = Math.max(1, Math.ceil((rest.until - this.deps.monotonic()) / 1000))
        headers.set('retry-after', String(seconds))
      }
      return this.answer(last!.upstream, rebuilt(res, last!.bufferedBody!, headers), req, attempts, last!.sendReq, last!.sent)
    }
    // The failures without an answer (a 401 before a key rotation is not one of them).
    const failed = attempts.filter((a) => a.status === 0)
    const detail = failed.length === 1 ? failed[0]!.error : failed.map((a) => `${a.upstream_id}: ${a.error}`).join('; ')
    const keyOnly = failed.every((a) => a.error.startsWith(KEY_FAILURE))
    return { kind: 'refusal', refusal: { code: keyOnly ? 'key_unavailable' : 'upstream_request_failed', ...(!keyOnly && { detail }) }, attempts, upstreamError: detail, clientAborted: false }
  }

  /** Healthy upstreams in ranking order; when none is, the one that comes back first. */
  private healthyFirst(ranked: Upstream[]): Upstream[] {
    const healthy = ranked.filter((u) => this.deps.health.isAvailable(u.id))
    if (healthy.length > 0) return healthy
    return [...ranked].sort((a, b) => this.deps.health.view(a.id).until - this.deps.health.view(b.id).until).slice(0, 1)
  }

  private answer(upstream: Upstream, res: Response, req: PoolRequest, attempts: UpstreamAttempt[], sendReq: AdapterRequest, sent: Uint8Array | undefined): PoolResult {
    const adapter = this.adapters[upstream.kind]!
    return { kind: 'response', response: adapter.adaptResponse(res, sendReq, upstream), upstream, attempts, sentBody: sent !== req.body ? sent : undefined }
  }

  private async attempt(
    upstream: Upstream,
    sendReq: AdapterRequest,
    req: PoolRequest,
    keyRetried: boolean,
    /** Another upstream could take over: only then is a slow first byte worth giving up on. */
    hasNext: boolean,
  ): Promise<
    | { kind: 'answer'; response: Response; sent: Uint8Array | undefined; attempt: Omit<UpstreamAttempt, 'stripped_reasoning'> }
    | { kind: 'failed-answer'; response: Response; body: Uint8Array; sent: Uint8Array | undefined; attempt: Omit<UpstreamAttempt, 'stripped_reasoning'> }
    | { kind: 'failed'; error: string; attempt: Omit<UpstreamAttempt, 'stripped_reasoning'> }
    | { kind: 'retry-key'; attempt: Omit<UpstreamAttempt, 'stripped_reasoning'> }
    | { kind: 'final'; refusal: { refusal: Refusal; upstreamError: string | null; clientAborted: boolean }; attempt: Omit<UpstreamAttempt, 'stripped_reasoning'> }
  > {
    const { deps } = this
    const started = deps.monotonic()
    const record = (status: number, error: string) => ({ upstream_id: upstream.id, status, error, ms: Math.round(deps.monotonic() - started) })
    const keys = deps.keyFor(upstream)
    let key: string | undefined
    try {
      key = await keys.get()
    } catch (err) {
      const error = `${KEY_FAILURE}${err instanceof Error ? err.name : 'error'}`
      return { kind: 'failed', error, attempt: record(0, error) }
    }
    const adapter = this.adapters[upstream.kind]!
    const prepared = adapter.prepare(sendReq, upstream, key)
    if (isRefusal(prepared)) {
      const error = `refused by the ${upstream.kind} adapter: ${prepared.refusal.code}`
      return { kind: 'final', refusal: { refusal: prepared.refusal, upstreamError: null, clientAborted: false }, attempt: record(0, error) }
    }
    deps.metrics.emit(METRIC.upstreamRequests, 1, 'Count', { [METRIC_UPSTREAM_DIMENSION]: upstream.id })
    const firstByte = new AbortController()
    const timer = hasNext && req.stream !== false ? setTimeout(() => firstByte.abort(), deps.config.firstByteTimeoutMs) : undefined
    const signal = AbortSignal.any([req.clientSignal, req.deadline, firstByte.signal])
    let res: Response
    try {
      res = await (adapter.send ? adapter.send(prepared, signal) : this.defaultSend(prepared, signal))
    } catch (err) {
      if (req.clientSignal.aborted) {
        return { kind: 'final', refusal: { refusal: { code: 'upstream_request_failed', detail: 'client went away' }, upstreamError: 'client went away', clientAborted: true }, attempt: record(0, 'client went away') }
      }
      const error = firstByte.signal.aborted && !req.deadline.aborted ? `no response headers within ${deps.config.firstByteTimeoutMs} ms` : describeUpstreamError(err, req.deadline.aborted, req.deadlineMs)
      if (req.deadline.aborted) {
        return { kind: 'final', refusal: { refusal: { code: 'upstream_request_failed', detail: error }, upstreamError: error, clientAborted: false }, attempt: record(0, error) }
      }
      deps.health.onFailure(upstream.id, error)
      return { kind: 'failed', error, attempt: record(0, error) }
    } finally {
      clearTimeout(timer)
    }
    deps.metrics.emit(METRIC.upstreamLatency, deps.monotonic() - started, 'Milliseconds', { [METRIC_UPSTREAM_DIMENSION]: upstream.id })
    if (res.status === 401 && !keyRetried && keys.refreshAfterUnauthorized) {
      let rotated: boolean
      try {
        rotated = await keys.refreshAfterUnauthorized(key)
      } catch (err) {
        await res.body?.cancel().catch(() => {})
        const error = `${KEY_FAILURE}${err instanceof Error ? err.name : 'error'} on re-read after a 401`
        return { kind: 'failed', error, attempt: record(0, error) }
      }
      if (rotated) {
        await res.body?.cancel().catch(() => {})
        return { kind: 'retry-key', attempt: record(401, 'key rejected; retrying with the rotated key') }
      }
    }
    if (res.status === 429 || res.status >= 500) {
      const body = await readCapped(res)
      if (res.status === 429) {
        deps.metrics.emit(METRIC.upstreamRateLimited, 1, 'Count', { [METRIC_UPSTREAM_DIMENSION]: upstream.id })
        deps.health.onRateLimited(upstream.id, res.headers, isQuotaExhausted(body))
      } else {
        deps.health.onFailure(upstream.id, `status ${res.status}`)
      }
      return { kind: 'failed-answer', response: res, body, sent: prepared.body, attempt: record(res.status, `status ${res.status}`) }
    }
    deps.health.onSuccess(upstream.id)
    return { kind: 'answer', response: res, sent: prepared.body, attempt: record(res.status, '') }
  }

  private defaultSend(call: PreparedCall, signal: AbortSignal): Promise<Response> {
    return this.deps.fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body as Uint8Array<ArrayBuffer> | undefined,
      signal,
      redirect: 'manual',
    })
  }
}

const KEY_FAILURE = 'key unavailable: '

function rebuilt(res: Response, body: Uint8Array, headers: Headers): Response {
  const h = new Headers(headers)
  h.delete('content-length')
  return new Response(body as Uint8Array<ArrayBuffer>, { status: res.status, statusText: res.statusText, headers: h })
}

/**
 * OpenAI 429s come in two kinds: `rate_limit_exceeded` (retry later or elsewhere) and
 * `insufficient_quota` (type; codes like `credit_balance_exhausted`): the account is out
 * of credit and retrying it will not help soon.
 */
export function isQuotaExhausted(body: Uint8Array): boolean {
  try {
    const err = (JSON.parse(new TextDecoder().decode(body)) as { error?: { type?: unknown; code?: unknown } }).error
    return err?.type === 'insufficient_quota' || err?.code === 'insufficient_quota' || (typeof err?.code === 'string' && /quota|credit|spend_limit/.test(err.code))
  } catch {
    return false
  }
}

async function readCapped(res: Response): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      total += value.byteLength
      if (total >= MAX_ERROR_BODY_BYTES) {
        await reader.cancel().catch(() => {})
        break
      }
    }
  } catch {
    // A body cut short still says what it said so far.
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out.subarray(0, Math.min(total, MAX_ERROR_BODY_BYTES))
}

function describeServed(upstreams: readonly Upstream[]): string {
  return upstreams.map((u) => `${u.id}: ${u.models ? u.models.patterns.join(', ') : 'any'}`).join('; ')
}
