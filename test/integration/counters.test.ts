// Conditional counters on real dynalite: the atomicity that rate limits and budgets rest on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { startTestStores, type TestStores } from '../support/stores.js'

let t: TestStores
let counters: DynamoCounterStore
const ttl = Math.floor(Date.now() / 1000) + 3600

beforeAll(async () => {
  t = await startTestStores()
  counters = new DynamoCounterStore(t.doc, t.names.usageTable)
})
afterAll(async () => {
  await t.close()
})

describe('DynamoDB counters (dynalite)', () => {
  it('adds while the value is at most the ceiling, then refuses with the current value', async () => {
    const results = []
    for (let i = 0; i < 4; i++) results.push(await counters.addIfAtMost('c-seq', 'n', 1, 2, ttl))
    expect(results).toEqual([
      { ok: true, value: 1 },
      { ok: true, value: 2 },
      { ok: true, value: 3 },
      { ok: false, current: 3 },
    ])
  })

  it('refuses on an absent item when the ceiling is negative (estimate above the limit)', async () => {
    expect(await counters.addIfAtMost('c-neg', 'n', 5, -1, ttl)).toEqual({ ok: false, current: 0 })
  })

  it('admits exactly ceiling+1 of 100 concurrent conditional adds', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => counters.addIfAtMost('c-race', 'n', 1, 9, ttl)))
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
