// Spend vs limits for `tokens show` and `teams show`, read from the usage counters.
import { fromMicroUsd, type Level, type Period, periodEnd, spendAttr, spendKey } from '../../../lambda/src/contracts/counters.js'
import { ENV } from '../../../lambda/src/contracts/config.js'
import type { TokenPolicy } from '../../../lambda/src/contracts/tables.js'
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
  resets_at: string
}

export interface SpendSummary {
  level: Level
  id: string
  day: PeriodSpend
  month: PeriodSpend
}

export async function readSpend(target: Target, subjects: { level: Level; id: string; policy: TokenPolicy }[], now = new Date()): Promise<SpendSummary[]> {
  const table = required(target.usageTable, 'usage table', 'usage-table', ENV.usageTable)
  const counters = new DynamoCounterStore(sdkDynamoWire(dynamoClient(target.aws)), table)
  const items = await counters.get(subjects.map((s) => spendKey(s.level, s.id, now)))
  const periodSpend = (s: (typeof subjects)[number], period: Period): PeriodSpend => {
    const item = items.get(spendKey(s.level, s.id, now)) ?? {}
    const limit = period === 'day' ? s.policy.budget_daily_usd : s.policy.budget_monthly_usd
    return {
      period,
      spent_usd: fromMicroUsd(item[spendAttr('spent', period, now)] ?? 0),
      committed_usd: fromMicroUsd(item[spendAttr('committed', period, now)] ?? 0),
      requests: item[spendAttr('requests', period, now)] ?? 0,
      limit_usd: limit ?? null,
      resets_at: periodEnd(period, now).toISOString(),
    }
  }
  return subjects.map((s) => ({ level: s.level, id: s.id, day: periodSpend(s, 'day'), month: periodSpend(s, 'month') }))
}

export function describeSpend(s: SpendSummary): string {
  const one = (p: PeriodSpend) =>
    `${p.period === 'day' ? 'today' : 'this month'} $${p.spent_usd.toFixed(4)}${p.limit_usd === null ? '' : ` of $${p.limit_usd} (${Math.round((p.committed_usd / p.limit_usd) * 100)}%)`}, ${p.requests} requests`
  return `spend (${s.level} ${s.id}): ${one(s.day)}; ${one(s.month)}`
}
