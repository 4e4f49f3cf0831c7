import { beforeEach, describe, expect, it } from 'vitest'
import { alertAttr, type Level, ORG_ID, type Period, RATE_ATTR, spendAttr, spendItemKey, spendKey, weekSpendKey } from '../../../lambda/src/contracts/counters.js'
import type { Caller } from '../../../lambda/src/contracts/tables.js'
import { Governor } from '../../../lambda/src/core/governance/governor.js'
import { CountingMetrics, MemoryAlertSink, MemoryCounterStore } from '../../support/memory-ports.js'

let counters: MemoryCounterStore
let metrics: CountingMetrics
let alerts: MemoryAlertSink
let governor: Governor
const at = new Date('2026-11-21T10:00:30Z') // a Saturday; its week began Monday 2026-11-16
const TOKEN = 'tok_aaaaaaaaaaaa'
const alice = (policy: Partial<Caller> = {}): Caller => ({ token_id: TOKEN, user_id: 'alice', ...policy })
const measure = (m: 'committed' | 'spent', level: Level, id: string, period: Period) => counters.items.get(spendItemKey(level, id, period, at))?.[spendAttr(m, period, at)] ?? 0
const committed = (level: Level, id: string, period: Period) => measure('committed', level, id, period)
const spent = (level: Level, id: string, period: Period) => measure('spent', level, id, period)
const admit = (caller: Caller, estimateUsd: number, extra: { tag?: { name: string; policy?: Caller['user_policy'] }; at?: Date } = {}) =>
  governor.admit({ caller, estimateUsd, at: extra.at ?? at, tag: extra.tag })

beforeEach(() => {
  counters = new MemoryCounterStore()
  metrics = new CountingMetrics()
  alerts = new MemoryAlertSink()
  governor = new Governor(counters, metrics, () => {}, alerts)
})

describe('rate limits', () => {
  it('admits exactly rpm requests in a minute, then refuses with the wait', async () => {
    const results = []
    for (let i = 0; i < 5; i++) results.push(await admit(alice({ rpm: 3 }), 0.01))
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false])
    const refused = results[3]!
    expect(refused.ok === false && refused.refusal).toEqual({ code: 'rate_limited', level: 'token', detail: `token ${TOKEN} allows 3 requests per minute; retry in 30 s`, retryAfterSeconds: 30 })
  })

  it('starts a fresh window each minute', async () => {
    await admit(alice({ rpm: 1 }), 0.01)
    expect((await admit(alice({ rpm: 1 }), 0.01)).ok).toBe(false)
    expect((await admit(alice({ rpm: 1 }), 0.01, { at: new Date(at.getTime() + 60_000) })).ok).toBe(true)
  })

  it('applies the team rate, and gives the token window back when the team refuses', async () => {
    const caller = alice({ rpm: 10, team: 'eng', team_policy: { rpm: 1 } })
    expect((await admit(caller, 0.01)).ok).toBe(true)
    const second = await admit(caller, 0.01)
    expect(second.ok === false && second.refusal.detail).toContain('team eng allows 1 requests per minute')
    const tokenWindow = [...counters.items].find(([k]) => k.startsWith('rpm#token#'))![1]
    expect(tokenWindow[RATE_ATTR]).toBe(1) // the first request; the refused second one was given back
  })

  it('takes the rate window of a call that costs nothing', async () => {
    const caller = alice({ rpm: 1, budget_daily_usd: 1 })
    expect((await admit(caller, 0)).ok).toBe(true)
    expect((await admit(caller, 0)).ok).toBe(false)
  })
})

