// Conditional counters on real dynalite: the atomicity that rate limits and budgets rest on.
// The same specification runs against the Lambda's store (DynamoDB conditional updates)
// and the local host's in-process store written behind to the same table: their
// semantics must not differ. For the latter, each test also checks that what reached the
// table after a flush is what the store answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CounterStore } from '../../lambda/src/core/ports.js'
import { WriteBehindCounterStore } from '../../lambda/src/local/write-behind-counter-store.js'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { startTestStores, type TestStores } from '../support/stores.js'

let t: TestStores
const ttl = Math.floor(Date.now() / 1000) + 3600

beforeAll(async () => {
  t = await startTestStores()
})
afterAll(async () => {
  await t.close()
})

interface Variant {
  name: string
  /** Key prefix: both variants share one table. */
  prefix: string
  make(): CounterStore
  /** What the table holds for these keys once the store has written everything it holds. */
  persisted(store: CounterStore, keys: string[]): Promise<Map<string, Record<string, number>>>
}

const variants: Variant[] = [
  {
    name: 'DynamoCounterStore',
    prefix: 'd-',
    make: () => new DynamoCounterStore(t.dynamo, t.names.usageTable),
    persisted: (store, keys) => store.get(keys),
  },
  {
    name: 'WriteBehindCounterStore',
    prefix: 'w-',
    make: () => new WriteBehindCounterStore(t.dynamo, t.names.usageTable, { flushIntervalMs: 5 }),
    persisted: async (store, keys) => {
      await (store as WriteBehindCounterStore).close()
      return new DynamoCounterStore(t.dynamo, t.names.usageTable).get(keys)
    },
  },
]

describe.each(variants)('$name on dynalite', ({ prefix, make, persisted }) => {
  let counters: CounterStore
  const k = (key: string) => prefix + key

  beforeAll(() => {
    counters = make()
  })

  describe('counters', () => {
    it('adds while the value is at most the ceiling, then refuses with the current value', async () => {
      const results = []
      for (let i = 0; i < 4; i++) results.push(await counters.addWithin(k('c-seq'), { n: 1 }, { n: 2 }, ttl))
      expect(results).toEqual([
        { ok: true, values: { n: 1 } },
        { ok: true, values: { n: 2 } },
        { ok: true, values: { n: 3 } },
        { ok: false, current: { n: 3 } },
      ])
    })

    it('refuses on an absent item when the ceiling is negative (estimate above the limit)', async () => {
      expect(await counters.addWithin(k('c-neg'), { n: 5 }, { n: -1 }, ttl)).toEqual({ ok: false, current: { n: 0 } })
    })

    it('checks several ceilings in one update: any one over refuses, nothing is added', async () => {
      expect(await counters.addWithin(k('c-two'), { day: 3, month: 3 }, { day: 10, month: 10 }, ttl)).toEqual({ ok: true, values: { day: 3, month: 3 } })
      await counters.add(k('c-two'), { month: 8 }, ttl)
      expect(await counters.addWithin(k('c-two'), { day: 3, month: 3 }, { day: 10, month: 10 }, ttl)).toEqual({ ok: false, current: { day: 3, month: 11 } })
      expect((await counters.get([k('c-two')])).get(k('c-two'))).toMatchObject({ day: 3, month: 11 })
    })

    it('adds without a condition when no ceiling is given', async () => {
      expect(await counters.addWithin(k('c-free'), { n: 7 }, {}, ttl)).toEqual({ ok: true, values: { n: 7 } })
    })

    it('admits exactly ceiling+1 of 100 concurrent conditional adds', async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => counters.addWithin(k('c-race'), { n: 1 }, { n: 9 }, ttl)))
      expect(results.filter((r) => r.ok)).toHaveLength(10)
    })

    it('adds several attributes at once, negatives included, and sets the TTL', async () => {
      await counters.add(k('c-multi'), { a: 5, b: 2 }, ttl)
      expect(await counters.add(k('c-multi'), { a: -3, b: 1 }, ttl)).toEqual({ a: 2, b: 3 })
      const got = await counters.get([k('c-multi'), k('c-missing')])
      expect(got.get(k('c-multi'))).toMatchObject({ a: 2, b: 3, expires_at: ttl })
      expect(got.has(k('c-missing'))).toBe(false)
    })

    it('reads more than 100 items in batches', async () => {
      const keys = Array.from({ length: 130 }, (_, i) => k(`c-batch-${i}`))
      await Promise.all(keys.map((k) => counters.add(k, { n: 1 }, ttl)))
      expect((await counters.get(keys)).size).toBe(130)
    })
  })

  describe('alert claims', () => {
    it('lets exactly one of many concurrent claimers win, until the claim is released', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => counters.claim(k('c-alert'), 'alerted_warn_d01', 1000 + i, ttl)))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await counters.claim(k('c-alert'), 'alerted_warn_d01', 2000, ttl)).toBe(false)
      // Another period's (or kind's) flag on the same item is claimed on its own.
      expect(await counters.claim(k('c-alert'), 'alerted_cap_d01', 3000, ttl)).toBe(true)
      await counters.release(k('c-alert'), 'alerted_warn_d01')
      expect(await counters.claim(k('c-alert'), 'alerted_warn_d01', 4000, ttl)).toBe(true)
    })

    it('keeps the counters of the item it marks', async () => {
      await counters.add(k('c-mixed'), { committed_d01: 5 }, ttl)
      expect(await counters.claim(k('c-mixed'), 'alerted_cap_month', 1, ttl)).toBe(true)
      expect((await counters.get([k('c-mixed')])).get(k('c-mixed'))).toMatchObject({ committed_d01: 5, alerted_cap_month: 1, expires_at: ttl })
    })
  })

  // Last: the write-behind store is closed by its flush.
  it('leaves in the table what it answered', async () => {
    const keys = [k('c-seq'), k('c-neg'), k('c-two'), k('c-free'), k('c-race'), k('c-multi'), k('c-alert'), k('c-mixed')]
    const answered = await counters.get(keys)
    const stored = await persisted(counters, keys)
    expect(stored).toEqual(answered)
    expect(stored.get(k('c-race'))).toMatchObject({ n: 10, expires_at: ttl })
    expect(stored.get(k('c-alert'))).toMatchObject({ alerted_warn_d01: 4000, alerted_cap_d01: 3000 })
    expect(stored.has(k('c-neg'))).toBe(false)
  })
})
