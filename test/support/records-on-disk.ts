// Audit records read straight from the local stack's data directory, without any server:
// s3rver's objects (`<key>._S3rver_object`) and the fallback file's lines.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { BODIES_PREFIX, METADATA_PREFIX } from '../../lambda/src/contracts/audit-bodies.js'
import type { AuditMetadata } from '../../lambda/src/contracts/audit-metadata.js'
import { AUDIT_FALLBACK_MARKER, type AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { BodyReader } from '../../lambda/src/bodies/body-reader.js'
import type { ObjectStore } from '../../lambda/src/bodies/object-store.js'

/**
 * Every request's record under s3rver's directory; throws on an unreadable (truncated)
 * object. v1 records are read as they are; a v2 request (its metadata object) gets its
 * bodies rebuilt from its body record and blocks, checked against their hashes.
 */
export async function recordsOnDisk(s3Dir: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = []
  const files = await readdir(s3Dir, { recursive: true }).catch(() => [] as string[])
  for (const file of files) {
    if (!file.endsWith('.json.gz._S3rver_object')) continue
    const [bucket, ...rest] = file.split('/')
    const key = rest.join('/').replace(/\._S3rver_object$/, '')
    if (key.startsWith(BODIES_PREFIX)) continue // parts of v2 requests, read through their metadata
    const doc = JSON.parse(gunzipSync(await readFile(join(s3Dir, file))).toString('utf8'))
    if (!key.startsWith(METADATA_PREFIX)) {
      out.push(doc as AuditRecord)
      continue
    }
    const meta = doc as AuditMetadata
    const reader = new BodyReader(filesystemStore(join(s3Dir, bucket!)))
    const bodyRecord = meta.bodies?.record_key ? await reader.recordAt(meta.bodies.record_key) : undefined
    const text = async (which: 'request' | 'response') => {
      const body = bodyRecord ? await reader.body(bodyRecord, which) : undefined
      return body ? new TextDecoder().decode(body.bytes) : null
    }
    const { record_version: _v, bodies: _b, ...fields } = meta
    out.push({ ...(fields as unknown as AuditRecord), request_body: await text('request'), response_body: await text('response') })
  }
  return out
}

/** s3rver's objects of one bucket as a read-only ObjectStore. */
function filesystemStore(bucketDir: string): ObjectStore {
  return {
    create: async () => {
      throw new Error('read-only')
    },
    get: async (key) => readFile(join(bucketDir, `${key}._S3rver_object`)).then((b) => new Uint8Array(b), () => undefined),
  }
}

/** Files s3rver would list or read that are not complete objects (temporaries left over). */
export async function leftoverTempFiles(s3Dir: string): Promise<string[]> {
  const files = await readdir(s3Dir, { recursive: true }).catch(() => [] as string[])
  return files.filter((f) => f.endsWith('.tmp'))
}

export async function fallbackFileRecords(dataDir: string): Promise<AuditRecord[]> {
  const text = await readFile(join(dataDir, 'audit-fallback.log'), 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${AUDIT_FALLBACK_MARKER} `))
    .map((l) => (JSON.parse(l.slice(AUDIT_FALLBACK_MARKER.length + 1)) as { record: AuditRecord }).record)
}