describe('every level refuses on its own, naming itself', () => {
  const cases: [Level, string, (limit: Caller['user_policy']) => { caller: Caller; tag?: { name: string; policy?: Caller['user_policy'] } }][] = [
    ['org', ORG_ID, (p) => ({ caller: alice({ org_policy: p }) })],
    ['team', 'eng', (p) => ({ caller: alice({ team: 'eng', team_policy: p }) })],
    ['user', 'alice', (p) => ({ caller: alice({ user_policy: p }) })],
    ['key', TOKEN, (p) => ({ caller: alice(p) })],
    ['tag', 'proj-x', (p) => ({ caller: alice(), tag: { name: 'proj-x', policy: p } })],
  ]
  for (const [level, id, setup] of cases) {
    for (const [period, field, name, reset] of [
      ['day', 'budget_daily_usd', 'daily', '2026-11-22T00:00:00.000Z'],
      ['week', 'budget_weekly_usd', 'weekly', '2026-11-23T00:00:00.000Z'],
      ['month', 'budget_monthly_usd', 'monthly', '2026-12-01T00:00:00.000Z'],
    ] as const) {
      it(`${level} ${period}: admits up to the limit, then refuses with 'budget_exceeded' naming ${level} ${id}`, async () => {
        const { caller, tag } = setup({ [field]: 1 })
        const verdicts = []
        for (let i = 0; i < 4; i++) verdicts.push(await admit(caller, 0.3, { ...(tag && { tag }) }))
        expect(verdicts.map((v) => v.ok)).toEqual([true, true, true, false])
        const refusal = verdicts[3]!.ok === false ? verdicts[3]!.refusal : undefined
        expect(refusal).toMatchObject({
          code: 'budget_exceeded',
          level,
          detail: `${level} ${id} ${name} budget of $1.00 reached ($0.90 spent or reserved); resets ${reset}`,
          remaining: { level, id, period },
        })
        expect(refusal!.remaining!.usd).toBeCloseTo(0.1, 6)
        expect(committed(level, id, period)).toBe(900_000)
      })
    }
  }

  it('gives back every other level when one refuses', async () => {
    const caller = alice({ budget_daily_usd: 10, user_policy: { budget_weekly_usd: 10 }, org_policy: { budget_monthly_usd: 10 }, team: 'eng', team_policy: { budget_monthly_usd: 0.2 } })
    const verdict = await admit(caller, 0.3)
    expect(verdict.ok === false && verdict.refusal.detail).toContain('team eng monthly budget of $0.20 reached')
    expect(committed('key', TOKEN, 'day')).toBe(0)
    expect(committed('user', 'alice', 'week')).toBe(0)
    expect(committed('org', ORG_ID, 'month')).toBe(0)
  })

  it('refuses a single request whose estimate exceeds the whole budget', async () => {
    expect((await admit(alice({ budget_daily_usd: 0.1 }), 0.5)).ok).toBe(false)
    expect(committed('key', TOKEN, 'day')).toBe(0)
  })

  it('does not apply a tag level to a request without a tag', async () => {
    expect((await admit(alice(), 0.5)).ok).toBe(true)
    expect([...counters.items.keys()].some((k) => k.startsWith('spend#tag#'))).toBe(false)
  })
})

describe('settlement', () => {
  it('settles the actual cost in place of the estimate, on the month and the week item', async () => {
    const verdict = await admit(alice({ budget_daily_usd: 1, budget_weekly_usd: 5 }), 0.3)
    expect(committed('key', TOKEN, 'day')).toBe(300_000)
    expect(committed('key', TOKEN, 'week')).toBe(300_000)
    await (verdict.ok && verdict.admission.settle(0.05))
    expect(committed('key', TOKEN, 'day')).toBe(50_000)
    expect(committed('key', TOKEN, 'week')).toBe(50_000)
    expect(spent('key', TOKEN, 'day')).toBe(50_000)
    expect(spent('key', TOKEN, 'week')).toBe(50_000)
  })

  it('keeps the estimate when the actual cost is unknown', async () => {
    const verdict = await admit(alice({ budget_daily_usd: 1 }), 0.3)
    await (verdict.ok && verdict.admission.settle(null))
    expect(committed('key', TOKEN, 'day')).toBe(300_000)
  })

  it('releases the reservation when nothing was charged', async () => {
    const verdict = await admit(alice({ budget_daily_usd: 1 }), 0.3)
    await (verdict.ok && verdict.admission.settle(0))
    expect(committed('key', TOKEN, 'day')).toBe(0)
  })

  it('settles only once', async () => {
    const verdict = await admit(alice(), 0.3)
    if (!verdict.ok) throw new Error('refused')
    await verdict.admission.settle(0.1)
    await verdict.admission.settle(0.1)
    expect(spent('user', 'alice', 'day')).toBe(100_000)
  })

  it('records spend at every level that applies, with budgets or without', async () => {
    const verdict = await admit(alice({ team: 'eng' }), 0.3, { tag: { name: 'proj-x' } })
    await (verdict.ok && verdict.admission.settle(0.02))
    for (const [level, id] of [['org', ORG_ID], ['team', 'eng'], ['user', 'alice'], ['key', TOKEN], ['tag', 'proj-x']] as const) {
      for (const period of ['day', 'week', 'month'] as const) expect(spent(level, id, period), `${level} ${period}`).toBe(20_000)
    }
  })

  it('leaves no trace of a call that costs nothing', async () => {
    const verdict = await admit(alice({ budget_daily_usd: 1, user_policy: { budget_monthly_usd: 5 } }), 0)
    expect(verdict.ok && verdict.admission.remaining).toBeUndefined()
    await (verdict.ok && verdict.admission.settle(0))
    expect(counters.items.size).toBe(0)
    expect(counters.calls).toBe(0)
  })

  it('keeps weeks apart across a month boundary: the week item spans both months', async () => {
    const caller = alice({ budget_weekly_usd: 1 })
    const monday = new Date('2026-11-30T12:00:00Z')
    const tuesday = new Date('2026-12-01T12:00:00Z')
    expect(weekSpendKey('key', TOKEN, monday)).toBe(weekSpendKey('key', TOKEN, tuesday))
    expect(spendKey('key', TOKEN, monday)).not.toBe(spendKey('key', TOKEN, tuesday))
    expect((await admit(caller, 0.6, { at: monday })).ok).toBe(true)
    const second = await admit(caller, 0.6, { at: tuesday })
    expect(second.ok === false && second.refusal.detail).toContain('weekly budget of $1.00 reached ($0.60 spent or reserved); resets 2026-12-07T00:00:00.000Z')
  })
})

