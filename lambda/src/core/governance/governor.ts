// Admission against rate limits and budgets, and settlement of the actual cost.
//
// Rate limits: a fixed one-minute window per token (and per team), one conditional ADD:
// exact per window under any concurrency; across a window boundary at most 2×rpm can
// pass within 60 s (the price of one write instead of a read-modify-write).
//
// Budgets (daily/monthly, user and team): admission reserves an estimate on every budget
// counter with a conditional ADD ("committed <= limit − estimate"); refusal of any hard
// budget rolls back the others. Settlement adds (actual − reserved) to `committed` and the
// actual to `spent`. Bound: committed never exceeds a hard limit at admission, so with
// estimate e and limit L at most floor(L / e) requests are in flight at once; the spend
// can overshoot L only by what in-flight requests cost beyond their estimates.
import {
  COUNTER_ATTR,
  counterExpiry,
  fromMicroUsd,
  type Level,
  type Period,
  periodEnd,
  rateKey,
  type RateScope,
  spendKey,
  toMicroUsd,
} from '../../contracts/counters.js'
import { METRIC } from '../../contracts/metrics.js'
import { type Caller, DEFAULT_BUDGET_WARN_PERCENT, type TokenPolicy } from '../../contracts/tables.js'
import type { CounterStore, Metrics } from '../ports.js'

export interface AdmissionRequest {
  caller: Caller
  /** Reserved cost (USD) of this request; see cost-estimate.ts. */
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

interface Budget {
  level: Level
  id: string
  period: Period
  key: string
  limitMicro: number | undefined
  mode: 'hard' | 'soft'
  warnPercent: number
}

const usd = (micro: number) => `$${fromMicroUsd(micro).toFixed(2)}`

export class Governor {
  constructor(
    private readonly counters: CounterStore,
    private readonly metrics: Metrics,
    private readonly log: (message: string) => void,
  ) {}

  async admit(request: AdmissionRequest): Promise<{ ok: true; admission: Admission } | { ok: false; refusal: Refusal }> {
    const { caller, at } = request
    const rate = await this.checkRates(caller, at)
    if (rate) return { ok: false, refusal: rate }

    const budgets = budgetsOf(caller, at)
    const estimate = Math.max(1, Math.ceil(request.estimateUsd * 1_000_000))
    const limited = budgets.filter((b) => b.limitMicro !== undefined)
    const results = await Promise.allSettled(
      limited.map((b) =>
        b.mode === 'hard'
          ? this.counters.addIfAtMost(b.key, COUNTER_ATTR.committed, estimate, b.limitMicro! - estimate, counterExpiry(b.period, at))
          : this.counters.add(b.key, { [COUNTER_ATTR.committed]: estimate }, counterExpiry(b.period, at)).then((v) => ({ ok: true as const, value: v[COUNTER_ATTR.committed]! })),
      ),
    )
    const reserved = new Set<Budget>()
    let refusal: Refusal | undefined
    let failure: unknown
    const warnings: string[] = []
    results.forEach((result, i) => {
      const b = limited[i]!
      if (result.status === 'rejected') {
        failure ??= result.reason
        return
      }
      if (!result.value.ok) {
        refusal ??= {
          code: 'budget_exceeded',
          detail: `${b.level} ${b.id} ${b.period === 'day' ? 'daily' : 'monthly'} budget of ${usd(b.limitMicro!)} reached (${usd(result.value.current)} spent or reserved); resets ${periodEnd(b.period, at).toISOString()}`,
          retryAfterSeconds: Math.ceil((periodEnd(b.period, at).getTime() - at.getTime()) / 1000),
        }
        return
      }
      reserved.add(b)
      const used = result.value.value
      if (used * 100 >= b.limitMicro! * b.warnPercent) {
        const over = used > b.limitMicro!
        warnings.push(
          `${b.level} ${b.id} ${b.period === 'day' ? 'daily' : 'monthly'} budget ${over ? 'exceeded (soft limit)' : `${Math.floor((used * 100) / b.limitMicro!)}% used`}: ${usd(used)} of ${usd(b.limitMicro!)} incl. this request; resets ${periodEnd(b.period, at).toISOString()}`,
        )
        this.metrics.emit(METRIC.budgetWarnings, 1, 'Count', { Level: b.level })
      }
    })
    if (refusal || failure) {
      await this.release(reserved, estimate, at)
      if (failure) throw failure
      return { ok: false, refusal: refusal! }
    }

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
            await Promise.all(
              budgets.map((b) =>
                this.counters.add(
                  b.key,
                  {
                    [COUNTER_ATTR.committed]: actual - (reserved.has(b) ? estimate : 0),
                    [COUNTER_ATTR.spent]: actual,
                    [COUNTER_ATTR.requests]: 1,
                  },
                  counterExpiry(b.period, at),
                ),
              ),
            )
          } catch (err) {
            this.metrics.emit(METRIC.spendRecordFailures, 1, 'Count')
            this.log(`spend record failed for ${caller.token_id}: ${err instanceof Error ? err.message : String(err)}`)
          }
        },
      },
    }
  }

  private async checkRates(caller: Caller, at: Date): Promise<Refusal | undefined> {
    const limits: [RateScope, string, number][] = []
    if (caller.rpm) limits.push(['token', caller.token_id, caller.rpm])
    if (caller.team && caller.team_policy?.rpm) limits.push(['team', caller.team, caller.team_policy.rpm])
    const passed: string[] = []
    for (const [scope, id, rpm] of limits) {
      const key = rateKey(scope, id, at)
      const result = await this.counters.addIfAtMost(key, COUNTER_ATTR.count, 1, rpm - 1, counterExpiry('minute', at))
      if (!result.ok) {
        // Give back what this request took from windows it already passed.
        await Promise.all(passed.map((k) => this.counters.add(k, { [COUNTER_ATTR.count]: -1 }, counterExpiry('minute', at))))
        const retry = Math.max(1, Math.ceil((periodEnd('minute', at).getTime() - at.getTime()) / 1000))
        return { code: 'rate_limited', detail: `${scope} ${id} allows ${rpm} requests per minute; retry in ${retry} s`, retryAfterSeconds: retry }
      }
      passed.push(key)
    }
    return undefined
  }

  private async release(reserved: Set<Budget>, estimate: number, at: Date): Promise<void> {
    await Promise.all([...reserved].map((b) => this.counters.add(b.key, { [COUNTER_ATTR.committed]: -estimate }, counterExpiry(b.period, at)))).catch((err: unknown) => {
      this.log(`budget reservation release failed: ${err instanceof Error ? err.message : String(err)}`)
    })
  }
}

/** Every spend counter of the caller (user, and team if any), with its limit if set. */
function budgetsOf(caller: Caller, at: Date): Budget[] {
  const of = (level: Level, id: string, policy: TokenPolicy): Budget[] =>
    (['day', 'month'] as const).map((period) => ({
      level,
      id,
      period,
      key: spendKey(level, id, period, at),
      limitMicro: limitOf(period === 'day' ? policy.budget_daily_usd : policy.budget_monthly_usd),
      mode: policy.budget_mode ?? 'hard',
      warnPercent: policy.budget_warn_percent ?? DEFAULT_BUDGET_WARN_PERCENT,
    }))
  return [...of('user', caller.user_id, caller), ...(caller.team ? of('team', caller.team, caller.team_policy ?? {}) : [])]
}

const limitOf = (usdLimit: number | undefined) => (usdLimit === undefined ? undefined : toMicroUsd(usdLimit))
