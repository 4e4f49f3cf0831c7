// Reading the audit store from the ops CLI: metadata records (what usage reports, `audit
// list` and `report sessions` read; never a body) and, for auditors, body records rebuilt
// byte-exact. v1 records (one gzip JSON per request under logs/) are read too, so nothing
// written before audit v2 disappears from `audit show` or `check-origin`.
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { auditRecordKey } from '../../../lambda/src/contracts/audit-key.js'
import { type BodyRecord, dayPrefixesBetween, METADATA_PREFIX, METADATA_SUFFIX, bodyRecordKey, metadataKey } from '../../../lambda/src/contracts/audit-bodies.js'
import type { AuditMetadata } from '../../../lambda/src/contracts/audit-metadata.js'
import type { AuditRecord } from '../../../lambda/src/contracts/audit-record.js'
import { BodyReader, type RebuiltBody } from '../../../lambda/src/bodies/body-reader.js'
import { S3ObjectStore } from '../../../lambda/src/stores/s3-object-store.js'

const gunzipAsync = promisify(gunzip)

export async function listKeys(s3: S3Client, bucket: string, prefix: string, suffix: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
    for (const o of page.Contents ?? []) if (o.Key?.endsWith(suffix)) keys.push(o.Key)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return keys
}

async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    return await object.Body?.transformToByteArray()
  } catch (err) {
    if ((err as Error).name === 'NoSuchKey') return undefined
    throw err
  }
}

export async function getMetadata(s3: S3Client, bucket: string, key: string): Promise<AuditMetadata | undefined> {
  const bytes = await getBytes(s3, bucket, key)
  if (!bytes) return undefined
  try {
    return JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as AuditMetadata
  } catch {
    return undefined // a foreign or damaged object: skip it, as the v1 scan does
  }
}

export async function getV1Record(s3: S3Client, bucket: string, key: string): Promise<AuditRecord | undefined> {
  const bytes = await getBytes(s3, bucket, key)
  if (!bytes) return undefined
  try {
    return JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as AuditRecord
  } catch {
    return undefined
  }
}

/** A bounded scan of the audit bucket over [from, to], delivering records of type R. */
export interface RecordScan<R> {
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
  onRecord: (record: R) => boolean | void
}

export type MetadataScan = RecordScan<AuditMetadata>

/** Metadata records of [from, to], newest first. Reads only keys under `metadata/`. */
export async function scanMetadata(options: MetadataScan): Promise<{ read: number; listed: number }> {
  const concurrency = options.concurrency ?? 16
  let read = 0
  let listed = 0
  for (const prefix of dayPrefixesBetween(METADATA_PREFIX, options.from, options.to)) {
    const keys = (await listKeys(options.s3, options.bucket, prefix, METADATA_SUFFIX)).sort().reverse()
    listed += keys.length
    for (let i = 0; i < keys.length; i += concurrency) {
      const batch = await Promise.all(keys.slice(i, i + concurrency).map((k) => getMetadata(options.s3, options.bucket, k)))
      for (const record of batch) {
        if (!record) continue
        const at = Date.parse(record.timestamp)
        if (at < options.from.getTime() || at > options.to.getTime()) continue
        read += 1
        if (options.onRecord(record) === false || (options.maxRecords !== undefined && read >= options.maxRecords)) return { read, listed }
      }
      options.onProgress?.(read, listed)
    }
  }
  return { read, listed }
}

const DAMAGED = Symbol('damaged body')

/** Body access for auditors: body records and bodies rebuilt and checked. */
export class AuditBodies {
  readonly reader: BodyReader

  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {
    this.reader = new BodyReader(new S3ObjectStore(s3, bucket))
  }

  async recordFor(meta: AuditMetadata): Promise<BodyRecord | undefined> {
    const key = meta.bodies?.record_key ?? bodyRecordKey(meta.request_id, new Date(meta.timestamp))
    return this.reader.recordAt(key)
  }

  async body(record: BodyRecord, which: 'request' | 'response'): Promise<RebuiltBody | undefined> {
    return this.reader.body(record, which)
  }

  /**
   * The v1-shaped record of a v2 request: metadata, headers and bodies as text. A body
   * that cannot be rebuilt (missing or altered block: BodyIntegrityError) is left out
   * (null, marked truncated), so that one damaged request does not stop a search.
   */
  async assemble(meta: AuditMetadata, bodyRecord?: BodyRecord): Promise<AuditRecord> {
    const record = bodyRecord ?? (await this.recordFor(meta))
    const rebuild = (which: 'request' | 'response') =>
      record ? this.body(record, which).catch((err: Error) => (err.name === 'BodyIntegrityError' ? DAMAGED : Promise.reject(err))) : Promise.resolve(undefined)
    const [reqOrDamaged, resOrDamaged] = await Promise.all([rebuild('request'), rebuild('response')])
    const req = reqOrDamaged === DAMAGED ? undefined : reqOrDamaged
    const res = resOrDamaged === DAMAGED ? undefined : resOrDamaged
    const text = (b: RebuiltBody | undefined) => (b ? new TextDecoder().decode(b.bytes) : null)
    const { record_version: _v, bodies: _b, ...rest } = meta
    return {
      ...(rest as Omit<AuditRecord, 'request_headers' | 'response_headers' | 'request_body' | 'response_body' | 'truncated'>),
      request_headers: record?.request_headers ?? {},
      response_headers: record?.response_headers ?? null,
      request_body: text(req),
      response_body: text(res),
      upstream_request_body: record?.upstream?.request_body ?? null,
      upstream_response_body: record?.upstream?.response_body ?? null,
      truncated: { request_body: reqOrDamaged === DAMAGED || (req?.stored.truncated ?? false), response_body: resOrDamaged === DAMAGED || (res?.stored.truncated ?? false) },
    }
  }
}

/** Where a request id's records would be (ULID time = request start = partition day). */
export function keysOfRequest(requestId: string, at: Date): { metadata: string; v1: string; body: string } {
  return { metadata: metadataKey(requestId, at), v1: auditRecordKey(requestId, at), body: bodyRecordKey(requestId, at) }
}

