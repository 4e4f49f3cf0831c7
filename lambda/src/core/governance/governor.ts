// Admission against rate limits and budgets, and settlement of the actual cost.
//
// Rate limits: a fixed one-minute window per token (and per team), one conditional ADD:
// exact per window under any concurrency; across a window boundary at most 2×rpm can
// pass within 60 s (the price of one write instead of a read-modify-write).
//
// Budgets (daily/monthly, user and team): admission reserves an estimate on the level's
// spend item — day and month in one conditional ADD ("committed <= limit − estimate" for
// each hard limit) — and settlement adds (actual − reserved) to `committed` and the actual
// to `spent`. Bound: committed never exceeds a hard limit at admission, so with estimate e
// and limit L at most floor(L / e) requests are in flight at once; the spend can overshoot
// L only by what in-flight requests cost beyond their estimates.
//
// Rate windows and budget reservations are taken in parallel (one round trip); a request
// refused by either gives back what it took from the other.
import {
  counterExpiry,
  fromMicroUsd,
  type Level,
  type Period,
  periodEnd,
  RATE_ATTR,
  rateKey,
  type RateScope,
  spendAttr,
  spendKey,
  toMicroUsd,
} from '../../contracts/counters.js'
import { METRIC } from '../../contracts/metrics.js'
import { type Caller, DEFAULT_BUDGET_WARN_PERCENT, type TokenPolicy } from '../../contracts/tables.js'
import type { CounterStore, Metrics } from '../ports.js'

export interface AdmissionRequest {
  caller: Caller
  /** Reserved cost (USD) of this request; see cost-estimate.ts. 0: a free call, which reserves nothing. */
  estimateUsd: number
  at: Date
}

export interface Refusal {
  code: 'rate_limited' | 'budget_exceeded'
  detail: string
  retryAfterSeconds: number
}

export interface Admission {
  /** Budget warnings for the `x-codex-proxy-budget-warning` response header. */
  warnings: string[]
  /**
   * Records the request's actual cost on the spend counters, exactly once. `null` means
   * the cost is unknown (stream cut, unknown price): the reservation stays counted.
   * `0` releases it (nothing was charged: refused, failed, upstream error).
   */
  settle(actualUsd: number | null): Promise<void>
}

/** One user's or team's spend item, with the budgets that apply to it. */
interface SpendLevel {
  level: Level
  id: string
  key: string
  limits: { period: Period; limitMicro: number }[]
  mode: 'hard' | 'soft'
  warnPercent: number
}

const PERIODS: readonly Period[] = ['day', 'month']
const usd = (micro: number) => `$${fromMicroUsd(micro).toFixed(2)}`
const periodName = (p: Period) => (p === 'day' ? 'daily' : 'monthly')

export class Governor {
  constructor(
    private readonly counters: CounterStore,
    private readonly metrics: Metrics,
    private readonly log: (message: string) => void,
  ) {}

