// `report budgets`: every budget set at any level, with spend against it and a linear
// forecast to the end of its period. Pure functions over what readSpend returns, so the
// arithmetic is tested without a store.
import type { Level, Period } from '../../../lambda/src/contracts/counters.js'
import { ORG_ID } from '../../../lambda/src/contracts/counters.js'
import { DEFAULT_BUDGET_WARN_PERCENT, hasBudget, pickBudgets, pickPolicy } from '../../../lambda/src/contracts/tables.js'
import type { TokenAdmin } from '../../../lambda/src/stores/token-admin.js'
import type { PeriodSpend, SpendSubject, SpendSummary } from './spend.js'

export type BudgetStatus = 'ok' | 'forecast-over' | 'warn' | 'at-cap'

export interface BudgetRow {
  level: Level
  id: string
  period: Period
  mode: 'hard' | 'soft'
  limit_usd: number
  spent_usd: number
  /** Spent plus reservations of requests in flight: what admission checks. */
  committed_usd: number
  used_percent: number
  /** Spent so far, extrapolated linearly over the whole period. */
  forecast_usd: number
  forecast_percent: number
  requests: number
  status: BudgetStatus
  resets_at: string
}

/**
 * The forecast needs some of the period behind it: before an hour has passed, the run
 * rate is taken over one hour (a $1 first request is not a $720 month).
 */
const MIN_ELAPSED_MS = 3_600_000

export function forecastUsd(p: PeriodSpend, now: Date): number {
  const start = Date.parse(p.starts_at)
  const end = Date.parse(p.resets_at)
  const elapsed = Math.max(MIN_ELAPSED_MS, now.getTime() - start)
  if (elapsed >= end - start) return p.spent_usd
  return (p.spent_usd * (end - start)) / elapsed
}

export function budgetRows(subjects: SpendSubject[], spend: SpendSummary[], now: Date): BudgetRow[] {
  const rows: BudgetRow[] = []
  subjects.forEach((subject, i) => {
    const summary = spend[i]!
    const warn = subject.policy.budget_warn_percent ?? DEFAULT_BUDGET_WARN_PERCENT
    for (const period of ['day', 'week', 'month'] as const) {
      const p = summary[period]
      if (p.limit_usd === null) continue
      const forecast = forecastUsd(p, now)
      const used = (p.committed_usd / p.limit_usd) * 100
      rows.push({
        level: subject.level,
        id: subject.id,
        period,
        mode: subject.policy.budget_mode ?? 'hard',
        limit_usd: p.limit_usd,
        spent_usd: p.spent_usd,
        committed_usd: p.committed_usd,
        used_percent: round1(used),
        forecast_usd: round6(forecast),
        forecast_percent: round1((forecast / p.limit_usd) * 100),
        requests: p.requests,
        status: used >= 100 ? 'at-cap' : used >= warn ? 'warn' : forecast > p.limit_usd ? 'forecast-over' : 'ok',
        resets_at: p.resets_at,
      })
    }
  })
  return rows
}

const round1 = (v: number) => Math.round(v * 10) / 10
const round6 = (v: number) => Math.round(v * 1e6) / 1e6

/** Every level's budgets, from the tokens table: org, teams, users, keys (tokens), tags. */
export async function budgetSubjects(admin: TokenAdmin): Promise<SpendSubject[]> {
  const [org, teams, users, tokens, tags] = await Promise.all([
    admin.getBudgets('org', ORG_ID),
    admin.listTeams(),
    admin.listBudgets('user'),
    admin.list(),
    admin.listBudgets('tag'),
  ])
  const subjects: SpendSubject[] = [
    ...(org ? [{ level: 'org' as const, id: ORG_ID, policy: pickBudgets(org) }] : []),
    ...teams.map((t) => ({ level: 'team' as const, id: t.team, policy: pickBudgets(pickPolicy(t)) })),
    ...users.map((u) => ({ level: 'user' as const, id: u.name, policy: pickBudgets(u) })),
    ...tokens.filter((t) => t.enabled).map((t) => ({ level: 'key' as const, id: t.token_id, policy: pickBudgets(t) })),
    ...tags.map((t) => ({ level: 'tag' as const, id: t.name, policy: pickBudgets(t) })),
  ]
  return subjects.filter((s) => hasBudget(s.policy))
}
