import { Args, Flags } from '@oclif/core'
import { BaseCommand, UserError } from '../lib/base-command.js'
import type { ErrorExplanation } from '../lib/origin/classify.js'
import type { OriginMatch } from '../lib/origin/search.js'
import { deploymentFlags, type TargetFlagValues, targetFlags } from '../lib/target.js'

export interface OriginSearch {
  days: number
  max: number
  from: string
  to: string
  records_read: number
  /** False when --max stopped the search before the start of the window. */
  complete: boolean
  /** Fallback log lines read; null when not searched (local stack, or no log group). */
  fallback_lines_read: number | null
  /** Why the fallback lines could not be searched, if they could not. */
  fallback_error: string | null
  matches_total: number
  /** Newest first, at most MAX_LISTED. */
  matches: OriginMatch[]
}

export interface CheckOriginResult {
  text: string
  /** Who produced the text: the proxy, AWS in front of the function, or the upstream API. */
  origin: 'proxy' | 'aws' | 'upstream' | 'mixed' | 'not_found'
  matched_by: 'catalogue' | 'aws_messages' | 'audit_records' | null
  error: ErrorExplanation | null
  search: OriginSearch | null
}

const MAX_LISTED = 50

export default class CheckOrigin extends BaseCommand<CheckOriginResult> {
  static override summary = 'Tell whether an error text came from the proxy, from AWS, or from upstream (OpenAI).'
  static override description =
    `First matches the text against the proxy's error catalogue and against the messages AWS itself sends for a Function URL (payload too large, throttling, forbidden, function error): those need no AWS access. Otherwise it searches the response bodies of the audit records, newest first, bounded by --days and --max (and, for a deployed stack, the fallback log lines of records whose S3 write failed), and lists the matching requests.`
  static override examples = [
    { description: 'A message a developer saw in Codex', command: `<%= config.bin %> <%= command.id %> "We're currently experiencing high demand" --stack-outputs stack-outputs.json` },
    { description: 'A proxy error: answered from the catalogue, no AWS access needed', command: '<%= config.bin %> <%= command.id %> "budget exceeded: daily budget of $20 for user alice"' },
    { description: 'An AWS error in front of the function', command: '<%= config.bin %> <%= command.id %> "Rate Exceeded."' },
    { description: 'Search further back, more records, machine-readable', command: '<%= config.bin %> <%= command.id %> "temporary errors" --days 30 --max 5000 --local --json' },
  ]
  static override args = { text: Args.string({ description: 'The error text (or a distinctive part of it).', required: true }) }
  static override flags = {
    ...targetFlags,
    ...deploymentFlags,
    days: Flags.integer({ description: 'Search the audit records of this many days back.', default: 7, min: 1, max: 366 }),
    max: Flags.integer({ description: 'Read at most this many records (newest first).', default: 500, min: 1 }),
  }

  async run(): Promise<CheckOriginResult> {
    const { args, flags } = await this.parse(CheckOrigin)
    const text = args.text.trim()
    if (text.length < 3) throw new UserError('the text is too short to tell anything: give at least 3 characters of the error message')
    const { classifyErrorText } = await import('../lib/origin/classify.js')
    const explained = classifyErrorText(text)
    const result: CheckOriginResult = explained
      ? { text, origin: explained.source, matched_by: explained.source === 'proxy' ? 'catalogue' : 'aws_messages', error: explained, search: null }
      : await this.searchRecords(text, flags)
    if (!this.jsonEnabled()) await this.render(result)
    return result
  }

