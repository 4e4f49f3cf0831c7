// Audit writes the local host still owes when it stops. The node:http host waits (bounded)
// for every exchange's record work; whatever store write is still unfinished after that
// would die with the stores, so `abandon()` writes those records as fallback lines at
// once, and any record produced later goes straight to the fallback too.
//
// A store write that was only slow may still land after abandon(): such a record then
// exists twice (object and fallback line), which readers tell apart by request_id; losing
// it is the worse outcome.
import type { AuditRecord } from '../contracts/audit-record.js'
import { METRIC } from '../contracts/metrics.js'
import type { AuditSink, Metrics, RecordBodies } from '../core/ports.js'
import { fallbackLine } from '../stores/resilient-audit-sink.js'

export class DrainingAuditSink implements AuditSink {
  private readonly inFlight = new Map<symbol, AuditRecord>()
  private abandoned = false

  constructor(
    private readonly inner: AuditSink,
    private readonly writeLine: (line: string) => void,
    private readonly metrics: Metrics,
  ) {}

  async write(record: AuditRecord, bodies?: RecordBodies): Promise<void> {
    if (this.abandoned) {
      this.toFallback(record, new Error('the local host was stopping: stores closed'))
      return
    }
    const id = Symbol(record.request_id)
    this.inFlight.set(id, record)
    try {
      // The exact bodies go on to the audit v2 store (audit-store-sink.ts).
      await this.inner.write(record, bodies)
    } catch (err) {
      // The inner sink has its own fallback; this catches that fallback failing too.
      if (this.inFlight.has(id)) this.toFallback(record, err)
    } finally {
      this.inFlight.delete(id)
    }
  }

  /** Records whose store write is still running. */
  get pending(): number {
    return this.inFlight.size
  }

  /** Writes every record still in flight to the fallback now; returns how many. */
  abandon(reason = 'the local host stopped before the store write finished'): number {
    this.abandoned = true
    const left = [...this.inFlight.values()]
    this.inFlight.clear()
    for (const record of left) this.toFallback(record, new Error(reason))
    return left.length
  }

  private toFallback(record: AuditRecord, error: unknown): void {
    this.metrics.emit(METRIC.auditWriteFailures, 1, 'Count')
    try {
      this.writeLine(fallbackLine(record, error))
    } catch {
      // The line writer already reports its own failures; nothing else can be done here.
    }
  }
}
