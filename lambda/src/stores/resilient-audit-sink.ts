// No request goes unrecorded: when the primary sink fails (after its own retries), the
// record is written to the log stream as one marked line and a failure metric counts it.
import { AUDIT_FALLBACK_MARKER, type AuditRecord } from '../contracts/audit-record.js'
import { METRIC } from '../contracts/metrics.js'
import type { AuditSink, Metrics, RecordBodies } from '../core/ports.js'

/** CloudWatch Logs accepts events up to 256 KB; leave room for the Lambda line prefix. */
export const FALLBACK_LINE_MAX_BYTES = 250 * 1024

export class ResilientAuditSink implements AuditSink {
  constructor(
    private readonly primary: AuditSink,
    private readonly writeLine: (line: string) => void,
    private readonly metrics: Metrics,
    private readonly attempts = 2,
  ) {}

  async write(record: AuditRecord, bodies?: RecordBodies): Promise<void> {
    let lastError: unknown
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await this.primary.write(record, bodies)
        return
      } catch (err) {
        lastError = err
      }
    }
    this.metrics.emit(METRIC.auditWriteFailures, 1, 'Count')
    this.writeLine(fallbackLine(record, lastError))
  }
}

/**
 * One line: the marker, then JSON `{reason, fallback_truncated, record}`. Bodies are cut
 * (and flagged) so that the line fits in one CloudWatch Logs event.
 */
export function fallbackLine(record: AuditRecord, error: unknown, maxBytes = FALLBACK_LINE_MAX_BYTES): string {
  const reason = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown error'
  const line = (r: AuditRecord, cut: boolean) =>
    `${AUDIT_FALLBACK_MARKER} ${JSON.stringify({ reason, fallback_truncated: cut, record: r })}`
  const whole = line(record, false)
  if (Buffer.byteLength(whole) <= maxBytes) return whole
  // Share what is left after the rest of the record between the two bodies; a body
  // smaller than its share keeps its whole text and leaves the rest to the other one.
  const bare = line({ ...record, request_body: '', response_body: '' }, true)
  const room = Math.max(0, maxBytes - Buffer.byteLength(bare) - 64)
  const reqBytes = Buffer.byteLength(record.request_body ?? '')
  const resBytes = Buffer.byteLength(record.response_body ?? '')
  let budget = room
  for (;;) {
    const reqShare = Math.min(reqBytes, Math.max(Math.floor(budget / 2), budget - resBytes))
    const resShare = Math.min(resBytes, budget - reqShare)
    const cut = {
      ...record,
      request_body: cutTo(record.request_body, reqShare),
      response_body: cutTo(record.response_body, resShare),
      truncated: {
        request_body: record.truncated.request_body || reqShare < reqBytes,
        response_body: record.truncated.response_body || resShare < resBytes,
      },
    }
    const candidate = line(cut, true)
    // JSON escaping can make text grow; shrink until the line fits.
    if (Buffer.byteLength(candidate) <= maxBytes || budget === 0) return candidate
    budget = Math.floor(budget * 0.8)
  }
}

function cutTo(text: string | null, bytes: number): string | null {
  if (text === null) return null
  // Cutting bytes may split a UTF-8 sequence: drop the partial character.
  return Buffer.from(text).subarray(0, bytes).toString('utf8').replace(/\uFFFD$/, '')
}
