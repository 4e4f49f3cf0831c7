// Where metadata records go. In AWS: Amazon Data Firehose, which converts them to Parquet
// partitioned by day in the analytics bucket (infra/analytics.ts). Locally (and `serve
// --aws`): one small gzip JSON object per request under `metadata/` in the audit bucket, which
// the ops CLI reads. Both write the same AuditMetadata (contracts/audit-metadata.ts).
import { METADATA_SUFFIX, metadataKey } from '../contracts/audit-bodies.js'
import type { AuditMetadata } from '../contracts/audit-metadata.js'
import { gzipObject } from '../bodies/gzip.js'
import type { ObjectStore } from '../bodies/object-store.js'
import type { FirehoseHttp } from './firehose-http.js'

export interface MetadataSink {
  put(record: AuditMetadata): Promise<void>
}

export class ObjectMetadataSink implements MetadataSink {
  constructor(private readonly store: ObjectStore) {}

  async put(record: AuditMetadata): Promise<void> {
    const key = metadataKey(record.request_id, new Date(record.timestamp))
    if (!key.endsWith(METADATA_SUFFIX)) throw new Error('metadata key layout changed')
    await this.store.create(key, await gzipObject(JSON.stringify(record), 6), 'application/gzip')
  }
}

export class FirehoseMetadataSink implements MetadataSink {
  constructor(
    private readonly firehose: Pick<FirehoseHttp, 'putRecord'>,
    private readonly streamName: string,
  ) {}

  async put(record: AuditMetadata): Promise<void> {
    // One JSON object per line: Firehose concatenates records, and its JSON deserializer
    // (OpenX) reads newline-delimited objects before converting them to Parquet.
    await this.firehose.putRecord(this.streamName, new TextEncoder().encode(`${JSON.stringify(record)}\n`))
  }
}
