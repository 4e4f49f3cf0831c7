// The local host's in-process usage counters (lambda/src/local/write-behind-counter-store.ts)
// against real dynalite: what they persist, when, and what happens when the table is
// unreachable. Their counting semantics are specified with DynamoCounterStore's in
// counters.test.ts.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { METRIC } from '../../lambda/src/contracts/metrics.js'
import { type RunningStores, startStoreServers } from '../../lambda/src/local/embedded-stores.js'
import { WriteBehindCounterStore } from '../../lambda/src/local/write-behind-counter-store.js'
import { ensureTables } from '../../lambda/src/local/provision.js'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'
import { dynamoClient } from '../../lambda/src/stores/dynamo-sdk.js'
import type { DynamoWire } from '../../lambda/src/stores/dynamo-wire.js'
import { CountingMetrics } from '../support/memory-ports.js'
import { startTestStores, type TestStores } from '../support/stores.js'

const ttl = Math.floor(Date.now() / 1000) + 3600
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (ok(value) || Date.now() > end) return value
    await sleep(20)
  }
}

/** A DynamoWire in front of the real one: counts writes, can hold or fail them. */
class InstrumentedWire implements DynamoWire {
  updates = 0
  inFlight = new Map<string, number>()
  maxInFlightPerItem = 0
  failReads = false
  failWrites = false
  writeDelayMs = 0
  constructor(private readonly real: DynamoWire) {}
  getItem(input: Parameters<DynamoWire['getItem']>[0]) {
    if (this.failReads) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))
    return this.real.getItem(input)
  }
  async updateItem(input: Parameters<DynamoWire['updateItem']>[0]) {
    const key = input.Key.pk!.S!
    this.updates++
    const now = (this.inFlight.get(key) ?? 0) + 1
    this.inFlight.set(key, now)
    this.maxInFlightPerItem = Math.max(this.maxInFlightPerItem, now)
    try {
      if (this.writeDelayMs) await sleep(this.writeDelayMs)
      if (this.failWrites) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
      return await this.real.updateItem(input)
    } finally {
      this.inFlight.set(key, this.inFlight.get(key)! - 1)
    }
  }
  batchGetItem(input: Parameters<DynamoWire['batchGetItem']>[0]) {
    return this.real.batchGetItem(input)
  }
}

let t: TestStores
let table: DynamoCounterStore
const open: WriteBehindCounterStore[] = []
const store = (wire: DynamoWire, options: ConstructorParameters<typeof WriteBehindCounterStore>[2] = {}) => {
  const s = new WriteBehindCounterStore(wire, t.names.usageTable, { log: () => {}, ...options })
  open.push(s)
  return s
}
const stored = async (key: string) => (await table.get([key])).get(key)

beforeAll(async () => {
  t = await startTestStores()
  table = new DynamoCounterStore(t.dynamo, t.names.usageTable)
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})
afterAll(async () => {
  await t.close()
})

