// The audit store, v2: request/response bodies apart from the metadata.
//
// S3 layout (audit bucket; every object written once, never rewritten, so Object Lock holds):
//   bodies/year=YYYY/month=MM/day=DD/records/<request_id>.json.gz   one body record per request
//   bodies/year=YYYY/month=MM/day=DD/blocks/<sha256>.gz              one large string, content-addressed
//   metadata/year=YYYY/month=MM/day=DD/<request_id>.json.gz          metadata record, gzip JSON (local host, serve --aws)
// In AWS the metadata goes through Firehose to Parquet in the analytics bucket instead
// (infra/analytics.ts), under the same `metadata/year=…/month=…/day=…/` partitions.
//
// Blocks are shared by every request of the same UTC day (content addressing dedupes the
// Codex instructions and tools across sessions too), and a body record only ever refers
// to blocks and records of its own day: lifecycle expiry, which counts from each object's
// creation, therefore removes a day's bodies together and never breaks a chain.
import { AUDIT_PARTITION_DIGITS } from './audit-key.js'
import type { AuditMetadata } from './audit-metadata.js'

export const BODIES_PREFIX = 'bodies/'
export const METADATA_PREFIX = 'metadata/'
export const BODY_RECORD_SUFFIX = '.json.gz'
export const BLOCK_SUFFIX = '.gz'
export const METADATA_SUFFIX = '.json.gz'

const pad = (n: number, digits: number) => String(n).padStart(digits, '0')

/** `year=YYYY/month=MM/day=DD/` of a UTC date: the same partitions as the v1 records. */
export function dayPartition(date: Date): string {
  const d = AUDIT_PARTITION_DIGITS
  return `year=${pad(date.getUTCFullYear(), d.year)}/month=${pad(date.getUTCMonth() + 1, d.month)}/day=${pad(date.getUTCDate(), d.day)}/`
}

function checkedRequestId(requestId: string): string {
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(requestId)) throw new Error(`invalid request id for an S3 key: ${requestId.slice(0, 80)}`)
  return requestId
}

export function bodyRecordKey(requestId: string, day: Date): string {
  return `${BODIES_PREFIX}${dayPartition(day)}records/${checkedRequestId(requestId)}${BODY_RECORD_SUFFIX}`
}

export function blockKey(sha256: string, day: Date): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('invalid block hash')
  return `${BODIES_PREFIX}${dayPartition(day)}blocks/${sha256}${BLOCK_SUFFIX}`
}

export function metadataKey(requestId: string, day: Date): string {
  return `${METADATA_PREFIX}${dayPartition(day)}${checkedRequestId(requestId)}${METADATA_SUFFIX}`
}

/** The UTC days covered by [from, to], newest first, as `PREFIX` + partition. */
export function dayPrefixesBetween(prefix: string, from: Date, to: Date): string[] {
  const out: string[] = []
  const day = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()))
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate())
  while (day.getTime() >= first) {
    out.push(`${prefix}${dayPartition(day)}`)
    day.setUTCDate(day.getUTCDate() - 1)
  }
  return out
}

/**
 * A block reference inside a skeleton: a NUL byte and the block's SHA-256 in hex. Bodies
 * that contain a NUL byte themselves are stored as one block (see body-segments.ts), so
 * a NUL in a skeleton is always a reference.
 */
export const BLOCK_MARKER_BYTE = 0
export const BLOCK_MARKER_LENGTH = 1 + 64

/** One stored body (a request's or a response's) inside a body record. */
export interface StoredBody {
  /** SHA-256 (hex) and length of the exact bytes the stored form rebuilds to. */
  sha256: string
  bytes: number
  /**
   * The bytes forwarded upstream / received from it, when the stored ones differ from them
   * because secrets were removed for the record; null otherwise.
   */
  original: { sha256: string; bytes: number } | null
  /** Secrets were replaced by markers in the stored bytes. */
  redacted: boolean
  /** The stored bytes are the first `bytes` of a longer body (the body cap). */
  truncated: boolean
  /**
   * The skeleton is a delta on the request skeleton of an earlier body record of the same
   * session and day (`ops`, see DeltaOp). Null: the skeleton is whole in `text`/`b64` (a checkpoint).
   */
  base: { request_id: string; ops: DeltaOp[] } | null
  /** The whole skeleton as UTF-8 text, or base64 when it is not valid UTF-8 (checkpoints). */
  text?: string
  b64?: string
}

/** A delta op: copy `[offset, length]` of the base skeleton, or insert text / base64 bytes. */
export type DeltaOp = [offset: number, length: number] | string | { b64: string }

export const BODY_RECORD_VERSION = 2

/** `bodies/…/records/<request_id>.json.gz`: what an auditor reads; never read by usage reports. */
export interface BodyRecord {
  version: typeof BODY_RECORD_VERSION
  request_id: string
  timestamp: string
  /** Session the delta chain belongs to (Codex session-id), if any. */
  session_id: string | null
  /** Requests since the last checkpoint in this chain (0 = this one is whole). */
  chain: number
  /**
   * A copy of the request's metadata record (without the body pointers): an auditor reads
   * one object per request, whichever way the metadata went (Firehose/Parquet or JSON).
   */
  metadata: Omit<AuditMetadata, 'bodies'> | null
  request_headers: Record<string, string>
  response_headers: Record<string, string> | null
  request: StoredBody | null
  response: StoredBody | null
  /**
   * What a translating upstream (Claude: Messages request, Anthropic/Bedrock SSE) got and
   * sent, as the record's text (capped, redacted); absent for other upstreams. Stored
   * whole, not content-addressed.
   */
  upstream?: { request_body: string | null; response_body: string | null }
}
