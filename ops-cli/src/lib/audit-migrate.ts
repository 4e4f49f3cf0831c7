// v1 → v2: each v1 record (one gzip JSON object under logs/) becomes a metadata record and
// a body record, written by the proxy's own sink, oldest first so that a session's bodies
// chain as they would have. The bodies are the v1 record's text (capped, redacted as it
// was stored), so their hashes are of that text, not of bytes that were never kept.
import { AUDIT_PREFIX, AUDIT_SUFFIX } from '../../../lambda/src/contracts/audit-key.js'
import { dayPrefixesBetween, metadataKey } from '../../../lambda/src/contracts/audit-bodies.js'
import { metadataOfV1 } from '../../../lambda/src/contracts/audit-metadata.js'
import { STACK_OUTPUT } from '../../../lambda/src/contracts/stack-outputs.js'
import { BodyWriter } from '../../../lambda/src/bodies/body-writer.js'
import { AuditStoreSink } from '../../../lambda/src/stores/audit-store-sink.js'
import { FirehoseHttp } from '../../../lambda/src/stores/firehose-http.js'
import { FirehoseMetadataSink, type MetadataSink, ObjectMetadataSink } from '../../../lambda/src/stores/metadata-sinks.js'
import { S3ObjectStore } from '../../../lambda/src/stores/s3-object-store.js'
import { getMetadata, getV1Record, listKeys } from './audit-store.js'
import { auditBucketFor } from './clients.js'
import type { Target } from './target.js'

export async function migrateV1(target: Target, from: Date, to: Date, dryRun: boolean) {
  const { s3, bucket } = auditBucketFor(target)
  const objects = new S3ObjectStore(s3, bucket, target.kind === 'local' ? 'head-then-put' : 'if-none-match')
  const stream = target.outputs[STACK_OUTPUT.metadataStream]
  let metadata: MetadataSink = new ObjectMetadataSink(objects)
  if (stream && !dryRun) {
    // The CLI's credentials (profiles, SSO) as the S3 client resolved them.
    const creds = await s3.config.credentials()
    const region = await s3.config.region()
    metadata = new FirehoseMetadataSink(new FirehoseHttp({ region, credentials: () => creds }), stream)
  }
  const sink = new AuditStoreSink(new BodyWriter(objects), metadata)
  let v1Records = 0
  let migrated = 0
  let skipped = 0
  // Oldest day first, oldest record first: session chains run forward.
  for (const prefix of dayPrefixesBetween(AUDIT_PREFIX, from, to).reverse()) {
    const keys = (await listKeys(s3, bucket, prefix, AUDIT_SUFFIX)).sort()
    for (const key of keys) {
      const record = await getV1Record(s3, bucket, key)
      if (!record) continue
      const at = Date.parse(record.timestamp)
      if (at < from.getTime() || at > to.getTime()) continue
      v1Records += 1
      // Idempotence for JSON metadata; Firehose rows cannot be looked up, so a re-run
      // through Firehose would duplicate them: it is refused there unless nothing exists.
      if (!stream && (await getMetadata(s3, bucket, metadataKey(record.request_id, new Date(at))))) {
        skipped += 1
        continue
      }
      if (!dryRun) {
        // v1 records predate turn/window ids and the request kind: nulls.
        const { client } = metadataOfV1(record)
        const bytes = (text: string | null, truncated: boolean | null) =>
          text === null ? undefined : { stored: new TextEncoder().encode(text), redacted: record.secret_findings.length > 0, truncated: truncated ?? false }
        await sink.write(
          { ...record, client },
          { request: bytes(record.request_body, record.truncated?.request_body ?? null), response: bytes(record.response_body, record.truncated?.response_body ?? null) },
        )
      }
      migrated += 1
    }
  }
  return { v1_records: v1Records, migrated, skipped, metadata_sink: stream ? ('firehose' as const) : ('objects' as const) }
}
