// Reads audit records straight from the bucket, newest day first: the `scan` engine of
// the reports (the local stack has no Athena) and the search behind `check-origin`.
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { AUDIT_SUFFIX, auditDayPrefixesBetween } from '../../../lambda/src/contracts/audit-key.js'
import type { AuditRecord } from '../../../lambda/src/contracts/audit-record.js'

const gunzipAsync = promisify(gunzip)

export interface ScanOptions {
  s3: S3Client
  bucket: string
  from: Date
  to: Date
  /** Stop after this many records have been read (bounded searches). */
  maxRecords?: number
  /** Parallel GETs. */
  concurrency?: number
  onProgress?: (read: number, listed: number) => void
  /** Return false to stop the scan early. */
  onRecord: (record: AuditRecord) => boolean | void
}

export async function scanAuditRecords(options: ScanOptions): Promise<{ read: number; listed: number }> {
  const concurrency = options.concurrency ?? 16
  let read = 0
  let listed = 0
  let stopped = false
  for (const prefix of auditDayPrefixesBetween(options.from, options.to)) {
    if (stopped) break
    const keys = await listKeys(options.s3, options.bucket, prefix)
    // Request ids are ULIDs: lexical order is time order, so reverse for newest first.
    keys.sort().reverse()
    listed += keys.length
    for (let i = 0; i < keys.length && !stopped; i += concurrency) {
      const batch = keys.slice(i, i + concurrency)
      const records = await Promise.all(batch.map((key) => getRecord(options.s3, options.bucket, key)))
      for (const record of records) {
        if (!record) continue
        const at = Date.parse(record.timestamp)
        if (at < options.from.getTime() || at > options.to.getTime()) continue
        read += 1
        if (options.onRecord(record) === false || (options.maxRecords !== undefined && read >= options.maxRecords)) {
          stopped = true
          break
        }
      }
      options.onProgress?.(read, listed)
    }
  }
  return { read, listed }
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
    for (const o of page.Contents ?? []) if (o.Key?.endsWith(AUDIT_SUFFIX)) keys.push(o.Key)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return keys
}

async function getRecord(s3: S3Client, bucket: string, key: string): Promise<AuditRecord | undefined> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  const bytes = await object.Body?.transformToByteArray()
  if (!bytes) return undefined
  try {
    return JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as AuditRecord
  } catch {
    return undefined // a foreign or damaged object: skip, the report counts what it read
  }
}
