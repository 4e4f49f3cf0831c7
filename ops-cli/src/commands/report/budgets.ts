import { Flags } from '@oclif/core'
import { LEVELS } from '../../../../lambda/src/contracts/counters.js'
import { BaseCommand } from '../../lib/base-command.js'
import { type BudgetRow, budgetRows, budgetSubjects } from '../../lib/budget-report.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { formatUsd } from '../../lib/render.js'
import { readSpend } from '../../lib/spend.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export interface BudgetsReport {
  at: string
  rows: BudgetRow[]
}

export default class ReportBudgets extends BaseCommand<BudgetsReport> {
  static override summary = 'Spend against every budget (org, team, user, key, tag; day, week, month), with a forecast to the end of each period.'
  static override description =
    'Reads the live usage counters (the figures admission checks). `used` counts spend plus reservations of requests in flight; ' +
    'the forecast extrapolates the spend so far linearly over the whole period (at least one hour of it). ' +
    'Status: at-cap (a hard budget refuses now), warn (past the warn share), forecast-over (on course to pass the limit), ok.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --level team --level org',
    '<%= config.bin %> <%= command.id %> --json | jq \'.rows[] | select(.status != "ok")\'',
  ]
  static override flags = {
    ...targetFlags,
    level: Flags.option({ options: LEVELS, description: 'Only these levels (repeatable).', multiple: true })(),
  }

  async run(): Promise<BudgetsReport> {
    const { flags } = await this.parse(ReportBudgets)
    const target = await resolveTarget(flags)
    const now = new Date()
    const subjects = (await budgetSubjects(tokenAdminFor(target))).filter((s) => !flags.level || flags.level.includes(s.level))
    const rows = subjects.length ? budgetRows(subjects, await readSpend(target, subjects, now), now) : []
    const report = { at: now.toISOString(), rows }
    if (!this.jsonEnabled()) await this.render(report)
    return report
  }

  private async render(report: BudgetsReport): Promise<void> {
    if (report.rows.length === 0) {
      this.log('No budgets set. Set some with `codex-proxy org set`, `teams set`, `users set`, `tokens update` or `tags set` (--budget-daily/--budget-weekly/--budget-monthly).')
      return
    }
    const { printTable } = await import('../../lib/table.js')
    printTable({
      title: `Budgets at ${report.at.slice(0, 16).replace('T', ' ')} UTC`,
      data: report.rows.map((r) => ({
        level: r.level,
        id: r.id,
        period: r.period,
        limit: `${formatUsd(r.limit_usd)}${r.mode === 'soft' ? ' (soft)' : ''}`,
        spent: formatUsd(r.spent_usd),
        used: `${r.used_percent}%`,
        forecast: `${formatUsd(r.forecast_usd)} (${r.forecast_percent}%)`,
        status: r.status,
        resets: r.resets_at.slice(0, 16).replace('T', ' '),
      })),
      columns: ['level', 'id', 'period', 'limit', 'spent', 'used', 'forecast', 'status', 'resets'],
      headerOptions: { formatter: 'capitalCase' },
    })
  }
}
