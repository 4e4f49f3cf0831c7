// Admission against rate limits and budgets, settlement of the actual cost, and budget
// alerts.
//
// Rate limits: a fixed one-minute window per token (and per team), one conditional ADD:
// exact per window under any concurrency; across a window boundary at most 2×rpm can
// pass within 60 s (the price of one write instead of a read-modify-write).
//
// Budgets, at every level that applies (org, team, user, key, tag; see counters.ts), per
// day, week and month: admission reserves an estimate on each level's spend items — the
// month item (day and month budgets in one conditional ADD: "committed <= limit − estimate"
// for each hard limit) and the week item when a weekly budget is set — and settlement adds
// (actual − reserved) to `committed` and the actual to `spent`. All of it in parallel, in
// one round trip: a level costs its item writes, never another round trip. Bound:
// committed never exceeds a hard limit at admission, so with estimate e and limit L at
// most floor(L / e) requests are in flight at once; the spend can overshoot L only by
// what in-flight requests cost beyond their estimates.
//
// A request refused by any level gives back what it took from the others. A call that
// costs nothing (estimate 0: GET /v1/models) reserves nothing and records nothing, but
// still takes its rate windows.
//
// Alerts: when a budget's committed spend reaches its warn share, and when it reaches the
// cap (or the cap refuses a request), once per level, id, period and kind across every
// instance: a conditional write on the period's item claims the alert (counters.ts).
import type { BudgetAlert } from '../../contracts/budget-alert.js'
import {
  alertAttr,
  type AlertKind,
  counterExpiry,
  fromMicroUsd,
  ITEM_PERIODS,
  type Level,
  MICRO,
  ORG_ID,
  type Period,
  periodEnd,
  RATE_ATTR,
  rateKey,
  type RateScope,
  spendAttr,
  spendItemKey,
} from '../../contracts/counters.js'
import { METRIC } from '../../contracts/metrics.js'
import { type BudgetPolicy, type Caller, DEFAULT_BUDGET_WARN_PERCENT } from '../../contracts/tables.js'
import type { AlertSink, CounterStore, Metrics } from '../ports.js'

export interface AdmissionRequest {
  caller: Caller
  /** Reserved cost (USD) of this request; see cost-estimate.ts. 0: the call costs nothing. */
  estimateUsd: number
  at: Date
  /** The request's tag (x-codex-proxy-tag), already checked against the caller's allowed tags, with its budgets. */
  tag?: { name: string; policy?: BudgetPolicy | undefined } | undefined
  /** Hands background work (alerts) to the host, which must let it finish (Lambda freezes the rest). */
  waitUntil?: ((work: Promise<unknown>) => void) | undefined
}

/** The tightest budget left: what the `x-codex-proxy-budget-remaining` header reports. */
export interface BudgetRemaining {
  usd: number
  level: Level
  id: string
  period: Period
}

export interface Refusal {
  code: 'rate_limited' | 'budget_exceeded'
  detail: string
  retryAfterSeconds: number
  /** The level that refused. */
  level: Level | RateScope
  /** For budget refusals: what is left of the budget that refused. */
  remaining?: BudgetRemaining
}

export interface Admission {
  /** Budget warnings for the `x-codex-proxy-budget-warning` response header. */
  warnings: string[]
  /** The tightest budget left after this request's reservation; undefined when none applies or nothing was reserved. */
  remaining: BudgetRemaining | undefined
  /** The same, had the reservation been `actualUsd` (the cost, once known) instead of the estimate. */
  remainingAfter(actualUsd: number | null): BudgetRemaining | undefined
  /**
   * Records the request's actual cost on the spend counters, exactly once. `null` means
   * the cost is unknown (stream cut, unknown price): the reservation stays counted.
   * `0` releases it (nothing was charged: refused, failed, upstream error).
   */
  settle(actualUsd: number | null): Promise<void>
}

