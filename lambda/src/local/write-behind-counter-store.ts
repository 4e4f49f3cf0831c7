// The local host's usage counters: kept in serve's memory, persisted to the embedded
// DynamoDB (dynalite) behind the requests.
//
// Why: every governed request made 2–4 conditional DynamoDB updates over loopback, each
// parsed, evaluated and written to LevelDB by the store child one at a time (issue 14:
// dynalite + LevelDB were 40% of that child's CPU). Locally serve is the only writer of
// the usage table — one serve per data directory (local-proxy.ts refuseIfRunning), the
// CLI only reads counters (ops-cli/src/lib/spend.ts) — so the check-and-add can happen in
// this process, atomically because JavaScript runs it without yielding, and the table
// only needs the resulting values.
//
// Semantics are DynamoCounterStore's (lambda/src/stores/dynamo-counter-store.ts):
// addWithin's ceilings (absent = 0 passes a non-negative ceiling only), add, claim
// (set-if-absent), release, the TTL attribute (SET on adds, if_not_exists on claims),
// and get (absent items missing from the map).
//
// Persistence: an item is read from the table on its first use, so a restart continues
// the day's spend; if the table cannot be read then, the call fails (the proxy answers
// 503 as before) — it never counts from 0. Changes are written back as absolute values
// (SET the changed attributes, REMOVE the released ones) on a short timer: at most one
// write in flight per item, changes made meanwhile go in the next one. A failed write
// keeps the item dirty and is retried with backoff (metric LocalCounterFlushFailures and
// a log line when writes start and stop failing). close() flushes what is left; the host
// calls it after the last request and before the stores stop.
//
// What a crash can lose: a kill -9 (or power loss) of serve loses the counter changes
// made since the last successful write, i.e. at most about one flush interval (100 ms by
// default) plus a write in flight, or more while the table was unreachable (then the
// failures were logged). After such a crash the next serve continues from the persisted
// values: rate windows and budgets may let slightly more through, never block wrongly.
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { METRIC } from '../contracts/metrics.js'
import { USAGE_TABLE } from '../contracts/tables.js'
import type { CounterStore, Metrics } from '../core/ports.js'
import { noMetrics } from '../core/ports.js'
import { DynamoCounterStore, itemKey } from '../stores/dynamo-counter-store.js'
import type { DynamoWire, Item } from '../stores/dynamo-wire.js'

export interface WriteBehindOptions {
  /** Delay between a change and its write to the table (coalescing window); default 100 ms. */
  flushIntervalMs?: number
  /** Longest wait between retries of a failing write; default 5 s. */
  maxRetryDelayMs?: number
  /** Clean items unused for this long leave memory (they are reloaded on use); default 60 s. */
  idleEvictMs?: number
  metrics?: Metrics
  log?: (message: string) => void
  /** Test seam for idle eviction. */
  now?: () => number
}

interface Entry {
  key: string
  /** Resolves once the item is read from the table; rejects when it could not be. */
  ready: Promise<void>
  loaded: boolean
  /** Whether the item exists (in the table or by a change here): `get` leaves absent items out. */
  exists: boolean
  /** Numeric attributes, the TTL attribute included. */
  values: Map<string, number>
  /** Attributes changed since the last write was sent. */
  dirty: Set<string>
  flushing: Promise<void> | undefined
  lastUsed: number
}

export interface FlushReport {
  /** Items whose last changes could not be written (logged). */
  unflushed: number
}

export class WriteBehindCounterStore implements CounterStore {
  private readonly entries = new Map<string, Entry>()
  private readonly reader: DynamoCounterStore
  private readonly interval: number
  private readonly maxRetryDelay: number
  private readonly idleEvict: number
  private readonly metrics: Metrics
  private readonly log: (message: string) => void
  private readonly now: () => number
  private timer: NodeJS.Timeout | undefined
  private failures = 0
  private closed = false

