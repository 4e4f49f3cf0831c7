import { Flags } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { progressFor } from '../../lib/progress.js'
import { readMetadataRecords } from '../../lib/read-records.js'
import { toCsv } from '../../lib/render.js'
import { SECRET_GROUPINGS, SecretsAggregator, type SecretsRow } from '../../lib/secrets-aggregate.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'

export interface SecretsReport {
  from: string
  to: string
  by: (typeof SECRET_GROUPINGS)[number]
  records_read: number
  requests_with_findings: number
  rows: SecretsRow[]
}

const COLUMNS = ['findings', 'requests', 'distinct_secrets', 'blocked_requests', 'users', 'rules', 'first_seen', 'last_seen'] as const

export default class ReportSecrets extends BaseCommand<SecretsReport> {
  static override summary = 'Secret-scanner findings per rule or per user: how often, how many distinct secrets, how many blocked.'
  static override description =
    'Reads the audit records of the period (findings carry rule, place and a keyed fingerprint — never the secret). ' +
    'Distinct secrets count different fingerprints: one leaked key is resent with the whole history on every turn.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --since 30d --by user --json',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --format csv > secrets.csv',
  ]
  static override flags = {
    ...targetFlags,
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '7d' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    by: Flags.option({ options: SECRET_GROUPINGS, description: 'Group rows by.', default: 'rule' as const })(),
    format: Flags.option({ options: ['table', 'csv', 'json'] as const, description: 'Output format.', default: 'table' as const })(),
  }

  async run(): Promise<SecretsReport> {
    const { flags } = await this.parse(ReportSecrets)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const aggregator = new SecretsAggregator(flags.by)
    const progress = progressFor({ json: this.jsonEnabled(), quiet: flags.format !== 'table' })
    const read = await readMetadataRecords(await resolveTarget(flags), from, to, (r) => aggregator.add(r), progress)
    const report: SecretsReport = { from: from.toISOString(), to: to.toISOString(), by: flags.by, records_read: read, requests_with_findings: aggregator.requestsWithFindings, rows: aggregator.result() }
    if (!this.jsonEnabled()) await this.render(report, flags.format)
    return report
  }

  private async render(report: SecretsReport, format: 'table' | 'csv' | 'json'): Promise<void> {
    const key = report.by === 'rule' ? 'rule_id' : 'user_id'
    if (format === 'json') return this.log(JSON.stringify(report, null, 2))
    if (format === 'csv') return this.log(toCsv(report.rows as unknown as Record<string, unknown>[], [key, ...COLUMNS]))
    if (report.rows.length === 0) return this.log(`No secret findings in ${report.records_read} records between ${report.from} and ${report.to}.`)
    const { printTable } = await import('../../lib/table.js')
    printTable({
      title: `Secret findings by ${report.by}, ${report.from.slice(0, 16)} → ${report.to.slice(0, 16)} UTC (${report.requests_with_findings} of ${report.records_read} requests)`,
      data: report.rows.map((r) => ({
        [key]: String(r[key] ?? '(unauthenticated)'),
        findings: r.findings,
        requests: r.requests,
        distinct: r.distinct_secrets,
        blocked: r.blocked_requests,
        [report.by === 'rule' ? 'users' : 'rules']: report.by === 'rule' ? r.users : r.rules,
        last_seen: r.last_seen.slice(0, 19).replace('T', ' '),
      })),
      columns: [key, 'findings', 'requests', 'distinct', 'blocked', report.by === 'rule' ? 'users' : 'rules', 'last_seen'],
      headerOptions: { formatter: 'capitalCase' },
    })
  }
}