/** A level's spend item (month or week) with the budgets of the periods it holds. */
interface SpendItem {
  level: Level
  id: string
  key: string
  span: 'month' | 'week'
  periods: readonly Period[]
  limits: { period: Period; limitMicro: number }[]
  mode: 'hard' | 'soft'
  warnPercent: number
}

const usd = (micro: number) => `$${fromMicroUsd(micro).toFixed(2)}`
const PERIOD_NAME: Record<Period, string> = { day: 'daily', week: 'weekly', month: 'monthly' }
const LIMIT_FIELD: Record<Period, keyof BudgetPolicy> = { day: 'budget_daily_usd', week: 'budget_weekly_usd', month: 'budget_monthly_usd' }
/** Bound on the per-instance memo of alerts already claimed. */
const MAX_MEMO = 10_000

export class Governor {
  /** Alerts this instance has claimed or seen claimed: later crossings skip the conditional write. */
  private readonly alerted = new Set<string>()

  constructor(
    private readonly counters: CounterStore,
    private readonly metrics: Metrics,
    private readonly log: (message: string) => void,
    private readonly alerts?: AlertSink,
  ) {}

  async admit(request: AdmissionRequest): Promise<{ ok: true; admission: Admission } | { ok: false; refusal: Refusal }> {
    const { caller, at } = request
    const background = request.waitUntil ?? ((work: Promise<unknown>) => void work)
    const items = spendItemsOf(caller, request.tag, at)
    const estimate = request.estimateUsd > 0 ? Math.max(1, Math.ceil(request.estimateUsd * MICRO)) : 0
    const limited = estimate > 0 ? items.filter((i) => i.limits.length > 0) : []
    const reservation = (item: SpendItem, value: number) => Object.fromEntries(item.periods.map((p) => [spendAttr('committed', p, at), value]))

    const [rates, results] = await Promise.all([
      this.takeRates(caller, at),
      Promise.allSettled(
        limited.map((item) =>
          this.counters.addWithin(
            item.key,
            reservation(item, estimate),
            // Soft budgets reserve too (so warnings see in-flight spend) but never refuse.
            item.mode === 'hard' ? Object.fromEntries(item.limits.map((b) => [spendAttr('committed', b.period, at), b.limitMicro - estimate])) : {},
            counterExpiry(item.span, at),
          ),
        ),
      ),
    ])

    const reserved = new Set<SpendItem>()
    const used = new Map<SpendItem, Record<string, number>>()
    let refusal: Refusal | undefined = rates.refusal
    let failure: unknown = rates.failure
    const alerts: Promise<void>[] = []
    results.forEach((result, i) => {
      const item = limited[i]!
      if (result.status === 'rejected') {
        failure ??= result.reason
        return
      }
      if (!result.value.ok) {
        const { current } = result.value
        const committedOf = (p: Period) => current[spendAttr('committed', p, at)] ?? 0
        const hit = item.limits.find((b) => committedOf(b.period) + estimate > b.limitMicro) ?? item.limits[0]!
        const left = Math.max(0, hit.limitMicro - committedOf(hit.period))
        refusal ??= {
          code: 'budget_exceeded',
          level: item.level,
          detail: `${item.level} ${item.id} ${PERIOD_NAME[hit.period]} budget of ${usd(hit.limitMicro)} reached (${usd(committedOf(hit.period))} spent or reserved); resets ${periodEnd(hit.period, at).toISOString()}`,
          retryAfterSeconds: Math.ceil((periodEnd(hit.period, at).getTime() - at.getTime()) / 1000),
          remaining: { usd: fromMicroUsd(left), level: item.level, id: item.id, period: hit.period },
        }
        alerts.push(this.alert(item, 'cap', hit.period, committedOf(hit.period), hit.limitMicro, true, at))
        return
      }
      reserved.add(item)
      used.set(item, result.value.values)
    })

    if (refusal || failure) {
      for (const work of alerts) background(work)
      await Promise.all([
        ...[...reserved].map((item) => this.counters.add(item.key, reservation(item, -estimate), counterExpiry(item.span, at))),
        ...rates.taken.map((k) => this.counters.add(k, { [RATE_ATTR]: -1 }, counterExpiry('minute', at))),
      ]).catch((err: unknown) => this.log(`giving back a refused request's reservations failed: ${err instanceof Error ? err.message : String(err)}`))
      if (failure) throw failure
      return { ok: false, refusal: refusal! }
    }

    const warnings: string[] = []
    const warnedLevels = new Set<Level>()
    for (const [item, values] of used) {
      for (const b of item.limits) {
        const committed = values[spendAttr('committed', b.period, at)] ?? 0
        alerts.push(...this.crossings(item, b.period, committed, b.limitMicro, at))
        if (committed * 100 < b.limitMicro * item.warnPercent) continue
        const state = committed > b.limitMicro ? 'exceeded (soft limit)' : `${Math.floor((committed * 100) / b.limitMicro)}% used`
        warnings.push(`${item.level} ${item.id} ${PERIOD_NAME[b.period]} budget ${state}: ${usd(committed)} of ${usd(b.limitMicro)} incl. this request; resets ${periodEnd(b.period, at).toISOString()}`)
        warnedLevels.add(item.level)
      }
    }
    for (const work of alerts) background(work)
    for (const level of warnedLevels) this.metrics.emit(METRIC.budgetWarnings, 1, 'Count', { Level: level })

    /** The tightest limit left, with `shift` micro-USD added to every reservation. */
    const tightest = (shift: number): BudgetRemaining | undefined => {
      let best: BudgetRemaining | undefined
      for (const [item, values] of used) {
        for (const b of item.limits) {
          const left = fromMicroUsd(b.limitMicro - (values[spendAttr('committed', b.period, at)] ?? 0) - shift)
          if (!best || left < best.usd) best = { usd: left, level: item.level, id: item.id, period: b.period }
        }
      }
      return best
    }

    let settled = false
    return {
      ok: true,
      admission: {
        warnings,
        remaining: tightest(0),
        remainingAfter: (actualUsd) => tightest(actualUsd === null ? 0 : Math.max(0, Math.round(actualUsd * MICRO)) - estimate),
        settle: async (actualUsd) => {
          if (settled) return
          settled = true
          const actual = actualUsd === null ? estimate : Math.max(0, Math.round(actualUsd * MICRO))
          // A free call that cost nothing leaves no trace in the counters.
          if (estimate === 0 && actual === 0) return
          const crossed: Promise<void>[] = []
          try {
            // Spend is recorded for every level, limited or not, so a budget set mid-period
            // already sees the period's spend.
            await Promise.all(
              items.map(async (item) => {
                const delta = actual - (reserved.has(item) ? estimate : 0)
                const amounts: Record<string, number> = {}
                for (const p of item.periods) {
                  amounts[spendAttr('committed', p, at)] = delta
                  amounts[spendAttr('spent', p, at)] = actual
                  amounts[spendAttr('requests', p, at)] = 1
                }
                const after = await this.counters.add(item.key, amounts, counterExpiry(item.span, at))
                // The actual cost may cross a threshold that the estimate did not.
                for (const b of item.limits) crossed.push(...this.crossings(item, b.period, after[spendAttr('committed', b.period, at)] ?? 0, b.limitMicro, at))
              }),
            )
          } catch (err) {
            this.metrics.emit(METRIC.spendRecordFailures, 1, 'Count')
            this.log(`spend record failed for ${caller.token_id}: ${err instanceof Error ? err.message : String(err)}`)
          }
          await Promise.all(crossed)
        },
      },
    }
  }

