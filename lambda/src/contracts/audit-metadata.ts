// The analytics record (audit v2): everything about a request except its bodies and
// headers, plus pointers to and hashes of the stored bodies. It is what usage reports,
// `audit list` and `report sessions` read; the bodies sit apart (contracts/audit-bodies.ts)
// behind their own read permission.
//
// The field table is derived from the audit record's: every record field except the
// excluded ones, so a field added to AUDIT_RECORD_FIELDS (e.g. by the upstream pool)
// reaches the metadata, its Glue/Parquet columns and Firehose without a second edit.
import { AUDIT_RECORD_FIELDS, type AuditRecord, type RecordOf } from './audit-record.js'

/** Record fields that hold prompt or response content, or raw headers: auditor-only. */
export const BODY_ONLY_FIELDS = [
  'request_headers',
  'response_headers',
  'request_body',
  'response_body',
  'truncated',
  // A translating upstream's (Claude) request and raw stream: prompt content too.
  'upstream_request_body',
  'upstream_response_body',
] as const
type BodyOnly = (typeof BODY_ONLY_FIELDS)[number]

const f = <T extends (typeof AUDIT_RECORD_FIELDS)[keyof typeof AUDIT_RECORD_FIELDS]['type'] | { struct: Record<string, 'string' | 'boolean' | 'bigint' | 'int'> }, N extends boolean>(
  type: T,
  nullable: N,
  doc: string,
) => ({ type, nullable, doc })

const EXTRA_FIELDS = {
  record_version: f('int', false, 'Record layout version: 2 (bodies stored apart, content-addressed).'),
  bodies: f(
    {
      struct: {
        record_key: 'string',
        request_sha256: 'string',
        request_bytes: 'bigint',
        request_redacted: 'boolean',
        request_truncated: 'boolean',
        response_sha256: 'string',
        response_bytes: 'bigint',
        response_redacted: 'boolean',
        response_truncated: 'boolean',
      },
    },
    true,
    'Pointer to the body record (bodies/… key, auditors only) and the SHA-256 and size of the stored request/response bytes.',
  ),
} as const

type RecordFields = typeof AUDIT_RECORD_FIELDS
type MetadataFields = Omit<RecordFields, BodyOnly> & typeof EXTRA_FIELDS

function metadataFields(): MetadataFields {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(AUDIT_RECORD_FIELDS)) {
    if (!(BODY_ONLY_FIELDS as readonly string[]).includes(name)) out[name] = spec
  }
  return { ...(out as Omit<RecordFields, BodyOnly>), ...EXTRA_FIELDS }
}

export const AUDIT_METADATA_FIELDS = metadataFields()
export type AuditMetadata = RecordOf<MetadataFields>
export type BodyPointers = NonNullable<AuditMetadata['bodies']>

/** The metadata record of a request: the audit record without bodies and headers. */
export function toMetadata(record: AuditRecord, bodies: BodyPointers | null): AuditMetadata {
  const out: Record<string, unknown> = { record_version: 2 }
  for (const name of Object.keys(AUDIT_METADATA_FIELDS)) {
    if (name in record) out[name] = record[name as keyof AuditRecord]
  }
  out.record_version = 2
  out.bodies = bodies
  return out as AuditMetadata
}

/** Metadata of a v1 record (one object holding bodies too): what `audit migrate` writes. */
export function metadataOfV1(record: AuditRecord): AuditMetadata {
  const meta = toMetadata(record, null)
  // v1 records predate these client ids: absent there, null here.
  const client: Partial<AuditRecord['client']> = record.client ?? {}
  meta.client = {
    originator: client.originator ?? null,
    user_agent: client.user_agent ?? null,
    session_id: client.session_id ?? null,
    thread_id: client.thread_id ?? null,
    client_request_id: client.client_request_id ?? null,
    turn_id: client.turn_id ?? null,
    window_id: client.window_id ?? null,
    request_kind: client.request_kind ?? null,
  }
  return meta
}