describe('remaining budget', () => {
  it('reports the tightest limit across levels and periods, after this request', async () => {
    const caller = alice({ budget_daily_usd: 10, user_policy: { budget_weekly_usd: 2 }, team: 'eng', team_policy: { budget_monthly_usd: 100 } })
    const verdict = await admit(caller, 0.5)
    if (!verdict.ok) throw new Error('refused')
    expect(verdict.admission.remaining).toEqual({ usd: 1.5, level: 'user', id: 'alice', period: 'week' })
    expect(verdict.admission.remainingAfter(0.1)).toEqual({ usd: 1.9, level: 'user', id: 'alice', period: 'week' })
    expect(verdict.admission.remainingAfter(null)).toEqual({ usd: 1.5, level: 'user', id: 'alice', period: 'week' })
  })

  it('is absent when no budget applies', async () => {
    const verdict = await admit(alice({ rpm: 5 }), 0.5)
    expect(verdict.ok && verdict.admission.remaining).toBeUndefined()
  })
})

describe('warnings and soft budgets', () => {
  it('warns from the warn threshold (default 80 %) and counts a metric', async () => {
    const caller = alice({ user_policy: { budget_daily_usd: 1 } })
    const first = await admit(caller, 0.5)
    expect(first.ok && first.admission.warnings).toEqual([])
    const second = await admit(caller, 0.35)
    expect(second.ok && second.admission.warnings).toEqual(['user alice daily budget 85% used: $0.85 of $1.00 incl. this request; resets 2026-11-22T00:00:00.000Z'])
    expect(metrics.count('BudgetWarnings', { Level: 'user' })).toBe(1)
  })

  it('never refuses on a soft budget, and says when it is exceeded', async () => {
    const caller = alice({ org_policy: { budget_daily_usd: 0.5, budget_mode: 'soft' } })
    for (let i = 0; i < 3; i++) expect((await admit(caller, 0.3)).ok).toBe(true)
    const last = await admit(caller, 0.3)
    expect(last.ok && last.admission.warnings[0]).toContain(`org ${ORG_ID} daily budget exceeded (soft limit): $1.20 of $0.50`)
  })

  it('honours a custom warn threshold', async () => {
    const verdict = await admit(alice({ budget_daily_usd: 1, budget_warn_percent: 50 }), 0.6)
    expect(verdict.ok && verdict.admission.warnings).toHaveLength(1)
  })
})

