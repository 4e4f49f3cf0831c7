// In-memory ports for core tests: they count calls so tests can assert what the
// core did (e.g. that a malformed token never reached the store).
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import type { BudgetPolicy, Caller } from '../../lambda/src/contracts/tables.js'
import { generateToken, hashToken, tokenIdFromHash } from '../../lambda/src/contracts/token.js'
import type { BudgetAlert } from '../../lambda/src/contracts/budget-alert.js'
import type { AlertSink, AuditSink, Clock, CounterStore, MetricUnit, Metrics, RequestContext, TokenStore } from '../../lambda/src/core/ports.js'

export class MemoryTokenStore implements TokenStore {
  readonly callers = new Map<string, Caller>()
  lookups = 0
  failWith: Error | undefined

  add(user: string, extra: Partial<Caller> = {}): { token: string; caller: Caller } {
    const token = generateToken()
    const hash = hashToken(token)
    const caller: Caller = { token_id: tokenIdFromHash(hash), user_id: user, ...extra }
    this.callers.set(hash, caller)
    return { token, caller }
  }

  remove(token: string): void {
    this.callers.delete(hashToken(token))
  }

  async lookup(tokenHash: string): Promise<Caller | undefined> {
    this.lookups += 1
    if (this.failWith) throw this.failWith
    return this.callers.get(tokenHash)
  }

  readonly tagPolicies = new Map<string, BudgetPolicy>()
  async tagPolicy(tag: string): Promise<BudgetPolicy | undefined> {
    if (this.failWith) throw this.failWith
    return this.tagPolicies.get(tag)
  }
}

export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = []
  delayMs = 0
  failWith: Error | undefined
  writes = 0

  async write(record: AuditRecord): Promise<void> {
    this.writes += 1
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs))
    if (this.failWith) throw this.failWith
    this.records.push(record)
  }
}

export class CountingMetrics implements Metrics {
  readonly emitted: { name: string; value: number; unit: MetricUnit; dimensions?: Record<string, string> }[] = []
  emit(name: string, value: number, unit: MetricUnit, dimensions?: Record<string, string>): void {
    this.emitted.push({ name, value, unit, ...(dimensions && { dimensions }) })
  }
  count(name: string, dims?: Record<string, string>): number {
    return this.emitted
      .filter((m) => m.name === name && (!dims || Object.entries(dims).every(([k, v]) => m.dimensions?.[k] === v)))
      .reduce((s, m) => s + m.value, 0)
  }
}

/** A clock whose wall time tests can move (monotonic time follows). */
export class ManualClock implements Clock {
  constructor(private wall = Date.parse('2026-11-21T10:00:00Z')) {}
  private offset = 0
  now(): number {
    return this.wall + this.offset
  }
  monotonic(): number {
    return performance.now() + this.offset
  }
  advance(ms: number): void {
    this.offset += ms
  }
}

/** A RequestContext that collects waitUntil promises so tests can await them. */
export function testContext(rawTarget?: string): RequestContext & { settled(): Promise<void>; pending: Promise<unknown>[] } {
  const pending: Promise<unknown>[] = []
  return {
    pending,
    waitUntil: (p) => void pending.push(p),
    ...(rawTarget !== undefined && { rawTarget }),
    async settled() {
      await Promise.all(pending)
    },
  }
}

/** Counters with the same semantics as the DynamoDB adapter (single process only). */
export class MemoryCounterStore implements CounterStore {
  readonly items = new Map<string, Record<string, number>>()
  failWith: Error | undefined
  calls = 0

  async addWithin(key: string, amounts: Record<string, number>, ceilings: Record<string, number>) {
    this.calls += 1
    if (this.failWith) throw this.failWith
    const item = this.items.get(key) ?? {}
    if (Object.entries(ceilings).some(([attr, ceiling]) => (item[attr] ?? 0) > ceiling)) {
      return { ok: false as const, current: Object.fromEntries(Object.keys(ceilings).map((a) => [a, item[a] ?? 0])) }
    }
    for (const [k, v] of Object.entries(amounts)) item[k] = (item[k] ?? 0) + v
    this.items.set(key, item)
    return { ok: true as const, values: Object.fromEntries(Object.keys(amounts).map((k) => [k, item[k]!])) }
  }

  async add(key: string, amounts: Record<string, number>) {
    this.calls += 1
    if (this.failWith) throw this.failWith
    const item = this.items.get(key) ?? {}
    for (const [k, v] of Object.entries(amounts)) item[k] = (item[k] ?? 0) + v
    this.items.set(key, item)
    return Object.fromEntries(Object.keys(amounts).map((k) => [k, item[k]!]))
  }

  async get(keys: string[]) {
    return new Map(keys.filter((k) => this.items.has(k)).map((k) => [k, { ...this.items.get(k)! }]))
  }

  claims = 0
  async claim(key: string, attr: string, value: number) {
    this.claims += 1
    if (this.failWith) throw this.failWith
    const item = this.items.get(key) ?? {}
    if (item[attr] !== undefined) return false
    item[attr] = value
    this.items.set(key, item)
    return true
  }

  async release(key: string, attr: string) {
    delete this.items.get(key)?.[attr]
  }
}

/** Collects budget alerts; can be told to fail. */
export class MemoryAlertSink implements AlertSink {
  readonly sent: BudgetAlert[] = []
  failWith: Error | undefined
  async send(alert: BudgetAlert): Promise<void> {
    if (this.failWith) throw this.failWith
    this.sent.push(alert)
  }
}