  async admit(request: AdmissionRequest): Promise<{ ok: true; admission: Admission } | { ok: false; refusal: Refusal }> {
    const { caller, at } = request
    const levels = spendLevelsOf(caller, at)
    const estimate = request.estimateUsd > 0 ? Math.max(1, Math.ceil(request.estimateUsd * 1_000_000)) : 0
    // A free call (the model list, a retrieval) reserves nothing, so a spent budget never
    // refuses it (trust issue, finding 4).
    const limited = estimate === 0 ? [] : levels.filter((l) => l.limits.length > 0)
    const reservation = (value: number) => Object.fromEntries(PERIODS.map((p) => [spendAttr('committed', p, at), value]))

    const [rates, results] = await Promise.all([
      this.takeRates(caller, at),
      Promise.allSettled(
        limited.map((l) =>
          this.counters.addWithin(
            l.key,
            reservation(estimate),
            // Soft budgets reserve too (so warnings see in-flight spend) but never refuse.
            l.mode === 'hard' ? Object.fromEntries(l.limits.map((b) => [spendAttr('committed', b.period, at), b.limitMicro - estimate])) : {},
            counterExpiry('month', at),
          ),
        ),
      ),
    ])

    const reserved: SpendLevel[] = []
    let refusal: Refusal | undefined = rates.refusal
    let failure: unknown = rates.failure
    const warnings: string[] = []
    const warned: Level[] = []
    results.forEach((result, i) => {
      const l = limited[i]!
      if (result.status === 'rejected') {
        failure ??= result.reason
        return
      }
      if (!result.value.ok) {
        const { current } = result.value
        const hit = l.limits.find((b) => (current[spendAttr('committed', b.period, at)] ?? 0) + estimate > b.limitMicro) ?? l.limits[0]!
        refusal ??= {
          code: 'budget_exceeded',
          detail: `${l.level} ${l.id} ${periodName(hit.period)} budget of ${usd(hit.limitMicro)} reached (${usd(current[spendAttr('committed', hit.period, at)] ?? 0)} spent or reserved); resets ${periodEnd(hit.period, at).toISOString()}`,
          retryAfterSeconds: Math.ceil((periodEnd(hit.period, at).getTime() - at.getTime()) / 1000),
        }
        return
      }
      reserved.push(l)
      for (const b of l.limits) {
        const used = result.value.values[spendAttr('committed', b.period, at)] ?? 0
        if (used * 100 < b.limitMicro * l.warnPercent) continue
        const state = used > b.limitMicro ? 'exceeded (soft limit)' : `${Math.floor((used * 100) / b.limitMicro)}% used`
        warnings.push(`${l.level} ${l.id} ${periodName(b.period)} budget ${state}: ${usd(used)} of ${usd(b.limitMicro)} incl. this request; resets ${periodEnd(b.period, at).toISOString()}`)
        warned.push(l.level)
      }
    })

    if (refusal || failure) {
      await Promise.all([
        ...reserved.map((l) => this.counters.add(l.key, reservation(-estimate), counterExpiry('month', at))),
        ...rates.taken.map((k) => this.counters.add(k, { [RATE_ATTR]: -1 }, counterExpiry('minute', at))),
      ]).catch((err: unknown) => this.log(`giving back a refused request's reservations failed: ${err instanceof Error ? err.message : String(err)}`))
      if (failure) throw failure
      return { ok: false, refusal: refusal! }
    }
    for (const level of warned) this.metrics.emit(METRIC.budgetWarnings, 1, 'Count', { Level: level })

    let settled = false
    return {
      ok: true,
      admission: {
        warnings,
        settle: async (actualUsd) => {
          if (settled) return
          settled = true
          const actual = actualUsd === null ? estimate : toMicroUsd(actualUsd)
          try {
            // Spend is recorded for every level, limited or not, so a budget set mid-month
            // already sees the month's spend.
            await Promise.all(
              levels.map((l) => {
                const delta = actual - (reserved.includes(l) ? estimate : 0)
                const amounts: Record<string, number> = {}
                for (const p of PERIODS) {
                  amounts[spendAttr('committed', p, at)] = delta
                  amounts[spendAttr('spent', p, at)] = actual
                  amounts[spendAttr('requests', p, at)] = 1
                }
                return this.counters.add(l.key, amounts, counterExpiry('month', at))
              }),
            )
          } catch (err) {
            this.metrics.emit(METRIC.spendRecordFailures, 1, 'Count')
            this.log(`spend record failed for ${caller.token_id}: ${err instanceof Error ? err.message : String(err)}`)
          }
        },
      },
    }
  }

  /** Takes one request from each applicable rate window (token, team), in parallel. */
  private async takeRates(caller: Caller, at: Date): Promise<{ taken: string[]; refusal?: Refusal; failure?: unknown }> {
    const limits: [RateScope, string, number][] = []
    if (caller.rpm) limits.push(['token', caller.token_id, caller.rpm])
    if (caller.team && caller.team_policy?.rpm) limits.push(['team', caller.team, caller.team_policy.rpm])
    const results = await Promise.allSettled(
      limits.map(([scope, id, rpm]) => this.counters.addWithin(rateKey(scope, id, at), { [RATE_ATTR]: 1 }, { [RATE_ATTR]: rpm - 1 }, counterExpiry('minute', at))),
    )
    const taken: string[] = []
    let refusal: Refusal | undefined
    let failure: unknown
    results.forEach((result, i) => {
      const [scope, id, rpm] = limits[i]!
      if (result.status === 'rejected') failure ??= result.reason
      else if (result.value.ok) taken.push(rateKey(scope, id, at))
      else {
        const retry = Math.max(1, Math.ceil((periodEnd('minute', at).getTime() - at.getTime()) / 1000))
        refusal ??= { code: 'rate_limited', detail: `${scope} ${id} allows ${rpm} requests per minute; retry in ${retry} s`, retryAfterSeconds: retry }
      }
    })
    return { taken, ...(refusal && { refusal }), ...(failure !== undefined && { failure }) }
  }
}

/** The caller's spend levels: the user, and the team if any, with the budgets set on each. */
function spendLevelsOf(caller: Caller, at: Date): SpendLevel[] {
  const of = (level: Level, id: string, policy: TokenPolicy): SpendLevel => ({
    level,
    id,
    key: spendKey(level, id, at),
    limits: PERIODS.flatMap((period) => {
      const limit = period === 'day' ? policy.budget_daily_usd : policy.budget_monthly_usd
      return limit === undefined ? [] : [{ period, limitMicro: toMicroUsd(limit) }]
    }),
    mode: policy.budget_mode ?? 'hard',
    warnPercent: policy.budget_warn_percent ?? DEFAULT_BUDGET_WARN_PERCENT,
  })
  return [of('user', caller.user_id, caller), ...(caller.team ? [of('team', caller.team, caller.team_policy ?? {})] : [])]
}
