import { Flags } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { progressFor } from '../../lib/progress.js'
import { readMetadataRecords } from '../../lib/read-records.js'
import { formatInt, formatUsd, toCsv } from '../../lib/render.js'
import type { SessionRow } from '../../lib/sessions-aggregate.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'

export interface SessionsReport {
  from: string
  to: string
  user: string | null
  records_read: number
  sessions: SessionRow[]
}

const CSV_COLUMNS = ['session_id', 'user_id', 'requests', 'turns', 'first', 'last', 'duration_s', 'models', 'kinds', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'findings', 'errors']

export default class ReportSessions extends BaseCommand<SessionsReport> {
  static override summary = 'One row per Codex session: user, requests, turns, time span, models, tokens, cost, secret findings.'
  static override description =
    'Groups the metadata records of the period by Codex session id (per user). A turn is a distinct turn id from ' +
    'x-codex-turn-metadata: one user prompt, however many tool calls it took. Reads metadata only, never a body.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --since 7d --user alice --json',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --format csv > sessions.csv',
  ]
  static override flags = {
    ...targetFlags,
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '7d' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    user: Flags.string({ description: 'Only the sessions of this user.' }),
    format: Flags.option({ options: ['table', 'csv', 'json'] as const, description: 'Output format.', default: 'table' as const })(),
  }

  async run(): Promise<SessionsReport> {
    const { flags } = await this.parse(ReportSessions)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const { SessionsAggregator } = await import('../../lib/sessions-aggregate.js')
    const aggregator = new SessionsAggregator({ user: flags.user })
    const progress = progressFor({ json: this.jsonEnabled(), quiet: flags.format !== 'table' })
    const read = await readMetadataRecords(await resolveTarget(flags), from, to, (r) => aggregator.add(r), progress)
    const report: SessionsReport = { from: from.toISOString(), to: to.toISOString(), user: flags.user ?? null, records_read: read, sessions: aggregator.result() }
    if (!this.jsonEnabled()) await this.render(report, flags.format)
    return report
  }

  private async render(report: SessionsReport, format: 'table' | 'csv' | 'json'): Promise<void> {
    if (format === 'json') return this.log(JSON.stringify(report, null, 2))
    if (format === 'csv') return this.log(toCsv(report.sessions as unknown as Record<string, unknown>[], CSV_COLUMNS))
    if (report.sessions.length === 0) return this.log(`No Codex sessions between ${report.from} and ${report.to}.`)
    const { printTable } = await import('@oclif/table')
    printTable({
      title: `Codex sessions, ${report.from.slice(0, 16)} → ${report.to.slice(0, 16)} UTC (${report.sessions.length} sessions, ${report.records_read} records)`,
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
