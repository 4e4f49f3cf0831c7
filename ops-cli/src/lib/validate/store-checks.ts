// Checks of the stores, the same against AWS and against the local stack: tokens are
// registered, and today's audit partition holds records.
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { BODIES_PREFIX, BODY_RECORD_SUFFIX, dayPartition } from '../../../../lambda/src/contracts/audit-bodies.js'
import { AUDIT_SUFFIX, auditDayPrefix } from '../../../../lambda/src/contracts/audit-key.js'
import { auditBucketFor, tokenAdminFor } from '../clients.js'
import type { Target } from '../target.js'
import { type CheckSpec, fail, pass } from './check.js'

/** The rows these checks produce (also listed, not run, when the local stack is down). */
export const STORE_CHECK_ROWS = [
  { id: 'tokens', check: 'Tokens table has enabled tokens' },
  { id: 'audit-today', check: "Today's audit partition has records" },
] as const

export function storeChecks(target: Target, now: Date): CheckSpec[] {
  return [
    {
      ...STORE_CHECK_ROWS[0],
      async run() {
        const tokens = await tokenAdminFor(target).list()
        const enabled = tokens.filter((t) => t.enabled).length
        if (enabled === 0) {
          return fail(`${target.tokensTable}: ${tokens.length} tokens, none enabled`, 'issue one: codex-proxy tokens add <user> (same target flags)')
        }
        return pass(`${target.tokensTable}: ${enabled} enabled of ${tokens.length}`)
      },
      onError: (err) => (err.name === 'ResourceNotFoundException' ? `no table ${target.tokensTable}: check --table or the stack outputs` : 'check AWS credentials, --region and --table'),
    },
    {
      ...STORE_CHECK_ROWS[1],
      async run() {
        const { s3, bucket } = auditBucketFor(target)
        // Audit v2 writes one body record per request under bodies/<day>/records/ (the
        // metadata goes to Firehose in AWS); v1 records sit under logs/<day>/.
        const prefixes = [`${BODIES_PREFIX}${dayPartition(now)}records/`, auditDayPrefix(now)]
        // One page each is enough to tell "none" from "some"; 1000 is S3's page size.
        const pages = await Promise.all(prefixes.map((Prefix) => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix, MaxKeys: 1000 }))))
        const count = pages.reduce((n, page) => n + (page.Contents ?? []).filter((o) => o.Key?.endsWith(AUDIT_SUFFIX) || o.Key?.endsWith(BODY_RECORD_SUFFIX)).length, 0)
        const truncated = pages.some((p) => p.IsTruncated)
        const prefix = count > 0 && (pages[0]!.Contents ?? []).length === 0 ? prefixes[1]! : prefixes[0]!
        const where = `s3://${bucket}/${prefix}`
        if (count === 0) {
          const hint = target.local
            ? 'if the proxy served requests today, look for CODEX_PROXY_AUDIT_FALLBACK lines in the output of `serve`'
            : 'if developers used the proxy today, records are not being written: check the audit-writes row, the AuditWriteFailures alarm and s3:PutObject on the bucket'
          return fail(`no records under ${where} (UTC day)`, hint)
        }
        return pass(`${count}${truncated ? '+' : ''} records under ${where}`)
      },
      onError: (err) => (err.name === 'NoSuchBucket' ? `no bucket ${target.bucket}: check --bucket or the stack outputs` : 'check AWS credentials, --region and --bucket'),
    },
  ]
}