  private async searchRecords(text: string, flags: TargetFlagValues & { days: number; max: number }): Promise<CheckOriginResult> {
    const [{ resolveTarget }, { auditBucketFor }, { searchAuditRecords, searchFallbackLines }, { explainProxyError, isProxyErrorCode }, { progressFor }, { lastDays }] = await Promise.all([
      import('../lib/target.js'),
      import('../lib/clients.js'),
      import('../lib/origin/search.js'),
      import('../lib/origin/classify.js'),
      import('../lib/progress.js'),
      import('../lib/time-range.js'),
    ])
    const target = await resolveTarget(flags)
    const { s3, bucket } = auditBucketFor(target)
    const { from, to } = lastDays(flags.days)
    const progress = progressFor({ json: this.jsonEnabled() })
    progress.start(`Searching audit records in s3://${bucket}, newest first`)
    const records = await searchAuditRecords({
      s3,
      bucket,
      text,
      from,
      to,
      max: flags.max,
      onProgress: (read, listed, found) => progress.status(`${read}/${listed} records read, ${found} matches`),
    })
    let fallback: { read: number; matches: OriginMatch[] } | null = null
    let fallbackError: string | null = null
    const logGroup = target.kind === 'aws' ? target.deployment.logGroup : undefined
    if (logGroup) {
      progress.status(`searching fallback log lines in ${logGroup}`)
      try {
        const { logsClient } = await import('../lib/service-clients.js')
        fallback = await searchFallbackLines({ logs: logsClient(target), logGroup, text, from, to, max: flags.max })
      } catch (err) {
        // The records were searched; say what could not be, rather than fail the answer.
        fallbackError = `${(err as Error).name}: ${(err as Error).message}`
      }
    }
    progress.stop()
    const matches = [...records.matches, ...(fallback?.matches ?? [])].sort((a, b) => b.timestamp.localeCompare(a.timestamp))
    const origins = new Set(matches.map((m) => m.origin))
    const origin: CheckOriginResult['origin'] = matches.length === 0 ? 'not_found' : origins.size > 1 ? 'mixed' : origins.has('proxy') ? 'proxy' : 'upstream'
    const proxyCode = mostCommon(matches.filter((m) => m.origin === 'proxy').map((m) => m.error_code))
    return {
      text,
      origin,
      matched_by: matches.length ? 'audit_records' : null,
      error: origin === 'proxy' && isProxyErrorCode(proxyCode) ? explainProxyError(proxyCode) : null,
      search: {
        days: flags.days,
        max: flags.max,
        from: from.toISOString(),
        to: to.toISOString(),
        records_read: records.read,
        complete: records.complete,
        fallback_lines_read: fallback?.read ?? null,
        fallback_error: fallbackError,
        matches_total: matches.length,
        matches: matches.slice(0, MAX_LISTED),
      },
    }
  }

  private async render(result: CheckOriginResult): Promise<void> {
    const { error, search } = result
    if (result.matched_by === 'catalogue' || result.matched_by === 'aws_messages') {
      this.log(`Generated by ${result.origin === 'proxy' ? 'the proxy' : 'AWS (Lambda Function URL), not by the proxy'}: ${describeCode(error!)}`)
      this.logExplanation(error!)
      return
    }
    const s = search!
    if (result.origin === 'not_found') {
      const scope = s.complete ? `the last ${s.days} days (${s.records_read} records read)` : `the newest ${s.records_read} records of the last ${s.days} days (raise --max to read more)`
      this.log(`Not found in ${scope}: no response body contains "${result.text}".`)
      this.log('It is not a proxy or AWS error message either. Check the exact wording, or search further back with --days.')
    } else {
      const where = `${s.matches_total} response${s.matches_total === 1 ? '' : 's'} of the last ${s.days} days`
      if (result.origin === 'upstream') {
        this.log(`Came from upstream (OpenAI): found in ${where}.`)
        this.log('The proxy forwarded these responses unchanged; nothing to fix on the proxy side.')
      } else if (result.origin === 'proxy') {
        this.log(`Generated by the proxy: found in ${where}${error ? `, ${describeCode(error)}` : ''}.`)
        if (error) this.logExplanation(error)
      } else {
        this.log(`Found in ${where}, from both the proxy and upstream (see the origin column).`)
      }
      const { printTable } = await import('../lib/table.js')
      printTable({
        data: s.matches.map((m) => ({
          request_id: m.found_in === 'fallback_log' ? `${m.request_id} (log line)` : m.request_id,
          time: m.timestamp.slice(0, 19).replace('T', ' '),
          user: m.user_id ?? '(none)',
          status: String(m.status),
          origin: m.origin + (m.error_code ? ` (${m.error_code})` : ''),
          model: m.model ?? '',
        })),
        columns: ['request_id', 'time', 'user', 'status', 'origin', 'model'],
        headerOptions: { formatter: 'capitalCase' },
      })
      if (s.matches_total > s.matches.length) this.log(`(${s.matches_total - s.matches.length} more not listed; --json lists ${MAX_LISTED})`)
      if (!s.complete) this.log(`Stopped after the newest ${s.records_read} records: raise --max to search all ${s.days} days.`)
    }
    if (s.fallback_error) this.log(`Fallback log lines were not searched: ${s.fallback_error}`)
  }

  private logExplanation(error: ErrorExplanation): void {
    if (error.message) this.log(`  Message:    ${error.message}`)
    this.log(`  Meaning:    ${error.meaning}`)
    this.log(`  What to do: ${error.action}`)
  }
}

function describeCode(error: ErrorExplanation): string {
  const status = error.codex_status === null ? `HTTP ${error.status}` : `HTTP ${error.status}; ${error.codex_status} for Codex clients`
  return `${error.code} (${status})`
}

function mostCommon(values: (string | null)[]): string | null {
  const counts = new Map<string, number>()
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
}
