// The audit v2 sink: bodies into the content-addressed body store, then the metadata
// record (with pointers to and hashes of the bodies) into the metadata sink. Bodies go
// first so that a metadata row never points at a body that was not written; a retry
// (ResilientAuditSink) rewrites nothing: every object is created once.
import type { AuditRecord } from '../contracts/audit-record.js'
import { type BodyPointers, toMetadata } from '../contracts/audit-metadata.js'
import type { AuditSink, RecordBodies } from '../core/ports.js'
import type { BodyWriter } from '../bodies/body-writer.js'
import type { MetadataSink } from './metadata-sinks.js'

export class AuditStoreSink implements AuditSink {
  constructor(
    private readonly bodies: BodyWriter,
    private readonly metadata: MetadataSink,
  ) {}

  async write(record: AuditRecord, bodies?: RecordBodies): Promise<void> {
    // Always a body record, even without bodies: the headers are auditor-only too.
    const session = record.client.session_id
    const written = await this.bodies.write({
      requestId: record.request_id,
      timestamp: record.timestamp,
      // A chain never crosses tokens: another token naming the same session starts its own.
      sessionKey: session && record.token_id ? `${record.token_id}\u0000${session}` : null,
      sessionId: session,
      metadata: (({ bodies: _, ...rest }) => rest)(toMetadata(record, null)),
      requestHeaders: record.request_headers,
      responseHeaders: record.response_headers,
      ...((record.upstream_request_body !== null || record.upstream_response_body !== null) && {
        upstream: { request_body: record.upstream_request_body, response_body: record.upstream_response_body },
      }),
      request: bodies?.request,
      response: bodies?.response,
    })
    const pointers: BodyPointers = {
      record_key: written.recordKey,
      request_sha256: written.request?.sha256 ?? null,
      request_bytes: written.request?.bytes ?? null,
      request_redacted: written.request?.redacted ?? null,
      request_truncated: written.request?.truncated ?? null,
      response_sha256: written.response?.sha256 ?? null,
      response_bytes: written.response?.bytes ?? null,
      response_redacted: written.response?.redacted ?? null,
      response_truncated: written.response?.truncated ?? null,
    }
    await this.metadata.put(toMetadata(record, pointers))
  }
}