describe('alerts', () => {
  const settle = async () => new Promise((r) => setTimeout(r, 0))

  it('sends one warn alert when the threshold is reached, not one per request past it', async () => {
    const caller = alice({ team: 'eng', team_policy: { budget_daily_usd: 1 } })
    for (let i = 0; i < 3; i++) await admit(caller, 0.3) // 30 %, 60 %, 90 %
    await settle()
    expect(alerts.sent).toHaveLength(0 + 1)
    expect(alerts.sent[0]).toMatchObject({ kind: 'warn', level: 'team', id: 'eng', period: 'day', limit_usd: 1, used_usd: 0.9, percent: 90, blocked: false, resets_at: '2026-11-22T00:00:00.000Z' })
    expect(counters.items.get(spendKey('team', 'eng', at))?.[alertAttr('warn', 'day', at)]).toBe(at.getTime())
    expect(metrics.count('BudgetAlerts', { Level: 'team', Kind: 'warn' })).toBe(1)
  })

  it('sends one cap alert when a hard budget refuses, however many requests it refuses', async () => {
    const caller = alice({ user_policy: { budget_monthly_usd: 0.5 } })
    for (let i = 0; i < 5; i++) await admit(caller, 0.3)
    await settle()
    const caps = alerts.sent.filter((a) => a.kind === 'cap')
    expect(caps).toHaveLength(1)
    expect(caps[0]).toMatchObject({ level: 'user', id: 'alice', period: 'month', blocked: true, used_usd: 0.3 })
  })

  it('deduplicates across instances: the second governor on the same counters sends nothing', async () => {
    const other = new Governor(counters, metrics, () => {}, alerts)
    const caller = alice({ budget_daily_usd: 1 })
    await admit(caller, 0.9)
    await other.admit({ caller, estimateUsd: 0.05, at })
    await settle()
    expect(alerts.sent.filter((a) => a.kind === 'warn')).toHaveLength(1)
    expect(counters.claims).toBe(2) // one claim each; the second lost the conditional write
  })

  it('alerts again in the next period', async () => {
    const caller = alice({ budget_daily_usd: 1 })
    await admit(caller, 0.9)
    await admit(caller, 0.9, { at: new Date(at.getTime() + 86_400_000) })
    await settle()
    expect(alerts.sent.map((a) => a.resets_at)).toEqual(['2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'])
  })

  it('alerts at settlement when the actual cost crosses a threshold the estimate did not', async () => {
    const verdict = await admit(alice({ budget_daily_usd: 1, budget_mode: 'soft' }), 0.1)
    await settle()
    expect(alerts.sent).toHaveLength(0)
    await (verdict.ok && verdict.admission.settle(1.2))
    expect(alerts.sent.map((a) => [a.kind, a.percent])).toEqual([
      ['warn', 120],
      ['cap', 120],
    ])
  })

  it('gives the claim back when the alert cannot be sent, so a later request retries it', async () => {
    alerts.failWith = new Error('webhook down')
    const caller = alice({ budget_daily_usd: 1 })
    await admit(caller, 0.85)
    await settle()
    expect(metrics.count('BudgetAlertFailures')).toBe(1)
    expect(counters.items.get(spendKey('key', TOKEN, at))?.[alertAttr('warn', 'day', at)]).toBeUndefined()
    alerts.failWith = undefined
    await admit(caller, 0.01)
    await settle()
    expect(alerts.sent).toHaveLength(1)
  })

  it('hands alert work to waitUntil so the host keeps the invocation alive for it', async () => {
    const pending: Promise<unknown>[] = []
    await governor.admit({ caller: alice({ budget_daily_usd: 1 }), estimateUsd: 0.9, at, waitUntil: (p) => void pending.push(p) })
    expect(pending.length).toBeGreaterThan(0)
    await Promise.all(pending)
    expect(alerts.sent).toHaveLength(1)
  })
})

describe('store failures', () => {
  it('throws (the core answers usage_check_failed) when counters are unavailable', async () => {
    counters.failWith = new Error('ProvisionedThroughputExceeded')
    await expect(admit(alice({ rpm: 5 }), 0.1)).rejects.toThrow('ProvisionedThroughputExceeded')
  })

  it('counts a metric when the spend cannot be recorded, without throwing', async () => {
    const verdict = await admit(alice(), 0.1)
    counters.failWith = new Error('down')
    await (verdict.ok && verdict.admission.settle(0.1))
    expect(metrics.count('SpendRecordFailures')).toBe(1)
  })
})

describe('counter calls per request', () => {
  it('a level costs its item writes in the same round trip: rate windows + one write per limited item', async () => {
    const caller = alice({
      rpm: 100,
      budget_daily_usd: 10,
      budget_monthly_usd: 100,
      user_policy: { budget_weekly_usd: 50 },
      org_policy: { budget_monthly_usd: 1000, budget_weekly_usd: 500 },
      team: 'eng',
      team_policy: { rpm: 1000, budget_daily_usd: 50, budget_monthly_usd: 500 },
    })
    const verdict = await admit(caller, 0.1, { tag: { name: 'proj-x', policy: { budget_daily_usd: 5 } } })
    // token + team windows; key month item; user week item; org month + week items; team month item; tag month item
    expect(counters.calls).toBe(2 + 1 + 1 + 2 + 1 + 1)
    await (verdict.ok && verdict.admission.settle(0.05))
    expect(counters.calls).toBe(8 + 5 * 2) // settlement: month and week item of each of the 5 levels
  })

  it('makes no call to admit a caller without limits; settlement writes each level', async () => {
    const verdict = await admit(alice(), 0.1)
    expect(counters.calls).toBe(0)
    await (verdict.ok && verdict.admission.settle(0.05))
    expect(counters.calls).toBe(3 * 2) // org, user, key
  })
})
