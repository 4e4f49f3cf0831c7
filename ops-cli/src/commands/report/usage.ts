import { Flags } from '@oclif/core'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import type { Progress } from '../../lib/progress.js'
import { bar, formatInt, formatUsd, toCsv } from '../../lib/render.js'
import { athenaFlags, resolveTarget, type Target, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'
import { GROUP_COLUMN, USAGE_GROUPINGS, type UsageGrouping, type UsageRow } from '../../lib/usage-aggregate.js'

export const USAGE_ENGINES = ['athena', 'scan'] as const
export type UsageEngine = (typeof USAGE_ENGINES)[number]

export interface UsageReport {
  from: string
  to: string
  by: UsageGrouping
  engine: UsageEngine
  /** Records the scan engine read (including unauthenticated ones); null for Athena. */
  records_read: number | null
  /** The Athena query behind the rows; null for the scan engine. */
  athena: { query_execution_id: string; workgroup: string; data_scanned_bytes: number; sql: string } | null
  rows: UsageRow[]
}

const NUMERIC_COLUMNS = ['requests', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens', 'total_tokens', 'cost_usd', 'unpriced_requests'] as const

export default class ReportUsage extends BaseCommand<UsageReport> {
  static override summary = 'Requests, tokens and cost per user, team, model, day or upstream.'
  static override description =
    'Two engines give the same numbers for the same records. `athena` (the default for a deployed stack) runs one SQL query over the Glue table of the audit records in the Athena workgroup, reading only the days of the period; `scan` (the default with --local) reads the records of the period from the bucket directly.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --since 30d --by team --format csv --stack-outputs stack-outputs.json > usage.csv',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --until 2026-11-15 --by model --stack-outputs stack-outputs.json --json',
    { description: 'Which upstream of the pool served what (failovers move requests between them)', command: '<%= config.bin %> <%= command.id %> --since 24h --by upstream --stack-outputs stack-outputs.json' },
    { description: 'Without Athena: read the records directly (slower for long periods)', command: '<%= config.bin %> <%= command.id %> --since 24h --engine scan --stack-outputs stack-outputs.json' },
  ]
  static override flags = {
    ...targetFlags,
    ...athenaFlags,
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '7d' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    by: Flags.option({ options: USAGE_GROUPINGS, description: 'Group rows by.', default: 'user' as const })(),
    format: Flags.option({ options: ['table', 'csv', 'json'] as const, description: 'Output format.', default: 'table' as const })(),
    engine: Flags.option({ options: USAGE_ENGINES, description: 'athena (default when deployed) or scan (default with --local).' })(),
  }

  async run(): Promise<UsageReport> {
    const { flags } = await this.parse(ReportUsage)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const target = await resolveTarget(flags)
    const engine: UsageEngine = flags.engine ?? (target.local ? 'scan' : 'athena')
    const { progressFor } = await import('../../lib/progress.js')
    const progress = progressFor({ json: this.jsonEnabled(), quiet: flags.format !== 'table' })
    const report = engine === 'athena' ? await this.athenaReport(target, flags.by, from, to, progress) : await this.scanReport(target, flags.by, from, to, progress)
    if (!this.jsonEnabled()) await this.render(report, flags.format)
    return report
  }

  private async scanReport(target: Target, by: UsageGrouping, from: Date, to: Date, progress: Progress): Promise<UsageReport> {
    const [{ readMetadataRecords }, { UsageAggregator }] = await Promise.all([import('../../lib/read-records.js'), import('../../lib/usage-aggregate.js')])
    const aggregator = new UsageAggregator(by)
    const read = await readMetadataRecords(target, from, to, (r) => aggregator.add(r), progress)
    return { from: from.toISOString(), to: to.toISOString(), by, engine: 'scan', records_read: read, athena: null, rows: aggregator.result() }
  }

  private async athenaReport(target: Target, by: UsageGrouping, from: Date, to: Date, progress: Progress): Promise<UsageReport> {
    if (target.local) throw new UserError('the local stack has no Athena: use --engine scan (the default with --local)')
    const [{ requiredName }, { usageSql }, { runAthenaQuery }, { usageRowsFromAthena }, { athenaClient }] = await Promise.all([
      import('../../lib/target.js'),
      import('../../lib/usage/athena-sql.js'),
      import('../../lib/usage/athena-query.js'),
      import('../../lib/usage/athena-usage.js'),
      import('../../lib/service-clients.js'),
    ])
    const name = (key: 'athenaWorkgroup' | 'glueDatabase' | 'glueTable') => {
      try {
        return requiredName(target, key)
      } catch (err) {
        throw new UserError(`${(err as Error).message}; or read the records directly with --engine scan`)
      }
    }
    const workgroup = name('athenaWorkgroup')
    const database = name('glueDatabase')
    const sql = usageSql({ database, table: name('glueTable'), by, from, to })
    progress.start(`Querying Athena (workgroup ${workgroup})`)
    const result = await runAthenaQuery(athenaClient(target), {
      sql,
      workgroup,
      database,
      onProgress: (state, scanned) => progress.status(`${state}, ${(scanned / 1e6).toFixed(1)} MB scanned`),
    }).finally(() => progress.stop())
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      by,
      engine: 'athena',
      records_read: null,
      athena: { query_execution_id: result.queryExecutionId, workgroup, data_scanned_bytes: result.dataScannedBytes, sql },
      rows: usageRowsFromAthena(result, by),
    }
  }

  private async render(report: UsageReport, format: 'table' | 'csv' | 'json'): Promise<void> {
    const key = GROUP_COLUMN[report.by]
    if (format === 'json') return this.log(JSON.stringify(report, null, 2))
    if (format === 'csv') return this.log(toCsv(report.rows, [key, ...NUMERIC_COLUMNS]))
    if (report.rows.length === 0) return this.log(`No usage between ${report.from} and ${report.to}.`)
    const { printTable } = await import('../../lib/table.js')
    const maxCost = Math.max(...report.rows.map((r) => r.cost_usd ?? 0))
    const source = report.athena ? `Athena, ${(report.athena.data_scanned_bytes / 1e6).toFixed(1)} MB scanned` : `${report.records_read} records`
    printTable({
      title: `Usage by ${report.by}, ${report.from.slice(0, 16)} → ${report.to.slice(0, 16)} UTC (${source})`,
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
