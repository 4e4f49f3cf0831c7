import { describe, expect, it } from 'vitest'
import { budgetRows, forecastUsd } from '../../ops-cli/src/lib/budget-report.js'
import type { PeriodSpend, SpendSummary } from '../../ops-cli/src/lib/spend.js'

const period = (p: Partial<PeriodSpend> & Pick<PeriodSpend, 'period' | 'starts_at' | 'resets_at'>): PeriodSpend => ({ spent_usd: 0, committed_usd: 0, requests: 0, limit_usd: null, ...p })
const day = (spent: number, extra: Partial<PeriodSpend> = {}) => period({ period: 'day', starts_at: '2026-11-21T00:00:00.000Z', resets_at: '2026-11-22T00:00:00.000Z', spent_usd: spent, committed_usd: spent, ...extra })
const noon = new Date('2026-11-21T12:00:00Z')

describe('forecast to the end of the period', () => {
  it('extrapolates the spend so far linearly: half the day gone, $3 spent → $6', () => {
    expect(forecastUsd(day(3), noon)).toBeCloseTo(6, 9)
  })

  it('takes at least one hour of run rate, so an early first request does not forecast wildly', () => {
    expect(forecastUsd(day(1), new Date('2026-11-21T00:00:10Z'))).toBeCloseTo(24, 9)
  })

  it('is the spend itself once the period is over', () => {
    expect(forecastUsd(day(5), new Date('2026-11-22T03:00:00Z'))).toBe(5)
  })
})

describe('budget rows', () => {
  const summary = (d: PeriodSpend): SpendSummary => ({
    level: 'team',
    id: 'eng',
    day: d,
    week: period({ period: 'week', starts_at: '2026-11-16T00:00:00.000Z', resets_at: '2026-11-23T00:00:00.000Z' }),
    month: period({ period: 'month', starts_at: '2026-11-01T00:00:00.000Z', resets_at: '2026-12-01T00:00:00.000Z' }),
  })
  const row = (spent: number, committed: number, policy = {}) =>
    budgetRows([{ level: 'team', id: 'eng', policy: { budget_daily_usd: 10, ...policy } }], [summary(day(spent, { committed_usd: committed, limit_usd: 10 }))], noon)

  it('has one row per period with a limit', () => {
    expect(row(1, 1)).toHaveLength(1)
    expect(row(1, 1)[0]).toMatchObject({ level: 'team', id: 'eng', period: 'day', limit_usd: 10, used_percent: 10, forecast_usd: 2, forecast_percent: 20, status: 'ok', mode: 'hard' })
  })

  it('says forecast-over when the run rate passes the limit before the period ends', () => {
    expect(row(6, 6)[0]!.status).toBe('forecast-over')
  })

  it('says warn from the warn share of committed spend (in-flight reservations count)', () => {
    expect(row(2, 8.5)[0]!.status).toBe('warn')
    expect(row(2, 6, { budget_warn_percent: 50 })[0]!.status).toBe('warn')
  })

  it('says at-cap when committed spend has reached the limit', () => {
    expect(row(9.9, 10)[0]!.status).toBe('at-cap')
  })
})
