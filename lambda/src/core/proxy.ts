// The proxy core: a Web-standard `fetch(Request) => Promise<Response>` built from its
// dependencies (ports). A request runs through small stages over one typed context
// (Exchange), in this order — the order is data, in STAGES below:
//
//   target → authenticate → endpoint-policy → inspect-body → model-policy → secret-scan →
//   admission → forward → relay → finish
//
// A stage continues or refuses with a catalogue error. Refusals before admission cannot
// touch counters; settlement and the audit record happen exactly once, in finish, after
// the response has been handed to the host, whatever path the request took.
// Hosts are thin adapters; nothing here knows whether it runs in Lambda or node:http.
import type { ProxyConfig } from '../contracts/config.js'
import { proxyErrorBody, proxyErrorStatus } from '../contracts/errors.js'
import { createPricer, type Pricer } from '../pricing/index.js'
import { Exchange } from './exchange.js'
import { BUDGET_REMAINING_HEADER, formatRemaining } from './governance/budget-headers.js'
import { Governor } from './governance/governor.js'
import { REQUEST_ID_HEADER } from './headers.js'
import {
  type AlertSink,
  type AuditSink,
  type BodyScanner,
  type Clock,
  type CounterStore,
  type HealthCheck,
  type KeySource,
  type Metrics,
  noMetrics,
  type RequestContext,
  systemClock,
  type TokenStore,
  type UpstreamFetch,
} from './ports.js'
import type { Refusal } from './refusal.js'
import type { StageEnv } from './stage-env.js'
import { admit } from './stages/admission.js'
import { authenticate } from './stages/authenticate.js'
import { checkEndpointPolicy } from './stages/endpoint-policy.js'
import { finishExchange } from './stages/finish.js'
import { forwardUpstream } from './stages/forward.js'
import { inspectBody } from './stages/inspect-body.js'
import { checkModelPolicy } from './stages/model-policy.js'
import { relayAnswer } from './stages/relay.js'
import { scanRequestBody } from './stages/secret-scan.js'
import { checkTag } from './stages/tag-policy.js'
import { checkRequestTarget } from './stages/target.js'
import { CachedTokenStore } from './token-cache.js'
import { poolOfOne } from '../contracts/upstreams.js'
import { upstreamPoolFactory, type UpstreamPoolFactory } from './upstreams/index.js'
import type { UsageExtractor } from './usage.js'
import { requestIdFactory } from './request-id.js'

export { BUDGET_WARNING_HEADER } from './stages/relay.js'

export interface ProxyDeps {
  config: ProxyConfig
  tokens: TokenStore
  audit: AuditSink
  key: KeySource
  /** Rate-limit and spend counters (usage table). */
  counters: CounterStore
  /** Price table; defaults to the package prices without overrides. */
  pricer?: Pricer
  /** Where budget alerts go (SNS topic, webhook); without one, no alerts. */
  alerts?: AlertSink
  /** Secret scanner; without one, scanning is off whatever the mode says. */
  scanner?: BodyScanner
  /** The host's own dependencies; /healthz answers 503 `degraded` while it says not ok. */
  health?: HealthCheck
  clock?: Clock
  metrics?: Metrics
  fetch?: UpstreamFetch
  /**
   * The upstream pool (several keys/accounts, Azure; core/upstreams/). Without one, the
   * pool of one: config.upstreamUrl with `key`.
   */
  upstreams?: UpstreamPoolFactory
  /** Operational log lines (never secrets). */
  log?: (message: string) => void
}

export interface Proxy {
  fetch(request: Request, ctx: RequestContext): Promise<Response>
}

type Stage = (ex: Exchange, env: StageEnv, request: Request) => Refusal | undefined | Promise<Refusal | undefined>

/** Everything before the upstream call, in order. */
export const STAGES: readonly { name: string; run: Stage }[] = [
  { name: 'target', run: (ex, _env, request) => checkRequestTarget(ex, request.headers.get('upgrade')) },
  { name: 'authenticate', run: authenticate },
  { name: 'tag-policy', run: checkTag },
  { name: 'endpoint-policy', run: checkEndpointPolicy },
  { name: 'inspect-body', run: inspectBody },
  { name: 'model-policy', run: (ex) => checkModelPolicy(ex) },
  { name: 'secret-scan', run: scanRequestBody },
  { name: 'admission', run: admit },
]

