import { Flags } from '@oclif/core'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { progressFor } from '../../lib/progress.js'
import { readMetadataRecords } from '../../lib/read-records.js'
import { formatInt, formatUsd, toCsv } from '../../lib/render.js'
import type { SessionRow } from '../../lib/sessions-aggregate.js'
import { athenaFlags, resolveTarget, type Target, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'

export interface SessionsReport {
  from: string
  to: string
  user: string | null
  engine: 'athena' | 'scan'
  /** Metadata records the scan engine read; null for Athena. */
  records_read: number | null
  athena: { query_execution_id: string; data_scanned_bytes: number; sql: string } | null
  sessions: SessionRow[]
}

const CSV_COLUMNS = ['session_id', 'user_id', 'requests', 'turns', 'first', 'last', 'duration_s', 'models', 'kinds', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'findings', 'errors']

export default class ReportSessions extends BaseCommand<SessionsReport> {
  static override summary = 'One row per Codex session: user, requests, turns, time span, models, tokens, cost, secret findings.'
  static override description =
    'Groups the metadata records of the period by Codex session id (per user). A turn is a distinct turn id from ' +
    'x-codex-turn-metadata: one user prompt, however many tool calls it took. Reads metadata only, never a body: ' +
    'one Athena query over the Parquet metadata table for a deployed stack, the metadata objects with --local.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --since 7d --user alice --json',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --format csv --stack-outputs stack-outputs.json > sessions.csv',
  ]
  static override flags = {
    ...targetFlags,
    ...athenaFlags,
    engine: Flags.option({ options: ['athena', 'scan'] as const, description: 'athena (default when deployed: the Parquet metadata table) or scan (default with --local: the metadata objects).' })(),
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '7d' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    user: Flags.string({ description: 'Only the sessions of this user.' }),
    format: Flags.option({ options: ['table', 'csv', 'json'] as const, description: 'Output format.', default: 'table' as const })(),
  }

  async run(): Promise<SessionsReport> {
    const { flags } = await this.parse(ReportSessions)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const target = await resolveTarget(flags)
    const engine = flags.engine ?? (target.local ? 'scan' : 'athena')
    const progress = progressFor({ json: this.jsonEnabled(), quiet: flags.format !== 'table' })
    const base = { from: from.toISOString(), to: to.toISOString(), user: flags.user ?? null }
    let report: SessionsReport
    if (engine === 'athena') {
      report = { ...base, engine, records_read: null, ...(await this.athena(target, from, to, flags.user, progress)) }
    } else {
      const { SessionsAggregator } = await import('../../lib/sessions-aggregate.js')
      const aggregator = new SessionsAggregator({ user: flags.user })
      const read = await readMetadataRecords(target, from, to, (r) => aggregator.add(r), progress)
      report = { ...base, engine, records_read: read, athena: null, sessions: aggregator.result() }
    }
    if (!this.jsonEnabled()) await this.render(report, flags.format)
    return report
  }

  private async athena(target: Target, from: Date, to: Date, user: string | undefined, progress: ReturnType<typeof progressFor>) {
    if (target.local) throw new UserError('the local stack has no Athena: use --engine scan (the default with --local)')
    const [{ requiredName }, { sessionsSql, sessionRowsFromAthena }, { runAthenaQuery }, { athenaClient }] = await Promise.all([
      import('../../lib/target.js'),
      import('../../lib/usage/athena-sessions.js'),
      import('../../lib/usage/athena-query.js'),
      import('../../lib/service-clients.js'),
    ])
    const workgroup = requiredName(target, 'athenaWorkgroup')
    const database = requiredName(target, 'glueDatabase')
    const sql = sessionsSql({ database, table: requiredName(target, 'glueTable'), from, to, user })
    progress.start(`Querying Athena (workgroup ${workgroup})`)
    const result = await runAthenaQuery(athenaClient(target), { sql, workgroup, database, onProgress: (state, scanned) => progress.status(`${state}, ${(scanned / 1e6).toFixed(1)} MB scanned`) }).finally(() => progress.stop())
    return { athena: { query_execution_id: result.queryExecutionId, data_scanned_bytes: result.dataScannedBytes, sql }, sessions: sessionRowsFromAthena(result) }
  }

  private async render(report: SessionsReport, format: 'table' | 'csv' | 'json'): Promise<void> {
    if (format === 'json') return this.log(JSON.stringify(report, null, 2))
    if (format === 'csv') return this.log(toCsv(report.sessions as unknown as Record<string, unknown>[], CSV_COLUMNS))
    if (report.sessions.length === 0) return this.log(`No Codex sessions between ${report.from} and ${report.to}.`)
    const { printTable } = await import('../../lib/table.js')
    printTable({
      title: `Codex sessions, ${report.from.slice(0, 16)} → ${report.to.slice(0, 16)} UTC (${report.sessions.length} sessions, ${report.athena ? `Athena, ${(report.athena.data_scanned_bytes / 1e6).toFixed(1)} MB scanned` : `${report.records_read} records`})`,
      data: report.sessions.map((s) => ({
        session: s.session_id,
        user: s.user_id ?? '(none)',
        requests: formatInt(s.requests),
        turns: formatInt(s.turns),
        first: s.first.slice(0, 19).replace('T', ' '),
        duration: formatDuration(s.duration_s),
        models: s.models.join(' '),
        tokens: formatInt(s.total_tokens),
        cost: formatUsd(s.cost_usd),
        findings: formatInt(s.findings),
      })),
      columns: ['session', 'user', 'requests', 'turns', 'first', 'duration', 'models', 'tokens', 'cost', 'findings'],
      headerOptions: { formatter: 'capitalCase' },
    })
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
}
