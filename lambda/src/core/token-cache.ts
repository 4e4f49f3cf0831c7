// A short-lived cache in front of the token store, so a warm instance does not read
// DynamoDB on every request, while a disabled token stops working within `ttlMs`.
// Misses (unknown/disabled) are cached too, so a flood of one bad token costs one read.
// Store failures are never cached: the next request tries again.
import type { BudgetPolicy, Caller } from '../contracts/tables.js'
import type { Clock, TokenStore } from './ports.js'

const MAX_ENTRIES = 10_000

export class CachedTokenStore implements TokenStore {
  private readonly entries = new Map<string, { caller: Caller | undefined; expires: number }>()
  private readonly inflight = new Map<string, Promise<Caller | undefined>>()

  constructor(
    private readonly store: TokenStore,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  private readonly tags = new Map<string, { policy: BudgetPolicy | undefined; expires: number }>()

  /** A tag's budgets, cached like callers (a changed tag budget applies within `ttlMs`). */
  async tagPolicy(tag: string): Promise<BudgetPolicy | undefined> {
    if (!this.store.tagPolicy) return undefined
    const now = this.clock.monotonic()
    const hit = this.tags.get(tag)
    if (hit && hit.expires > now) return hit.policy
    const policy = await this.store.tagPolicy(tag)
    if (this.tags.size >= MAX_ENTRIES) this.tags.clear()
    this.tags.set(tag, { policy, expires: this.clock.monotonic() + this.ttlMs })
    return policy
  }

  async lookup(tokenHash: string): Promise<Caller | undefined> {
    const now = this.clock.monotonic()
    const hit = this.entries.get(tokenHash)
    if (hit && hit.expires > now) return hit.caller
    // Concurrent requests with the same token share one store read.
    const pending = this.inflight.get(tokenHash)
    if (pending) return pending
    const lookup = this.store
      .lookup(tokenHash)
      .then((caller) => {
        this.remember(tokenHash, caller, this.clock.monotonic() + this.ttlMs)
        return caller
      })
      .finally(() => this.inflight.delete(tokenHash))
    this.inflight.set(tokenHash, lookup)
    return lookup
  }

  private remember(tokenHash: string, caller: Caller | undefined, expires: number): void {
    this.entries.delete(tokenHash)
    if (this.entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(tokenHash, { caller, expires })
  }
}
