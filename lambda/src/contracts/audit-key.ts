// S3 key layout of audit records: Hive-style date partitions (UTC) so that Athena
// partition projection can prune by day. Only the request id names the object:
// never a token, never a user-supplied string.

export const AUDIT_PREFIX = 'logs/'
export const AUDIT_SUFFIX = '.json.gz'
export const AUDIT_PARTITION_KEYS = ['year', 'month', 'day'] as const
/**
 * Width of each partition value in keys: zero-padded decimal (`year=2025/month=01/day=07`),
 * so string order is date order. The Glue table declares the partition columns as strings
 * projected as integers with these widths; query them with string literals
 * (`WHERE year = '2025' AND month = '01'`).
 */
export const AUDIT_PARTITION_DIGITS = { year: 4, month: 2, day: 2 } as const satisfies Record<
  (typeof AUDIT_PARTITION_KEYS)[number],
  number
>

const pad = (n: number) => String(n).padStart(2, '0')

export function auditDayPrefix(date: Date): string {
  return `${AUDIT_PREFIX}year=${date.getUTCFullYear()}/month=${pad(date.getUTCMonth() + 1)}/day=${pad(date.getUTCDate())}/`
}

export function auditRecordKey(requestId: string, timestamp: Date): string {
  if (!/^[0-9A-Za-z_-]+$/.test(requestId)) throw new Error(`invalid request id for an S3 key: ${requestId}`)
  return `${auditDayPrefix(timestamp)}${requestId}${AUDIT_SUFFIX}`
}

/** The UTC days covered by [from, to], newest first (for bounded, newest-first scans). */
export function auditDayPrefixesBetween(from: Date, to: Date): string[] {
  const out: string[] = []
  const day = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()))
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate())
  while (day.getTime() >= first) {
    out.push(auditDayPrefix(day))
    day.setUTCDate(day.getUTCDate() - 1)
  }
  return out
}
