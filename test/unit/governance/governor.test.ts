import { beforeEach, describe, expect, it } from 'vitest'
import { RATE_ATTR, spendAttr, spendKey } from '../../../lambda/src/contracts/counters.js'
import type { Caller } from '../../../lambda/src/contracts/tables.js'
import { Governor } from '../../../lambda/src/core/governance/governor.js'
import { CountingMetrics, MemoryCounterStore } from '../../support/memory-ports.js'

let counters: MemoryCounterStore
let metrics: CountingMetrics
let governor: Governor
const at = new Date('2026-11-21T10:00:30Z')
const alice = (policy: Partial<Caller> = {}): Caller => ({ token_id: 'tok_aaaaaaaaaaaa', user_id: 'alice', ...policy })
const committed = (level: 'user' | 'team', id: string, period: 'day' | 'month') => counters.items.get(spendKey(level, id, at))?.[spendAttr('committed', period, at)] ?? 0
const spent = (level: 'user' | 'team', id: string, period: 'day' | 'month') => counters.items.get(spendKey(level, id, at))?.[spendAttr('spent', period, at)] ?? 0

beforeEach(() => {
  counters = new MemoryCounterStore()
  metrics = new CountingMetrics()
  governor = new Governor(counters, metrics, () => {})
})

describe('rate limits', () => {
  it('admits exactly rpm requests in a minute, then refuses with the wait', async () => {
    const results = []
    for (let i = 0; i < 5; i++) results.push(await governor.admit({ caller: alice({ rpm: 3 }), estimateUsd: 0.01, at }))
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false])
    const refused = results[3]!
    expect(refused.ok === false && refused.refusal).toEqual({ code: 'rate_limited', detail: 'token tok_aaaaaaaaaaaa allows 3 requests per minute; retry in 30 s', retryAfterSeconds: 30 })
  })

  it('starts a fresh window each minute', async () => {
    await governor.admit({ caller: alice({ rpm: 1 }), estimateUsd: 0.01, at })
    expect((await governor.admit({ caller: alice({ rpm: 1 }), estimateUsd: 0.01, at })).ok).toBe(false)
    expect((await governor.admit({ caller: alice({ rpm: 1 }), estimateUsd: 0.01, at: new Date(at.getTime() + 60_000) })).ok).toBe(true)
  })

  it('applies the team rate, and gives the token window back when the team refuses', async () => {
    const caller = alice({ rpm: 10, team: 'eng', team_policy: { rpm: 1 } })
    expect((await governor.admit({ caller, estimateUsd: 0.01, at })).ok).toBe(true)
    const second = await governor.admit({ caller, estimateUsd: 0.01, at })
    expect(second.ok === false && second.refusal.detail).toContain('team eng allows 1 requests per minute')
    const tokenWindow = [...counters.items].find(([k]) => k.startsWith('rpm#token#'))![1]
    expect(tokenWindow[RATE_ATTR]).toBe(1) // the first request; the refused second one was given back
  })
})

describe('hard budgets', () => {
  it('refuses once the reservations would pass the limit, naming level, limit, spend and reset', async () => {
    const caller = alice({ budget_daily_usd: 1 })
    const verdicts = []
    for (let i = 0; i < 4; i++) verdicts.push(await governor.admit({ caller, estimateUsd: 0.3, at }))
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, true, false])
    const refusal = verdicts[3]!.ok === false ? verdicts[3]!.refusal : undefined
    expect(refusal).toEqual({
      code: 'budget_exceeded',
      detail: 'user alice daily budget of $1.00 reached ($0.90 spent or reserved); resets 2026-11-22T00:00:00.000Z',
      retryAfterSeconds: 50_370,
    })
  })

  it('refuses a single request whose estimate exceeds the whole budget', async () => {
    expect((await governor.admit({ caller: alice({ budget_daily_usd: 0.1 }), estimateUsd: 0.5, at })).ok).toBe(false)
    expect(committed('user', 'alice', 'day')).toBe(0)
  })

  it('settles the actual cost in place of the estimate', async () => {
    const verdict = await governor.admit({ caller: alice({ budget_daily_usd: 1 }), estimateUsd: 0.3, at })
    expect(committed('user', 'alice', 'day')).toBe(300_000)
    await (verdict.ok && verdict.admission.settle(0.05))
    expect(committed('user', 'alice', 'day')).toBe(50_000)
    expect(spent('user', 'alice', 'day')).toBe(50_000)
  })

  it('keeps the estimate when the actual cost is unknown', async () => {
    const verdict = await governor.admit({ caller: alice({ budget_daily_usd: 1 }), estimateUsd: 0.3, at })
    await (verdict.ok && verdict.admission.settle(null))
    expect(committed('user', 'alice', 'day')).toBe(300_000)
  })

  it('releases the reservation when nothing was charged', async () => {
    const verdict = await governor.admit({ caller: alice({ budget_daily_usd: 1 }), estimateUsd: 0.3, at })
    await (verdict.ok && verdict.admission.settle(0))
    expect(committed('user', 'alice', 'day')).toBe(0)
  })

  it('settles only once', async () => {
    const verdict = await governor.admit({ caller: alice(), estimateUsd: 0.3, at })
    if (!verdict.ok) throw new Error('refused')
    await verdict.admission.settle(0.1)
    await verdict.admission.settle(0.1)
    expect(spent('user', 'alice', 'day')).toBe(100_000)
  })

  it('rolls back the user reservation when the team budget refuses', async () => {
    const caller = alice({ budget_daily_usd: 10, team: 'eng', team_policy: { budget_monthly_usd: 0.2 } })
    const verdict = await governor.admit({ caller, estimateUsd: 0.3, at })
    expect(verdict.ok === false && verdict.refusal.detail).toContain('team eng monthly budget of $0.20 reached')
    expect(committed('user', 'alice', 'day')).toBe(0)
  })

  it('records spend on user and team counters even without budgets', async () => {
    const verdict = await governor.admit({ caller: alice({ team: 'eng' }), estimateUsd: 0.3, at })
    await (verdict.ok && verdict.admission.settle(0.02))
    expect(spent('user', 'alice', 'day')).toBe(20_000)
    expect(spent('user', 'alice', 'month')).toBe(20_000)
    expect(spent('team', 'eng', 'day')).toBe(20_000)
    expect(spent('team', 'eng', 'month')).toBe(20_000)
  })
})

