// Where an error text appears in what clients were sent: the response bodies of audit
// records (newest first, bounded), and the fallback log lines that hold records whose
// S3 write failed (deployed stacks: the function's log group).
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import type { S3Client } from '@aws-sdk/client-s3'
import { AUDIT_FALLBACK_MARKER, type AuditRecord } from '../../../../lambda/src/contracts/audit-record.js'
import { scanAuditRecords } from '../audit-scan.js'

export interface OriginMatch {
  request_id: string
  timestamp: string
  user_id: string | null
  status: number
  origin: string
  error_code: string | null
  model: string | null
  found_in: 'audit_record' | 'fallback_log'
}

/**
 * Case-insensitive containment of the text as typed, or as it appears inside a JSON
 * string (an error message in an SSE or JSON body has its quotes and newlines escaped).
 */
export function bodyMatcher(text: string): (body: string | null) => boolean {
  const plain = text.toLowerCase()
  const escaped = JSON.stringify(text).slice(1, -1).toLowerCase()
  return (body) => {
    if (!body) return false
    const lower = body.toLowerCase()
    return lower.includes(plain) || lower.includes(escaped)
  }
}

const toMatch = (r: AuditRecord, foundIn: OriginMatch['found_in']): OriginMatch => ({
  request_id: r.request_id,
  timestamp: r.timestamp,
  user_id: r.user_id,
  status: r.status,
  origin: r.origin,
  error_code: r.error_code,
  model: r.model,
  found_in: foundIn,
})

export interface RecordSearch {
  read: number
  listed: number
  /** False when --max stopped the scan before the start of the window. */
  complete: boolean
  matches: OriginMatch[]
}

export async function searchAuditRecords(options: {
  s3: S3Client
  bucket: string
  text: string
  from: Date
  to: Date
  max: number
  onProgress?: (read: number, listed: number, matches: number) => void
}): Promise<RecordSearch> {
  const matches: OriginMatch[] = []
  const contains = bodyMatcher(options.text)
  const { read, listed } = await scanAuditRecords({
    s3: options.s3,
    bucket: options.bucket,
    from: options.from,
    to: options.to,
    maxRecords: options.max,
    onRecord: (record) => {
      if (contains(record.response_body)) matches.push(toMatch(record, 'audit_record'))
    },
    onProgress: (n, total) => options.onProgress?.(n, total, matches.length),
  })
  return { read, listed, complete: read < options.max, matches }
}

export async function searchFallbackLines(options: {
  logs: CloudWatchLogsClient
  logGroup: string
  text: string
  from: Date
  to: Date
  max: number
}): Promise<{ read: number; matches: OriginMatch[] }> {
  const contains = bodyMatcher(options.text)
  const matches: OriginMatch[] = []
  let read = 0
  let nextToken: string | undefined
  do {
    const page = await options.logs.send(
      new FilterLogEventsCommand({
        logGroupName: options.logGroup,
        startTime: options.from.getTime(),
        endTime: options.to.getTime(),
        // A quoted term: only the marked lines, whatever the Lambda line prefix.
        filterPattern: `"${AUDIT_FALLBACK_MARKER}"`,
        nextToken,
      }),
    )
    for (const event of page.events ?? []) {
      const record = parseFallbackLine(event.message ?? '')
      if (!record) continue
      read += 1
      if (contains(record.response_body)) matches.push(toMatch(record, 'fallback_log'))
      if (read >= options.max) return { read, matches }
    }
    nextToken = page.nextToken
  } while (nextToken)
  return { read, matches }
}

/** The record inside `… CODEX_PROXY_AUDIT_FALLBACK {"reason":…,"record":{…}}`, if well formed. */
export function parseFallbackLine(line: string): AuditRecord | undefined {
  const at = line.indexOf(`${AUDIT_FALLBACK_MARKER} `)
  if (at < 0) return undefined
  try {
    const parsed = JSON.parse(line.slice(at + AUDIT_FALLBACK_MARKER.length + 1)) as { record?: AuditRecord }
    return parsed.record && typeof parsed.record.request_id === 'string' ? parsed.record : undefined
  } catch {
    return undefined
  }
}
