// Spend vs limits for `tokens show`, `teams show` and `report budgets`, read from the usage
// counters (contracts/counters.ts: a month item with days and month, a week item).
import { fromMicroUsd, type Level, type Period, periodEnd, periodStart, spendAttr, spendItemKey } from '../../../lambda/src/contracts/counters.js'
import { ENV } from '../../../lambda/src/contracts/config.js'
import type { BudgetPolicy } from '../../../lambda/src/contracts/tables.js'
import { DynamoCounterStore } from '../../../lambda/src/stores/dynamo-counter-store.js'
import { dynamoClient, sdkDynamoWire } from '../../../lambda/src/stores/dynamo-sdk.js'
import { required, type Target } from './target.js'

export interface PeriodSpend {
  period: Period
  spent_usd: number
  /** Spent plus reservations of requests in flight. */
  committed_usd: number
  requests: number
  limit_usd: number | null
  starts_at: string
  resets_at: string
}

export interface SpendSummary {
  level: Level
  id: string
  day: PeriodSpend
  week: PeriodSpend
  month: PeriodSpend
}

export interface SpendSubject {
  level: Level
  id: string
  policy: BudgetPolicy
}

const LIMIT: Record<Period, keyof BudgetPolicy> = { day: 'budget_daily_usd', week: 'budget_weekly_usd', month: 'budget_monthly_usd' }
const PERIODS = ['day', 'week', 'month'] as const

export async function readSpend(target: Target, subjects: SpendSubject[], now = new Date()): Promise<SpendSummary[]> {
  const table = required(target.usageTable, 'usage table', 'usage-table', ENV.usageTable)
  const counters = new DynamoCounterStore(sdkDynamoWire(dynamoClient(target.aws)), table)
  const keys = subjects.flatMap((s) => [spendItemKey(s.level, s.id, 'month', now), spendItemKey(s.level, s.id, 'week', now)])
  const items = await counters.get([...new Set(keys)])
  const periodSpend = (s: SpendSubject, period: Period): PeriodSpend => {
    const item = items.get(spendItemKey(s.level, s.id, period, now)) ?? {}
    const limit = s.policy[LIMIT[period]]
    return {
      period,
      spent_usd: fromMicroUsd(item[spendAttr('spent', period, now)] ?? 0),
      committed_usd: fromMicroUsd(item[spendAttr('committed', period, now)] ?? 0),
      requests: item[spendAttr('requests', period, now)] ?? 0,
      limit_usd: typeof limit === 'number' ? limit : null,
      starts_at: periodStart(period, now).toISOString(),
      resets_at: periodEnd(period, now).toISOString(),
    }
  }
  return subjects.map((s) => ({ level: s.level, id: s.id, ...(Object.fromEntries(PERIODS.map((p) => [p, periodSpend(s, p)])) as Record<Period, PeriodSpend>) }))
}

const PERIOD_WORD: Record<Period, string> = { day: 'today', week: 'this week', month: 'this month' }

export function describeSpend(s: SpendSummary): string {
  const one = (p: PeriodSpend) =>
    `${PERIOD_WORD[p.period]} $${p.spent_usd.toFixed(4)}${p.limit_usd === null ? '' : ` of $${p.limit_usd} (${Math.round((p.committed_usd / p.limit_usd) * 100)}%)`}, ${p.requests} requests`
  return `spend (${s.level} ${s.id}): ${one(s.day)}; ${one(s.week)}; ${one(s.month)}`
}