describe('write-behind counters: persistence', () => {
  it('continues from the table after a restart: spend and rate windows are not reset', async () => {
    const first = store(t.dynamo)
    for (let i = 0; i < 3; i++) expect((await first.addWithin('wb-restart', { n: 1 }, { n: 4 }, ttl)).ok).toBe(true)
    await first.add('wb-restart', { spent: 250 }, ttl)
    await first.close()

    const second = store(t.dynamo)
    expect(await second.addWithin('wb-restart', { n: 1 }, { n: 4 }, ttl)).toEqual({ ok: true, values: { n: 4 } })
    expect(await second.addWithin('wb-restart', { n: 1 }, { n: 4 }, ttl)).toEqual({ ok: true, values: { n: 5 } })
    expect(await second.addWithin('wb-restart', { n: 1 }, { n: 4 }, ttl)).toEqual({ ok: false, current: { n: 5 } })
    expect(await second.add('wb-restart', { spent: 50 }, ttl)).toEqual({ spent: 300 })
  })

  it('admits exactly ceiling+1 of concurrent adds on an item that is still loading, after a restart', async () => {
    await table.add('wb-race', { n: 4 }, ttl)
    const counters = store(t.dynamo)
    const results = await Promise.all(Array.from({ length: 60 }, () => counters.addWithin('wb-race', { n: 1 }, { n: 9 }, ttl)))
    expect(results.filter((r) => r.ok)).toHaveLength(6)
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.current.n === 10)).toBe(true)
    await counters.close()
    expect(await stored('wb-race')).toMatchObject({ n: 10 })
  })

  it('writes changes behind on its timer, without close', async () => {
    const counters = store(t.dynamo, { flushIntervalMs: 10 })
    await counters.add('wb-timer', { n: 7 }, ttl)
    expect(await until(() => stored('wb-timer'), (v) => v?.n === 7)).toMatchObject({ n: 7, expires_at: ttl })
    expect(counters.pendingItems).toBe(0)
  })

  it('coalesces many changes into few writes, never two writes of one item at once', async () => {
    const wire = new InstrumentedWire(t.dynamo)
    wire.writeDelayMs = 15
    const counters = store(wire, { flushIntervalMs: 5 })
    for (let i = 0; i < 200; i++) {
      await counters.add('wb-coalesce', { n: 1 }, ttl)
      if (i % 20 === 0) await sleep(10)
    }
    await counters.close()
    expect(wire.maxInFlightPerItem).toBe(1)
    expect(wire.updates).toBeGreaterThan(1)
    expect(wire.updates).toBeLessThan(40)
    expect(await stored('wb-coalesce')).toMatchObject({ n: 200 })
  })

  it('persists a released claim as a removed attribute, and a claim keeps an existing TTL', async () => {
    const counters = store(t.dynamo)
    await counters.add('wb-claim', { n: 1 }, ttl)
    expect(await counters.claim('wb-claim', 'alerted_warn_d01', 123, ttl + 999)).toBe(true)
    await counters.close()
    expect(await stored('wb-claim')).toEqual({ n: 1, alerted_warn_d01: 123, expires_at: ttl })

    const again = store(t.dynamo)
    expect(await again.claim('wb-claim', 'alerted_warn_d01', 456, ttl)).toBe(false)
    await again.release('wb-claim', 'alerted_warn_d01')
    await again.close()
    expect(await stored('wb-claim')).toEqual({ n: 1, expires_at: ttl })
  })

  it('drops idle clean items from memory and reloads them from the table on use', async () => {
    let now = 1_000_000
    const wire = new InstrumentedWire(t.dynamo)
    const counters = store(wire, { flushIntervalMs: 5, idleEvictMs: 1_000, now: () => now })
    await counters.add('wb-idle', { n: 2 }, ttl)
    await until(async () => counters.pendingItems, (n) => n === 0)
    now += 5_000
    // Another item's change runs the timer, which evicts the idle one.
    await counters.add('wb-idle-other', { n: 1 }, ttl)
    await until(async () => counters.pendingItems, (n) => n === 0)
    await table.add('wb-idle', { n: 100 }, ttl) // only visible if the item is read again
    expect(await counters.add('wb-idle', { n: 1 }, ttl)).toEqual({ n: 103 })
  })
})

