import { Flags, ux } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { scanAuditRecords } from '../../lib/audit-scan.js'
import { auditBucketFor } from '../../lib/clients.js'
import { bar, formatInt, formatUsd, toCsv } from '../../lib/render.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'
import { GROUP_COLUMN, USAGE_GROUPINGS, UsageAggregator, type UsageRow } from '../../lib/usage-aggregate.js'

export interface UsageReport {
  from: string
  to: string
  by: (typeof USAGE_GROUPINGS)[number]
  engine: 'scan'
  records_read: number
  rows: UsageRow[]
}

const NUMERIC_COLUMNS = ['requests', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens', 'total_tokens', 'cost_usd', 'unpriced_requests'] as const

export default class ReportUsage extends BaseCommand<UsageReport> {
  static override summary = 'Requests, tokens and cost per user, team, model or day.'
  static override description = 'Reads the audit records of the period directly (scan engine).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --since 30d --by team --format csv > usage.csv',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --until 2026-11-15 --by model --json',
  ]
  static override flags = {
    ...targetFlags,
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '7d' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    by: Flags.option({ options: USAGE_GROUPINGS, description: 'Group rows by.', default: 'user' as const })(),
    format: Flags.option({ options: ['table', 'csv', 'json'] as const, description: 'Output format.', default: 'table' as const })(),
  }

  async run(): Promise<UsageReport> {
    const { flags } = await this.parse(ReportUsage)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const target = await resolveTarget(flags)
    const { s3, bucket } = auditBucketFor(target)
    const aggregator = new UsageAggregator(flags.by)
    const interactive = !this.jsonEnabled() && flags.format === 'table' && process.stderr.isTTY
    if (interactive) ux.action.start(`Reading audit records from s3://${bucket}`)
    const { read } = await scanAuditRecords({
      s3,
      bucket,
      from,
      to,
      onRecord: (r) => aggregator.add(r),
      onProgress: interactive ? (n, listed) => (ux.action.status = `${n}/${listed} records`) : undefined,
    })
    if (interactive) ux.action.stop(`${read} records`)
    const report: UsageReport = { from: from.toISOString(), to: to.toISOString(), by: flags.by, engine: 'scan', records_read: read, rows: aggregator.result() }
    if (!this.jsonEnabled()) await this.render(report, flags.format)
    return report
  }

  private async render(report: UsageReport, format: 'table' | 'csv' | 'json'): Promise<void> {
    const key = GROUP_COLUMN[report.by]
    if (format === 'json') return this.log(JSON.stringify(report, null, 2))
    if (format === 'csv') return this.log(toCsv(report.rows, [key, ...NUMERIC_COLUMNS]))
    if (report.rows.length === 0) return this.log(`No usage between ${report.from} and ${report.to}.`)
    const { printTable } = await import('@oclif/table')
    const maxCost = Math.max(...report.rows.map((r) => r.cost_usd ?? 0))
    printTable({
      title: `Usage by ${report.by}, ${report.from.slice(0, 16)} → ${report.to.slice(0, 16)} UTC (${report.records_read} records)`,
      data: report.rows.map((r) => ({
        [key]: String(r[key] ?? '(none)'),
        requests: formatInt(r.requests),
        input: formatInt(r.input_tokens),
        cached: formatInt(r.cached_input_tokens),
        output: formatInt(r.output_tokens),
        reasoning: formatInt(r.reasoning_tokens),
        cost: formatUsd(r.cost_usd) + (r.unpriced_requests ? ` (+${r.unpriced_requests} unpriced)` : ''),
        share: bar(r.cost_usd ?? 0, maxCost),
      })),
      columns: [key, 'requests', 'input', 'cached', 'output', 'reasoning', 'cost', 'share'],
      headerOptions: { formatter: 'capitalCase' },
    })
  }
}
