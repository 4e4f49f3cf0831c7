// Usage counters in the usage table: request-rate windows and spend per user and team.
// Shared by the proxy (admission and settlement) and the CLI (`tokens show`, `teams show`).
//
// Money is kept as whole micro-USD (1e-6 USD): DynamoDB ADD on integers is exact, while
// JS floats would accumulate binary noise in the stored decimal.
//
// Spend: one item per user (or team) and UTC month; the month's totals and each day's
// totals are attributes of it (`committed_month`, `committed_d21`, …), so one conditional
// UpdateItem checks and reserves against both budgets. `committed` = spent + in-flight
// reservations. DynamoDB condition expressions cannot add numbers, so the admission check
// "committed + estimate <= limit" is sent as "committed <= limit − estimate".

/** Whose budget: spend is counted per user (across all their tokens) and per team. */
export type Level = 'user' | 'team'
/** Whose request rate: `rpm` is set per token, and optionally per team. */
export type RateScope = 'token' | 'team'
export type Period = 'day' | 'month'

/** Requests taken in a rate window. */
export const RATE_ATTR = 'request_count'

export type SpendMeasure = 'committed' | 'spent' | 'requests'

/** Attribute of a spend item: `committed_month`, `spent_d07`, … (micro-USD; requests: count). */
export function spendAttr(measure: SpendMeasure, period: Period, at: Date): string {
  return period === 'month' ? `${measure}_month` : `${measure}_d${pad(at.getUTCDate())}`
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

/** The spend item of a user or team for the UTC month of `at`. */
export function spendKey(level: Level, id: string, at: Date): string {
  return `spend#${level}#${id}#${monthOf(at)}`
}

/** When the window or budget period containing `at` ends (UTC). */
export function periodEnd(period: Period | 'minute', at: Date): Date {
  if (period === 'minute') return new Date(Math.floor(at.getTime() / 60_000) * 60_000 + 60_000)
  if (period === 'day') return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1))
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
