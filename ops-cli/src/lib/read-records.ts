// Reading a period's metadata records from the target's bucket with progress: shared by
// the reports that aggregate records directly (usage with the scan engine, secrets). Only
// keys under `metadata/` are read — never a body (test/integration/ops-usage.test.ts
// proves it with a spy on every S3 GET).
import type { AuditMetadata } from '../../../lambda/src/contracts/audit-metadata.js'
import { scanMetadata } from './audit-store.js'
import { auditBucketFor } from './clients.js'
import type { Progress } from './progress.js'
import type { Target } from './target.js'

export async function readMetadataRecords(target: Target, from: Date, to: Date, onRecord: (record: AuditMetadata) => void, progress: Progress): Promise<number> {
  const { s3, bucket } = auditBucketFor(target)
  progress.start(`Reading metadata records from s3://${bucket}`)
  try {
    const { read } = await scanMetadata({ s3, bucket, from, to, onRecord, onProgress: (n, listed) => progress.status(`${n}/${listed} records`) })
    progress.stop(`${read} records`)
    return read
  } catch (err) {
    progress.stop('failed')
    throw err
  }
}
