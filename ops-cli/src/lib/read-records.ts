// Reading a period's audit records from the target's bucket with progress: shared by the
// reports that aggregate records directly (usage with the scan engine, secrets).
import type { AuditRecord } from '../../../lambda/src/contracts/audit-record.js'
import { scanAuditRecords } from './audit-scan.js'
import { auditBucketFor } from './clients.js'
import type { Progress } from './progress.js'
import type { Target } from './target.js'

export async function readAuditRecords(target: Target, from: Date, to: Date, onRecord: (record: AuditRecord) => void, progress: Progress): Promise<number> {
  const { s3, bucket } = auditBucketFor(target)
  progress.start(`Reading audit records from s3://${bucket}`)
  try {
    const { read } = await scanAuditRecords({ s3, bucket, from, to, onRecord, onProgress: (n, listed) => progress.status(`${n}/${listed} records`) })
    progress.stop(`${read} records`)
    return read
  } catch (err) {
    progress.stop('failed')
    throw err
  }
}
