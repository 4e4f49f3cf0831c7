// Conditional counters on real dynalite: the atomicity that rate limits and budgets rest on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { startTestStores, type TestStores } from '../support/stores.js'

let t: TestStores
let counters: DynamoCounterStore
const ttl = Math.floor(Date.now() / 1000) + 3600

beforeAll(async () => {
  t = await startTestStores()
  counters = new DynamoCounterStore(t.dynamo, t.names.usageTable)
})
afterAll(async () => {
  await t.close()
})

describe('DynamoDB counters (dynalite)', () => {
  it('adds while the value is at most the ceiling, then refuses with the current value', async () => {
    const results = []
    for (let i = 0; i < 4; i++) results.push(await counters.addWithin('c-seq', { n: 1 }, { n: 2 }, ttl))
    expect(results).toEqual([
      { ok: true, values: { n: 1 } },
      { ok: true, values: { n: 2 } },
      { ok: true, values: { n: 3 } },
      { ok: false, current: { n: 3 } },
    ])
  })

  it('refuses on an absent item when the ceiling is negative (estimate above the limit)', async () => {
    expect(await counters.addWithin('c-neg', { n: 5 }, { n: -1 }, ttl)).toEqual({ ok: false, current: { n: 0 } })
  })

  it('checks several ceilings in one update: any one over refuses, nothing is added', async () => {
    expect(await counters.addWithin('c-two', { day: 3, month: 3 }, { day: 10, month: 10 }, ttl)).toEqual({ ok: true, values: { day: 3, month: 3 } })
    await counters.add('c-two', { month: 8 }, ttl)
    expect(await counters.addWithin('c-two', { day: 3, month: 3 }, { day: 10, month: 10 }, ttl)).toEqual({ ok: false, current: { day: 3, month: 11 } })
    expect((await counters.get(['c-two'])).get('c-two')).toMatchObject({ day: 3, month: 11 })
  })

  it('adds without a condition when no ceiling is given', async () => {
    expect(await counters.addWithin('c-free', { n: 7 }, {}, ttl)).toEqual({ ok: true, values: { n: 7 } })
  })

  it('admits exactly ceiling+1 of 100 concurrent conditional adds', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => counters.addWithin('c-race', { n: 1 }, { n: 9 }, ttl)))
    expect(results.filter((r) => r.ok)).toHaveLength(10)
  })

  it('adds several attributes at once, negatives included, and sets the TTL', async () => {
    await counters.add('c-multi', { a: 5, b: 2 }, ttl)
    expect(await counters.add('c-multi', { a: -3, b: 1 }, ttl)).toEqual({ a: 2, b: 3 })
    const got = await counters.get(['c-multi', 'c-missing'])
    expect(got.get('c-multi')).toMatchObject({ a: 2, b: 3, expires_at: ttl })
    expect(got.has('c-missing')).toBe(false)
  })

  it('reads more than 100 items in batches', async () => {
    const keys = Array.from({ length: 130 }, (_, i) => `c-batch-${i}`)
    await Promise.all(keys.map((k) => counters.add(k, { n: 1 }, ttl)))
    expect((await counters.get(keys)).size).toBe(130)
  })
})

describe('alert claims (dynalite)', () => {
  it('lets exactly one of many concurrent claimers win, until the claim is released', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => counters.claim('c-alert', 'alerted_warn_d01', 1000 + i, ttl)))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await counters.claim('c-alert', 'alerted_warn_d01', 2000, ttl)).toBe(false)
    // Another period's (or kind's) flag on the same item is claimed on its own.
    expect(await counters.claim('c-alert', 'alerted_cap_d01', 3000, ttl)).toBe(true)
    await counters.release('c-alert', 'alerted_warn_d01')
    expect(await counters.claim('c-alert', 'alerted_warn_d01', 4000, ttl)).toBe(true)
  })

  it('keeps the counters of the item it marks', async () => {
    await counters.add('c-mixed', { committed_d01: 5 }, ttl)
    expect(await counters.claim('c-mixed', 'alerted_cap_month', 1, ttl)).toBe(true)
    expect((await counters.get(['c-mixed'])).get('c-mixed')).toMatchObject({ committed_d01: 5, alerted_cap_month: 1, expires_at: ttl })
  })
})