describe('warnings and soft budgets', () => {
  it('warns from the warn threshold (default 80 %) and counts a metric', async () => {
    const caller = alice({ budget_daily_usd: 1 })
    const first = await governor.admit({ caller, estimateUsd: 0.5, at })
    expect(first.ok && first.admission.warnings).toEqual([])
    const second = await governor.admit({ caller, estimateUsd: 0.35, at })
    expect(second.ok && second.admission.warnings).toEqual(['user alice daily budget 85% used: $0.85 of $1.00 incl. this request; resets 2026-11-22T00:00:00.000Z'])
    expect(metrics.count('BudgetWarnings', { Level: 'user' })).toBe(1)
  })

  it('never refuses on a soft budget, and says when it is exceeded', async () => {
    const caller = alice({ budget_daily_usd: 0.5, budget_mode: 'soft' })
    for (let i = 0; i < 3; i++) expect((await governor.admit({ caller, estimateUsd: 0.3, at })).ok).toBe(true)
    const last = await governor.admit({ caller, estimateUsd: 0.3, at })
    expect(last.ok && last.admission.warnings[0]).toContain('user alice daily budget exceeded (soft limit): $1.20 of $0.50')
  })

  it('honours a custom warn threshold', async () => {
    const verdict = await governor.admit({ caller: alice({ budget_daily_usd: 1, budget_warn_percent: 50 }), estimateUsd: 0.6, at })
    expect(verdict.ok && verdict.admission.warnings).toHaveLength(1)
  })
})

describe('store failures', () => {
  it('throws (the core answers usage_check_failed) when counters are unavailable', async () => {
    counters.failWith = new Error('ProvisionedThroughputExceeded')
    await expect(governor.admit({ caller: alice({ rpm: 5 }), estimateUsd: 0.1, at })).rejects.toThrow('ProvisionedThroughputExceeded')
  })

  it('counts a metric when the spend cannot be recorded, without throwing', async () => {
    const verdict = await governor.admit({ caller: alice(), estimateUsd: 0.1, at })
    counters.failWith = new Error('down')
    await (verdict.ok && verdict.admission.settle(0.1))
    expect(metrics.count('SpendRecordFailures')).toBe(1)
  })
})

describe('counter calls per request', () => {
  it('checks day and month budgets of a level in one update: 4 calls to admit, 2 to settle, with every limit set', async () => {
    const caller = alice({ rpm: 100, budget_daily_usd: 10, budget_monthly_usd: 100, team: 'eng', team_policy: { rpm: 1000, budget_daily_usd: 50, budget_monthly_usd: 500 } })
    const verdict = await governor.admit({ caller, estimateUsd: 0.1, at })
    expect(counters.calls).toBe(4) // token window, team window, user spend item, team spend item
    await (verdict.ok && verdict.admission.settle(0.05))
    expect(counters.calls).toBe(6)
  })

  it('makes no call to admit a caller without limits, and one to settle', async () => {
    const verdict = await governor.admit({ caller: alice(), estimateUsd: 0.1, at })
    expect(counters.calls).toBe(0)
    await (verdict.ok && verdict.admission.settle(0.05))
    expect(counters.calls).toBe(1)
  })
})
