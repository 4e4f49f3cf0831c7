// Usage counters in the usage table: request-rate windows and spend per budget level.
// Shared by the proxy (admission, settlement, alerts) and the CLI (`tokens show`,
// `teams show`, `report budgets`).
//
// Money is kept as whole micro-USD (1e-6 USD): DynamoDB ADD on integers is exact, while
// JS floats would accumulate binary noise in the stored decimal.
//
// Spend: per level and id, one item per UTC month holding the month's totals and each
// day's totals (`committed_month`, `committed_d21`, …), so one conditional UpdateItem
// checks and reserves against the daily and the monthly budget; and one item per week
// (weeks straddle months) holding `committed_week`, …. `committed` = spent + in-flight
// reservations. DynamoDB condition expressions cannot add numbers, so the admission check
// "committed + estimate <= limit" is sent as "committed <= limit − estimate".
//
// Alerts are deduplicated on the same items: the first instance to set `alerted_<kind>_<
// period attr suffix>` (conditional on its absence) sends the alert; every other one sees
// the condition fail. The flag lives and expires with the period's item.

/**
 * Whose budget. org: the whole deployment; team; user: across all their tokens; key: one
 * token; tag: a request tag (`x-codex-proxy-tag`). A request passes every level that applies.
 */
export type Level = 'org' | 'team' | 'user' | 'key' | 'tag'
export const LEVELS: readonly Level[] = ['org', 'team', 'user', 'key', 'tag']
/** The id of the one org-level item: the deployment. */
export const ORG_ID = 'deployment'

/** Whose request rate: `rpm` is set per token, and optionally per team. */
export type RateScope = 'token' | 'team'
export type Period = 'day' | 'week' | 'month'
export const PERIODS: readonly Period[] = ['day', 'week', 'month']
/** The periods each spend item holds: the month item holds days and the month. */
export const ITEM_PERIODS: Record<'month' | 'week', readonly Period[]> = { month: ['day', 'month'], week: ['week'] }
export const itemOfPeriod = (p: Period): 'month' | 'week' => (p === 'week' ? 'week' : 'month')

/** Requests taken in a rate window. */
export const RATE_ATTR = 'request_count'

export type SpendMeasure = 'committed' | 'spent' | 'requests'

const suffixOf = (period: Period, at: Date) => (period === 'day' ? `d${pad(at.getUTCDate())}` : period)

/** Attribute of a spend item: `committed_month`, `spent_d07`, `requests_week` (micro-USD; requests: count). */
export function spendAttr(measure: SpendMeasure, period: Period, at: Date): string {
  return `${measure}_${suffixOf(period, at)}`
}

export type AlertKind = 'warn' | 'cap'
/** Attribute marking that a period's alert of this kind was sent (epoch ms); on the period's item. */
export function alertAttr(kind: AlertKind, period: Period, at: Date): string {
  return `alerted_${kind}_${suffixOf(period, at)}`
}

export const MICRO = 1_000_000
export const toMicroUsd = (usd: number) => Math.round(usd * MICRO)
export const fromMicroUsd = (micro: number) => micro / MICRO

const pad = (n: number) => String(n).padStart(2, '0')
const dayOf = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
const monthOf = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`
const minuteOf = (d: Date) => `${dayOf(d)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`

/** Requests in the current one-minute window (fixed window, UTC). */
export function rateKey(scope: RateScope, id: string, at: Date): string {
  return `rpm#${scope}#${id}#${minuteOf(at)}`
}

/** The spend item of a level's id for the UTC month of `at` (days and month). */
export function spendKey(level: Level, id: string, at: Date): string {
  return `spend#${level}#${id}#${monthOf(at)}`
}

/** The spend item of a level's id for the week of `at` (ISO weeks: Monday 00:00 UTC), named by its Monday. */
export function weekSpendKey(level: Level, id: string, at: Date): string {
  return `spend#${level}#${id}#w${dayOf(periodStart('week', at))}`
}

/** The item that holds a period's counters. */
export function spendItemKey(level: Level, id: string, period: Period, at: Date): string {
  return period === 'week' ? weekSpendKey(level, id, at) : spendKey(level, id, at)
}

/** When the window or budget period containing `at` starts (UTC). */
export function periodStart(period: Period | 'minute', at: Date): Date {
  if (period === 'minute') return new Date(Math.floor(at.getTime() / 60_000) * 60_000)
  if (period === 'day') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
  if (period === 'week') {
    const sinceMonday = (at.getUTCDay() + 6) % 7
    return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - sinceMonday))
  }
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1))
}

/** When the window or budget period containing `at` ends (UTC). */
export function periodEnd(period: Period | 'minute', at: Date): Date {
  if (period === 'minute') return new Date(Math.floor(at.getTime() / 60_000) * 60_000 + 60_000)
  if (period === 'day') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1))
  if (period === 'week') return new Date(periodStart('week', at).getTime() + 7 * 86_400_000)
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1))
}

/**
 * TTL (epoch seconds) of a counter item: rate windows are useless after a few minutes;
 * spend items stay long enough for `tokens show` and month-over-month questions.
 */
export function counterExpiry(period: Period | 'minute', at: Date): number {
  const keepMs = period === 'minute' ? 5 * 60_000 : period === 'day' ? 40 * 86_400_000 : 400 * 86_400_000
  return Math.floor((periodEnd(period, at).getTime() + keepMs) / 1000)
}
