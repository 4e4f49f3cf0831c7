// Writes each record to a primary sink and, best effort, to secondary ones (dump files):
// a secondary failure is logged and never counts as a lost record.
import type { AuditRecord } from '../contracts/audit-record.js'
import type { AuditSink, RecordBodies } from '../core/ports.js'

export class TeeAuditSink implements AuditSink {
  constructor(
    private readonly primary: AuditSink,
    private readonly secondaries: AuditSink[],
    private readonly log: (message: string) => void,
  ) {}

  async write(record: AuditRecord, bodies?: RecordBodies): Promise<void> {
    const extra = this.secondaries.map((s) =>
      s.write(record, bodies).catch((err: unknown) => this.log(`secondary audit write failed for ${record.request_id}: ${String(err)}`)),
    )
    try {
      await this.primary.write(record, bodies)
    } finally {
      await Promise.all(extra)
    }
  }
}