describe('write-behind counters: the table unreachable', () => {
  it('fails closed when an item cannot be loaded, and loads it (not 0) on the next call', async () => {
    await table.add('wb-load', { n: 5 }, ttl)
    const wire = new InstrumentedWire(t.dynamo)
    const counters = store(wire)
    wire.failReads = true
    await expect(counters.addWithin('wb-load', { n: 1 }, { n: 5 }, ttl)).rejects.toThrow(/ECONNREFUSED/)
    await expect(counters.add('wb-load', { n: 1 }, ttl)).rejects.toThrow(/ECONNREFUSED/)
    await expect(counters.claim('wb-load', 'a', 1, ttl)).rejects.toThrow(/ECONNREFUSED/)
    wire.failReads = false
    expect(await counters.addWithin('wb-load', { n: 1 }, { n: 5 }, ttl)).toEqual({ ok: true, values: { n: 6 } })
    expect(await counters.addWithin('wb-load', { n: 1 }, { n: 5 }, ttl)).toEqual({ ok: false, current: { n: 6 } })
  })

  it('keeps counting in memory while writes fail, counts and logs the failures, and catches up', async () => {
    const wire = new InstrumentedWire(t.dynamo)
    const metrics = new CountingMetrics()
    const logs: string[] = []
    const counters = store(wire, { flushIntervalMs: 5, maxRetryDelayMs: 40, metrics, log: (m) => logs.push(m) })
    await counters.add('wb-outage', { n: 1 }, ttl)
    await until(() => stored('wb-outage'), (v) => v?.n === 1)
    wire.failWrites = true
    for (let i = 0; i < 5; i++) expect(await counters.addWithin('wb-outage', { n: 1 }, { n: 100 }, ttl)).toEqual({ ok: true, values: { n: 2 + i } })
    await until(async () => metrics.count(METRIC.localCounterFlushFailures), (n) => n >= 3)
    expect(metrics.count(METRIC.localCounterFlushFailures)).toBeGreaterThanOrEqual(3)
    // One line when writes start failing, not one per attempt.
    expect(logs.filter((l) => l.includes('failed'))).toHaveLength(1)
    expect(await stored('wb-outage')).toMatchObject({ n: 1 })
    expect(counters.pendingItems).toBe(1)
    wire.failWrites = false
    expect(await until(() => stored('wb-outage'), (v) => v?.n === 6)).toMatchObject({ n: 6 })
    expect(logs.some((l) => l.includes('again'))).toBe(true)
  })

  it('says at close what it could not write, and refuses changes after close', async () => {
    const wire = new InstrumentedWire(t.dynamo)
    const logs: string[] = []
    const counters = store(wire, { flushIntervalMs: 5, log: (m) => logs.push(m) })
    wire.failWrites = true
    await counters.add('wb-close-a', { n: 1 }, ttl)
    await counters.add('wb-close-b', { n: 1 }, ttl)
    expect(await counters.close()).toEqual({ unflushed: 2 })
    expect(logs.some((l) => l.includes('2 usage counter item(s) could not be written'))).toBe(true)
    await expect(counters.add('wb-close-a', { n: 1 }, ttl)).rejects.toThrow(/closed/)
  })
})

describe('write-behind counters: a real dynalite outage', () => {
  let dir: string
  let stores: RunningStores | undefined
  afterAll(async () => {
    await stores?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes what was counted during a store outage once the store is back on the same port', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxp-wb-outage-'))
    stores = await startStoreServers({ dataDir: dir })
    const local = { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint }
    await ensureTables(dynamoClient({ local }), t.names)
    const wire = dynamoHttpFor({ local }, { requestTimeoutMs: 500, maxAttempts: 1 })
    const metrics = new CountingMetrics()
    const counters = store(wire, { flushIntervalMs: 10, maxRetryDelayMs: 100, metrics })
    await counters.add('wb-real', { n: 1 }, ttl)
    await until(async () => counters.pendingItems, (n) => n === 0)

    await stores.close()
    stores = undefined
    await counters.add('wb-real', { n: 1 }, ttl)
    await until(async () => metrics.count(METRIC.localCounterFlushFailures), (n) => n >= 1)
    expect(metrics.count(METRIC.localCounterFlushFailures)).toBeGreaterThanOrEqual(1)

    stores = await startStoreServers({ dataDir: dir, dynamodbPort: Number(new URL(local.dynamodbEndpoint).port), s3Port: 0 })
    const reader = new DynamoCounterStore(wire, t.names.usageTable)
    expect(await until(async () => (await reader.get(['wb-real'])).get('wb-real'), (v) => v?.n === 2)).toMatchObject({ n: 2 })
  })
})

describe('write-behind counters: closing while an item loads', () => {
  it('refuses the change that was waiting for the load instead of dropping it silently', async () => {
    let releaseLoad!: () => void
    const gate = new Promise<void>((resolve) => (releaseLoad = resolve))
    const wire: DynamoWire = {
      getItem: async (input) => {
        await gate
        return t.dynamo.getItem(input)
      },
      updateItem: (input) => t.dynamo.updateItem(input),
      batchGetItem: (input) => t.dynamo.batchGetItem(input),
    }
    const counters = store(wire)
    const pending = counters.add('wb-close-loading', { n: 1 }, ttl)
    const closed = counters.close()
    releaseLoad()
    await expect(pending).rejects.toThrow(/closed/)
    expect(await closed).toEqual({ unflushed: 0 })
    expect(await stored('wb-close-loading')).toBeUndefined()
  })
})
