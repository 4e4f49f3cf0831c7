// The proxy core's dependencies. Hosts (Lambda, local server) and tests provide them;
// the core never constructs AWS clients or touches the host runtime itself.
import type { AuditRecord } from '../contracts/audit-record.js'
import type { BudgetAlert } from '../contracts/budget-alert.js'
import type { BudgetPolicy, Caller } from '../contracts/tables.js'
import type { SecretFinding, TextMatch } from '../secrets/types.js'

export interface TokenStore {
  /** The caller for a token hash, or undefined when unknown or disabled. Throws on store failure. */
  lookup(tokenHash: string): Promise<Caller | undefined>
  /** A request tag's budgets (tag item), or undefined when none are set. Throws on store failure. */
  tagPolicy?(tag: string): Promise<BudgetPolicy | undefined>
}

export interface AuditSink {
  /**
   * Persists one record. Implementations decide about retries and fallbacks. `bodies`
   * carries the exact bytes (the record's body fields are capped, decoded text); sinks
   * that store bodies apart (audit v2) use them, others ignore them.
   */
  write(record: AuditRecord, bodies?: RecordBodies): Promise<void>
}

/** One body as the audit store keeps it. */
export interface BodyBytes {
  /** What is stored: the bytes as forwarded/received, or their redacted form. */
  stored: Uint8Array
  /** The bytes as received/forwarded when `stored` differs from them (secrets removed for the record). */
  original?: Uint8Array | undefined
  redacted: boolean
  /** `stored` is the first part of a longer body (the body cap). */
  truncated: boolean
}

export interface RecordBodies {
  request?: BodyBytes | undefined
  response?: BodyBytes | undefined
}

export interface KeySource {
  /** The upstream API key, or undefined to forward without Authorization (keyless upstreams). */
  get(): Promise<string | undefined>
  /**
   * Called when the upstream answered 401 with the key from `get()`: a source that can
   * re-read (rotation in Secrets Manager) returns true when a *different* key is now
   * available, so the request is retried once with it.
   */
  refreshAfterUnauthorized?(rejectedKey: string | undefined): Promise<boolean>
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (record timestamps, key partitions). */
  now(): number
  /** Monotonic milliseconds (durations). */
  monotonic(): number
}

export interface Metrics {
  /** Counts or measures something; dimensions are low-cardinality labels. */
  emit(name: string, value: number, unit: MetricUnit, dimensions?: Record<string, string>): void
}
export type MetricUnit = 'Count' | 'Milliseconds' | 'Bytes' | 'None'

export type UpstreamFetch = (input: string, init: RequestInit & { duplex?: 'half' }) => Promise<Response>

/** Per-request hooks a host offers, in the manner of `ExecutionContext` in Workers/Hono. */
export interface RequestContext {
  /**
   * Registers work that must finish before the host may end the invocation (Lambda
   * freezes work left running after the handler returns). The core uses it for the
   * audit write, which happens after the response body has been fully sent.
   */
  waitUntil(promise: Promise<unknown>): void
  /**
   * The request target exactly as received (path + query). WHATWG URL parsing in
   * `new Request()` resolves `..` segments, so hosts pass the raw form for checking.
   */
  rawTarget?: string
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
}

export const noMetrics: Metrics = { emit: () => {} }

/** Atomic numeric counters (usage table): rate windows and budget reservations. */
export interface CounterStore {
  /**
   * Adds `amounts` to item `key` only if every attribute named in `ceilings` is currently
   * at most its ceiling (absent = 0); atomic against concurrent callers in any process.
   * Returns the new values, or the current values of the ceiling attributes on refusal.
   */
  addWithin(
    key: string,
    amounts: Record<string, number>,
    ceilings: Record<string, number>,
    expiresAt: number,
  ): Promise<{ ok: true; values: Record<string, number> } | { ok: false; current: Record<string, number> }>
  /** Unconditional atomic adds; returns the new values. */
  add(key: string, amounts: Record<string, number>, expiresAt: number): Promise<Record<string, number>>
  /** Current values of several items (absent items are missing from the map). */
  get(keys: string[]): Promise<Map<string, Record<string, number>>>
  /**
   * Sets `attr` to `value` only if it is absent; true for the one caller (in any process)
   * that set it. Budget alerts use it to go out once per level and period.
   */
  claim(key: string, attr: string, value: number, expiresAt: number): Promise<boolean>
  /** Removes `attr` (a claim whose work failed, so a later caller may try again). */
  release(key: string, attr: string): Promise<void>
}

/** Where budget alerts go: the alarm SNS topic (AWS), a webhook (local host). */
export interface AlertSink {
  send(alert: BudgetAlert): Promise<void>
}

/**
 * The secret scanner as the core calls it: asynchronous, so a host can run it off the
 * request thread (the local host uses worker threads, so one large body cannot stall
 * other requests), and bounded by a time budget after which it answers `timedOut`.
 */
export interface BodyScanner {
  scanJsonBody(text: string, opts: { redact: boolean; budgetMs: number }): Promise<BodyScanResult>
  scanText(text: string, budgetMs: number): Promise<TextScanResult>
  close?(): Promise<void>
}
export type BodyScanResult =
  | { timedOut: false; findings: SecretFinding[]; redacted?: string }
  | { timedOut: true }
export type TextScanResult = { timedOut: false; matches: TextMatch[] } | { timedOut: true }

/** The host's view of its own dependencies (embedded stores up?), for /healthz. */
export type HealthCheck = () => { ok: true } | { ok: false; detail: string }

/**
 * The abort reason (an Error's message) a host gives a request it ends itself at
 * shutdown, after the grace period: the record then says so instead of blaming the client.
 */
export const HOST_SHUTDOWN_REASON = 'proxy shutting down: grace period over'

export function endedByHostShutdown(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof Error && signal.reason.message === HOST_SHUTDOWN_REASON
}
