// Audit records read straight from the local stack's data directory, without any server:
// s3rver's objects (`<key>._S3rver_object`) and the fallback file's lines.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { AUDIT_FALLBACK_MARKER, type AuditRecord } from '../../lambda/src/contracts/audit-record.js'

/** Every audit object under s3rver's directory; throws on an unreadable (truncated) one. */
export async function recordsOnDisk(s3Dir: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = []
  const files = await readdir(s3Dir, { recursive: true }).catch(() => [] as string[])
  for (const file of files) {
    if (!file.endsWith('.json.gz._S3rver_object')) continue
    out.push(JSON.parse(gunzipSync(await readFile(join(s3Dir, file))).toString('utf8')) as AuditRecord)
  }
  return out
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