  /** The alerts a committed figure calls for: warn share reached, cap reached. */
  private crossings(item: SpendItem, period: Period, committed: number, limit: number, at: Date): Promise<void>[] {
    const out: Promise<void>[] = []
    if (committed * 100 >= limit * item.warnPercent) out.push(this.alert(item, 'warn', period, committed, limit, false, at))
    if (committed >= limit) out.push(this.alert(item, 'cap', period, committed, limit, false, at))
    return out
  }

  /**
   * Sends one alert unless this level's period already had it: the per-instance memo
   * skips repeated claims; the conditional write decides across instances. A failed send
   * gives the claim back, so a later request tries again. Never throws.
   */
  private async alert(item: SpendItem, kind: AlertKind, period: Period, committed: number, limit: number, blocked: boolean, at: Date): Promise<void> {
    if (!this.alerts) return
    const attr = alertAttr(kind, period, at)
    const memo = `${item.key}|${attr}`
    if (this.alerted.has(memo)) return
    if (this.alerted.size >= MAX_MEMO) this.alerted.clear()
    this.alerted.add(memo)
    let claimed: boolean
    try {
      claimed = await this.counters.claim(item.key, attr, at.getTime(), counterExpiry(item.span, at))
    } catch (err) {
      this.alerted.delete(memo)
      this.log(`budget alert claim failed for ${item.level} ${item.id}: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    if (!claimed) return
    const alert: BudgetAlert = {
      kind,
      level: item.level,
      id: item.id,
      period,
      mode: item.mode,
      limit_usd: fromMicroUsd(limit),
      used_usd: fromMicroUsd(committed),
      percent: Math.floor((committed * 100) / limit),
      blocked,
      resets_at: periodEnd(period, at).toISOString(),
      at: at.toISOString(),
    }
    try {
      await this.alerts.send(alert)
      this.metrics.emit(METRIC.budgetAlerts, 1, 'Count', { Level: item.level, Kind: kind })
    } catch (err) {
      this.metrics.emit(METRIC.budgetAlertFailures, 1, 'Count')
      this.log(`budget alert for ${item.level} ${item.id} not sent: ${err instanceof Error ? err.message : String(err)}`)
      this.alerted.delete(memo)
      await this.counters.release(item.key, attr).catch(() => {})
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
        refusal ??= { code: 'rate_limited', level: scope, detail: `${scope} ${id} allows ${rpm} requests per minute; retry in ${retry} s`, retryAfterSeconds: retry }
      }
    })
    return { taken, ...(refusal && { refusal }), ...(failure !== undefined && { failure }) }
  }
}

/** The levels that apply to a request, with the budgets set on each. */
function levelsOf(caller: Caller, tag: AdmissionRequest['tag']): { level: Level; id: string; budgets: BudgetPolicy }[] {
  return [
    { level: 'org', id: ORG_ID, budgets: caller.org_policy ?? {} },
    ...(caller.team ? [{ level: 'team' as const, id: caller.team, budgets: caller.team_policy ?? {} }] : []),
    { level: 'user', id: caller.user_id, budgets: caller.user_policy ?? {} },
    // The token's own budget fields are the key level's.
    { level: 'key', id: caller.token_id, budgets: caller },
    ...(tag ? [{ level: 'tag' as const, id: tag.name, budgets: tag.policy ?? {} }] : []),
  ]
}

/** Every level's month and week items, with the limits each holds. */
function spendItemsOf(caller: Caller, tag: AdmissionRequest['tag'], at: Date): SpendItem[] {
  return levelsOf(caller, tag).flatMap(({ level, id, budgets }) =>
    (['month', 'week'] as const).map((span) => ({
      level,
      id,
      span,
      key: spendItemKey(level, id, span, at),
      periods: ITEM_PERIODS[span],
      limits: ITEM_PERIODS[span].flatMap((period) => {
        const limit = budgets[LIMIT_FIELD[period]]
        return typeof limit === 'number' ? [{ period, limitMicro: Math.round(limit * MICRO) }] : []
      }),
      mode: budgets.budget_mode ?? 'hard',
      warnPercent: budgets.budget_warn_percent ?? DEFAULT_BUDGET_WARN_PERCENT,
    })),
  )
}
