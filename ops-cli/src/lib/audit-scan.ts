// Reads whole audit records (bodies included) straight from the bucket, newest day first:
// the search behind `check-origin` (an auditor's read). v1 records (logs/) and v2 ones
// (reassembled into the same shape) are read alike, merged in request-id order (ULIDs:
// time order). A v2 request is listed by its metadata object where the bucket has them
// (local host, serve --aws: a request is stored once its metadata is, the last write); a
// day without any — a deployed stack, whose metadata is Parquet in its own bucket — is
// listed by its body records, which carry a copy of their metadata. Usage reports do NOT
// use this: they read metadata only (audit-store.ts scanMetadata).
import { AUDIT_PREFIX, AUDIT_SUFFIX } from '../../../lambda/src/contracts/audit-key.js'
import { BODIES_PREFIX, BODY_RECORD_SUFFIX, dayPrefixesBetween, METADATA_PREFIX, METADATA_SUFFIX } from '../../../lambda/src/contracts/audit-bodies.js'
import type { AuditMetadata } from '../../../lambda/src/contracts/audit-metadata.js'
import type { AuditRecord } from '../../../lambda/src/contracts/audit-record.js'
import { AuditBodies, getMetadata, getV1Record, listKeys, type RecordScan } from './audit-store.js'

export type ScanOptions = RecordScan<AuditRecord>

const idOf = (key: string) => key.slice(key.lastIndexOf('/') + 1).split('.')[0]!

export async function scanAuditRecords(options: ScanOptions): Promise<{ read: number; listed: number }> {
  const concurrency = options.concurrency ?? 16
  const bodies = new AuditBodies(options.s3, options.bucket)
  const load = async (key: string): Promise<AuditRecord | undefined> => {
    // By prefix: v1 records, v2 metadata and body records share the `.json.gz` suffix.
    if (key.startsWith(AUDIT_PREFIX)) return getV1Record(options.s3, options.bucket, key)
    if (key.startsWith(METADATA_PREFIX)) {
      const meta = await getMetadata(options.s3, options.bucket, key)
      return meta && bodies.assemble(meta)
    }
    // A damaged or foreign object is skipped, as the v1 scan does; access errors surface.
    const record = await bodies.reader.recordAt(key).catch((err: Error) => {
      if (err.name === 'BodyIntegrityError' || err instanceof SyntaxError || (err as { code?: string }).code === 'Z_DATA_ERROR') return undefined
      throw err
    })
    return record?.metadata ? bodies.assemble({ ...record.metadata, bodies: null } as AuditMetadata, record) : undefined
  }
  let read = 0
  let listed = 0
  let stopped = false
  for (const bodiesDay of dayPrefixesBetween(BODIES_PREFIX, options.from, options.to)) {
    if (stopped) break
    const day = bodiesDay.slice(BODIES_PREFIX.length)
    const [v1, metadata] = await Promise.all([
      listKeys(options.s3, options.bucket, `${AUDIT_PREFIX}${day}`, AUDIT_SUFFIX),
      listKeys(options.s3, options.bucket, `${METADATA_PREFIX}${day}`, METADATA_SUFFIX),
    ])
    const v2 = metadata.length > 0 ? metadata : await listKeys(options.s3, options.bucket, `${bodiesDay}records/`, BODY_RECORD_SUFFIX)
    const keys = [...v1, ...v2].sort((a, b) => (idOf(a) < idOf(b) ? 1 : idOf(a) > idOf(b) ? -1 : 0))
    listed += keys.length
    for (let i = 0; i < keys.length && !stopped; i += concurrency) {
      const records = await Promise.all(keys.slice(i, i + concurrency).map(load))
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