  constructor(
    private readonly dynamo: DynamoWire,
    private readonly tableName: string,
    options: WriteBehindOptions = {},
  ) {
    this.reader = new DynamoCounterStore(dynamo, tableName)
    this.interval = options.flushIntervalMs ?? 100
    this.maxRetryDelay = options.maxRetryDelayMs ?? 5_000
    this.idleEvict = options.idleEvictMs ?? 60_000
    this.metrics = options.metrics ?? noMetrics
    this.log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`))
    this.now = options.now ?? Date.now
  }

  async addWithin(key: string, amounts: Record<string, number>, ceilings: Record<string, number>, expiresAt: number) {
    const entry = await this.entry(key)
    const refused = Object.entries(ceilings).some(([attr, ceiling]) => {
      const current = entry.values.get(attr)
      // As DynamoDB evaluates `attribute_not_exists(#c) OR #c <= :c` / `#c <= :c`.
      return current === undefined ? ceiling < 0 : current > ceiling
    })
    if (refused) return { ok: false as const, current: pick(entry, Object.keys(ceilings)) }
    this.apply(entry, amounts, expiresAt)
    return { ok: true as const, values: pick(entry, Object.keys(amounts)) }
  }

  async add(key: string, amounts: Record<string, number>, expiresAt: number) {
    const entry = await this.entry(key)
    this.apply(entry, amounts, expiresAt)
    return pick(entry, Object.keys(amounts))
  }

  async get(keys: string[]): Promise<Map<string, Record<string, number>>> {
    const held = keys.filter((k) => this.entries.has(k))
    const out = await this.reader.get(keys.filter((k) => !this.entries.has(k)))
    for (const key of held) {
      const entry = await this.entry(key)
      if (entry.exists) out.set(key, Object.fromEntries(entry.values))
    }
    return out
  }

  async claim(key: string, attr: string, value: number, expiresAt: number): Promise<boolean> {
    const entry = await this.entry(key)
    if (entry.values.has(attr)) return false
    entry.values.set(attr, value)
    entry.dirty.add(attr)
    if (!entry.values.has(USAGE_TABLE.ttlAttribute)) {
      entry.values.set(USAGE_TABLE.ttlAttribute, expiresAt)
      entry.dirty.add(USAGE_TABLE.ttlAttribute)
    }
    this.changed(entry)
    return true
  }

  async release(key: string, attr: string): Promise<void> {
    const entry = await this.entry(key)
    entry.values.delete(attr)
    entry.dirty.add(attr)
    this.changed(entry)
  }

  /**
   * Writes every pending change and stops the timer; later changes are refused. Waits for
   * writes in flight, then makes one more attempt per dirty item; what still fails is
   * logged and counted in the report, not retried (the stores are about to stop).
   */
  async close(): Promise<FlushReport> {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    await Promise.all([...this.entries.values()].map((e) => e.flushing))
    await Promise.all([...this.entries.values()].filter((e) => e.dirty.size > 0).map((e) => this.flush(e)))
    const unflushed = [...this.entries.values()].filter((e) => e.dirty.size > 0).length
    if (unflushed > 0) this.log(`codex-proxy: ${unflushed} usage counter item(s) could not be written to the usage table at shutdown; their last changes are lost`)
    return { unflushed }
  }

  /** Items with changes not yet written (for tests and the shutdown report). */
  get pendingItems(): number {
    let n = 0
    for (const e of this.entries.values()) if (e.dirty.size > 0) n++
    return n
  }

  private async entry(key: string): Promise<Entry> {
    if (this.closed) throw new Error('usage counters are closed (the proxy is shutting down)')
    for (;;) {
      let entry = this.entries.get(key)
      if (!entry) {
        entry = this.load(key)
        this.entries.set(key, entry)
      }
      await entry.ready
      // Closed while the item loaded: a change now would never be written.
      if (this.closed) throw new Error('usage counters are closed (the proxy is shutting down)')
      // A failed load left the map (load()); an evicted entry is replaced: use the current one.
      if (this.entries.get(key) !== entry) continue
      entry.lastUsed = this.now()
      return entry
    }
  }

  private load(key: string): Entry {
    const entry: Entry = {
      key,
      ready: Promise.resolve(),
      loaded: false,
      exists: false,
      values: new Map(),
      dirty: new Set(),
      flushing: undefined,
      lastUsed: this.now(),
    }
    entry.ready = this.dynamo.getItem({ TableName: this.tableName, Key: itemKey(key) }).then(
      ({ Item }) => {
        if (Item) {
          entry.exists = true
          for (const [attr, value] of Object.entries(unmarshall(Item))) if (typeof value === 'number') entry.values.set(attr, value)
        }
        entry.loaded = true
      },
      (err: unknown) => {
        // Fail closed, and let the next call try again.
        if (this.entries.get(key) === entry) this.entries.delete(key)
        throw err
      },
    )
    return entry
  }

  private apply(entry: Entry, amounts: Record<string, number>, expiresAt: number): void {
    for (const [attr, amount] of Object.entries(amounts)) {
      entry.values.set(attr, (entry.values.get(attr) ?? 0) + amount)
      entry.dirty.add(attr)
    }
    entry.values.set(USAGE_TABLE.ttlAttribute, expiresAt)
    entry.dirty.add(USAGE_TABLE.ttlAttribute)
    this.changed(entry)
  }

  private changed(entry: Entry): void {
    entry.exists = true
    this.schedule(this.interval)
  }

  private schedule(delay: number): void {
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => this.tick(), delay)
    // Never what keeps the process alive; close() flushes.
    this.timer.unref()
  }

  private tick(): void {
    this.timer = undefined
    const now = this.now()
    for (const entry of this.entries.values()) {
      if (entry.dirty.size > 0) {
        if (!entry.flushing) void this.flush(entry)
      } else if (entry.loaded && !entry.flushing && now - entry.lastUsed >= this.idleEvict) {
        this.entries.delete(entry.key)
      }
    }
  }

  /** One write of an item's changed attributes; at most one in flight per item. */
  private flush(entry: Entry): Promise<void> {
    if (entry.flushing) return entry.flushing
    const attrs = [...entry.dirty]
    entry.dirty.clear()
    const names: Record<string, string> = {}
    const values: Item = {}
    const sets: string[] = []
    const removes: string[] = []
    attrs.forEach((attr, i) => {
      names[`#a${i}`] = attr
      const value = entry.values.get(attr)
      if (value === undefined) removes.push(`#a${i}`)
      else {
        values[`:v${i}`] = { N: String(value) }
        sets.push(`#a${i} = :v${i}`)
      }
    })
    const expression = [sets.length > 0 && `SET ${sets.join(', ')}`, removes.length > 0 && `REMOVE ${removes.join(', ')}`].filter(Boolean).join(' ')
    entry.flushing = this.dynamo
      .updateItem({
        TableName: this.tableName,
        Key: itemKey(entry.key),
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ...(sets.length > 0 && { ExpressionAttributeValues: values }),
      })
      .then(
        () => {
          if (this.failures > 0) this.log(`codex-proxy: usage counters are written to the usage table again (after ${this.failures} failed write(s))`)
          this.failures = 0
        },
        (err: unknown) => {
          // Changes made since stay dirty too; these go back in the next write.
          for (const attr of attrs) entry.dirty.add(attr)
          this.failures++
          this.metrics.emit(METRIC.localCounterFlushFailures, 1, 'Count')
          if (this.failures === 1) this.log(`codex-proxy: writing usage counters to the usage table failed (kept in memory, retrying): ${err instanceof Error ? err.message : String(err)}`)
        },
      )
      .finally(() => {
        entry.flushing = undefined
        if (entry.dirty.size > 0) this.schedule(this.failures > 0 ? Math.min(this.maxRetryDelay, this.interval * 2 ** this.failures) : this.interval)
      })
    return entry.flushing
  }
}

/** Absent attributes count as 0, as in DynamoCounterStore. */
function pick(entry: Entry, attrs: string[]): Record<string, number> {
  return Object.fromEntries(attrs.map((a) => [a, entry.values.get(a) ?? 0]))
}