export function createProxy(deps: ProxyDeps): Proxy {
  const clock = deps.clock ?? systemClock
  const metrics = deps.metrics ?? noMetrics
  const log = deps.log ?? ((m: string) => console.error(m))
  const upstreamFetch: UpstreamFetch = deps.fetch ?? ((input, init) => fetch(input, init))
  const pool = deps.upstreams ?? upstreamPoolFactory(poolOfOne(deps.config.upstreamUrl), () => deps.key)
  const env: StageEnv = {
    config: deps.config,
    tokens: new CachedTokenStore(deps.tokens, deps.config.tokenCacheMs, clock),
    governor: new Governor(deps.counters, metrics, log, deps.alerts),
    pricer: deps.pricer ?? createPricer(),
    scanner: deps.scanner,
    key: deps.key,
    upstreams: pool({ fetch: upstreamFetch, metrics, clock }),
    fetch: upstreamFetch,
    audit: deps.audit,
    clock,
    metrics,
    log,
  }
  const nextRequestId = requestIdFactory()

  async function handle(request: Request, ex: Exchange, finish: (usage?: UsageExtractor) => void): Promise<Response> {
    for (const stage of STAGES) {
      const refusal = await stage.run(ex, env, request)
      if (refusal) return respondWithError(ex, refusal, finish)
    }
    const answer = await forwardUpstream(ex, env, request.signal)
    // What went upstream no longer needs its parsed form: a stream lasts seconds to
    // minutes, and 200 of them each holding a 55 KB body's text and object tree cost more
    // than the rest of the exchange (bench/relay-results.md). The record uses the bytes.
    ex.releaseParsedBody()
    if ('code' in answer) return respondWithError(ex, answer, finish)
    return relayAnswer(ex, env, answer, request.signal, finish)
  }

  /** A proxy-generated error: OpenAI error shape, recorded like any other response. */
  function respondWithError(ex: Exchange, refusal: Refusal, finish: () => void): Response {
    const body = JSON.stringify(proxyErrorBody(refusal.code, refusal.detail))
    const headers = new Headers(refusal.headers)
    headers.set('content-type', 'application/json')
    headers.set(REQUEST_ID_HEADER, ex.requestId)
    // Failed after admission (upstream unreachable, key unavailable): nothing was charged,
    // so the budget left is as if the reservation were already released.
    const left = ex.admission?.remainingAfter(0)
    if (left) headers.set(BUDGET_REMAINING_HEADER, formatRemaining(left))
    const { status, retryAfter } = proxyErrorStatus(refusal.code, ex.requestHeaders)
    if (!retryAfter) headers.delete('retry-after')
    ex.status = status
    ex.origin = 'proxy'
    ex.errorCode = refusal.code
    ex.responseHeaders = headers
    ex.responseBody = new TextEncoder().encode(body)
    ex.responseBodyBytes = ex.responseBody.byteLength
    ex.endedMono = clock.monotonic()
    finish()
    return new Response(body, { status, headers })
  }

  return {
    async fetch(request: Request, ctx: RequestContext): Promise<Response> {
      const startedMono = clock.monotonic()
      const startedAt = clock.now()
      const rawTarget = ctx.rawTarget ?? pathAndQuery(request.url)
      const method = request.method.toUpperCase()
      if ((method === 'GET' || method === 'HEAD') && /^\/healthz(\?|$)/.test(rawTarget)) return healthz(deps, method)
      const ex = new Exchange(nextRequestId(startedAt), startedAt, startedMono, method, rawTarget, request.headers, deps.config.version)
      // One promise per exchange, registered before anything can fail: the host keeps the
      // invocation (or the shutdown) open until the record is written.
      let recorded!: () => void
      ctx.waitUntil(new Promise<void>((resolve) => (recorded = resolve)))
      let finishing = false
      const finish = (usage?: UsageExtractor) => {
        if (finishing) return
        finishing = true
        // The record's CPU work runs after the response has been handed to the host.
        setTimeout(() => void finishExchange(ex, env, usage).finally(recorded), 0)
      }
      try {
        return await handle(request, ex, finish)
      } catch (err) {
        log(`internal error for ${ex.requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
        if (finishing) throw err
        return respondWithError(ex, { code: 'internal_error' }, finish)
      }
    },
  }
}

function healthz(deps: ProxyDeps, method: string): Response {
  const health = deps.health?.() ?? { ok: true as const }
  const body = health.ok ? { status: 'ok', version: deps.config.version } : { status: 'degraded', version: deps.config.version, detail: health.detail }
  return new Response(method === 'HEAD' ? null : JSON.stringify(body), { status: health.ok ? 200 : 503, headers: { 'content-type': 'application/json' } })
}

function pathAndQuery(url: string): string {
  const u = new URL(url)
  return u.pathname + u.search
}
