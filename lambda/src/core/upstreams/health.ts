// Per-upstream health, kept in each proxy instance's memory: a cooldown after a 429 (as
// long as the upstream asks: retry-after, retry-after-ms, x-ratelimit-reset-*), and a
// circuit breaker that rests an upstream after consecutive failures (5xx, connection
// errors, timeouts to first byte), longer each time it fails again.
//
// Why per instance is enough: health only changes *which* upstream is tried first, never
// whether a request is answered — an instance that does not know yet about a cooldown
// tries the resting upstream, gets its 429 or error before any byte reaches the client,
// learns, and fails over. The cost of not sharing is one extra round trip per instance per
// incident; sharing would put a table read on every request. Rate limits themselves are
// per upstream account, so every instance sees the same 429s and converges on its own.

export interface HealthOptions {
  /** Consecutive failures that open the breaker. */
  breakerThreshold: number
  /** First rest when the breaker opens; doubles on each re-open, up to breakerMaxMs. */
  breakerBaseMs: number
  breakerMaxMs: number
  /** Rest after a 429 that names no reset time. */
  defaultRateLimitMs: number
  /** Rest after a 429 saying the account's quota or credit is gone (retrying will not help soon). */
  quotaExhaustedMs: number
  /** No header can rest an upstream longer than this (a bad header must not take it out for days). */
  maxCooldownMs: number
}

export const DEFAULT_HEALTH: HealthOptions = {
  breakerThreshold: 3,
  breakerBaseMs: 15_000,
  breakerMaxMs: 300_000,
  defaultRateLimitMs: 5_000,
  quotaExhaustedMs: 300_000,
  maxCooldownMs: 900_000,
}

interface State {
  until: number
  consecutiveFailures: number
  opens: number
  reason: string | null
}

export interface HealthView {
  available: boolean
  /** Monotonic time the cooldown ends (0: none). */
  until: number
  reason: string | null
}

export class UpstreamHealth {
  private readonly states = new Map<string, State>()

  constructor(
    private readonly monotonic: () => number,
    private readonly options: HealthOptions = DEFAULT_HEALTH,
    private readonly now: () => number = () => Date.now(),
  ) {}

  view(id: string): HealthView {
    const s = this.states.get(id)
    if (!s) return { available: true, until: 0, reason: null }
    return { available: s.until <= this.monotonic(), until: s.until, reason: s.reason }
  }

  isAvailable(id: string): boolean {
    return this.view(id).available
  }

  /** A response that was not a failure: the breaker closes. */
  onSuccess(id: string): void {
    const s = this.states.get(id)
    if (s) {
      s.consecutiveFailures = 0
      s.opens = 0
    }
  }

  /** A 429. Returns the cooldown applied (ms). */
  onRateLimited(id: string, headers: Headers, quotaExhausted: boolean): number {
    const fromHeaders = cooldownFromHeaders(headers, this.now())
    const ms = Math.min(this.options.maxCooldownMs, quotaExhausted ? Math.max(this.options.quotaExhaustedMs, fromHeaders ?? 0) : (fromHeaders ?? this.options.defaultRateLimitMs))
    this.restFor(id, ms, quotaExhausted ? 'quota exhausted' : 'rate limited')
    return ms
  }

  /** A 5xx, connection error or timeout to first byte. */
  onFailure(id: string, reason: string): void {
    const s = this.state(id)
    s.consecutiveFailures++
    if (s.consecutiveFailures >= this.options.breakerThreshold) {
      const ms = Math.min(this.options.breakerMaxMs, this.options.breakerBaseMs * 2 ** s.opens)
      s.opens++
      // Half-open after the rest: the next failure re-opens it at once (count stays ≥ threshold).
      this.restFor(id, ms, `circuit open after ${s.consecutiveFailures} consecutive failures (last: ${reason})`)
    }
  }

  private restFor(id: string, ms: number, reason: string): void {
    const s = this.state(id)
    s.until = Math.max(s.until, this.monotonic() + ms)
    s.reason = reason
  }

  private state(id: string): State {
    let s = this.states.get(id)
    if (!s) this.states.set(id, (s = { until: 0, consecutiveFailures: 0, opens: 0, reason: null }))
    return s
  }
}

/**
 * How long an upstream asks to be left alone, from its response headers, in ms:
 * `retry-after-ms` (Azure), `retry-after` (seconds or an HTTP date, RFC 9110 §10.2.3),
 * else the reset of the exhausted `x-ratelimit-remaining-*` window (OpenAI's
 * `x-ratelimit-reset-requests`/`-tokens`, Go durations like "6m0s", "1s", "20ms"), else
 * the longer of the resets given. Undefined when nothing usable is there.
 */
export function cooldownFromHeaders(headers: Headers, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms')
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms))
  const ra = headers.get('retry-after')
  if (ra !== null) {
    const t = ra.trim()
    if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000)
    const date = Date.parse(t)
    if (!Number.isNaN(date) && /[a-z]/i.test(t)) return Math.max(0, date - nowMs)
  }
  const resets: number[] = []
  for (const kind of ['requests', 'tokens']) {
    const reset = parseDuration(headers.get(`x-ratelimit-reset-${kind}`))
    if (reset === undefined) continue
    // Azure has sent `-1` for token limits: not a count, so only "0" means exhausted.
    if (headers.get(`x-ratelimit-remaining-${kind}`)?.trim() === '0') return reset
    resets.push(reset)
  }
  return resets.length ? Math.max(...resets) : undefined
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 }

/** A Go-style duration ("6m0s", "1h2m3.5s", "20ms") or bare seconds ("30", "0.5"), in ms. */
export function parseDuration(raw: string | null): number | undefined {
  if (raw === null) return undefined
  const t = raw.trim()
  if (t.length === 0 || t.length > 64) return undefined
  if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000)
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(t)) return undefined
  let total = 0
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!
  return Number.isFinite(total) ? Math.ceil(total) : undefined
}
