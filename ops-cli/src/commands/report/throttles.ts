import { Flags } from '@oclif/core'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { formatInt } from '../../lib/render.js'
import { deploymentFlags, requiredName, resolveTarget, targetFlags } from '../../lib/target.js'
import type { PeriodMetrics, ThrottleTotals, Verdict } from '../../lib/throttles/verdict.js'
import { parseTimeRange } from '../../lib/time-range.js'

export interface ThrottleReport {
  function_name: string
  alias: string
  from: string
  to: string
  period_seconds: number
  reserved_concurrency: number | null
  account_concurrency_limit: number | null
  unreserved_concurrency: number | null
  provisioned: { requested: number; allocated: number; status: string } | null
  timeout_seconds: number | null
  totals: ThrottleTotals
  periods: PeriodMetrics[]
  verdict: Verdict
}

const LEVEL_SYMBOL: Record<Verdict['level'], string> = { ok: '✓', warning: '!', near_limit: '!', throttled: '✗' }

export default class ReportThrottles extends BaseCommand<ThrottleReport> {
  static override summary = 'Throttles, peak concurrency vs reserved, spillover, errors and p99 duration, with a recommendation.'
  static override description =
    "Reads the function's AWS/Lambda metrics from CloudWatch per period (Invocations, Throttles, Errors, ConcurrentExecutions, Duration p99, and ProvisionedConcurrencySpilloverInvocations on the alias) and its concurrency settings from Lambda, then says whether requests were throttled and what to change (e.g. raise reserved concurrency to N)."
  static override examples = [
    { description: 'The last hour, per 5 minutes (the seed runbook check)', command: '<%= config.bin %> <%= command.id %> --stack-outputs stack-outputs.json' },
    { description: 'The last day, per hour', command: '<%= config.bin %> <%= command.id %> --since 24h --stack-outputs stack-outputs.json' },
    { description: 'A past incident, per minute, as JSON', command: '<%= config.bin %> <%= command.id %> --since 2026-11-20T14:00:00Z --until 2026-11-20T15:00:00Z --period 60 --function codex-proxy-prod --region us-east-1 --json' },
  ]
  static override flags = {
    ...targetFlags,
    ...deploymentFlags,
    since: Flags.string({ description: 'Start: a duration back from now (1h, 24h, 7d) or an ISO time.', default: '1h' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO time, or "now".', default: 'now' }),
    period: Flags.integer({ description: 'Seconds per row, a multiple of 60 (default: 300 up to 3 h, then 1 h, 6 h, 1 d).', min: 60 }),
  }

  async run(): Promise<ThrottleReport> {
    const { flags } = await this.parse(ReportThrottles)
    // CloudWatch keeps metric data for 15 months (455 days), so nothing older exists.
    const { from, to } = parseTimeRange(flags.since, flags.until, new Date(), { maxDays: 455 })
    if (flags.period !== undefined && flags.period % 60 !== 0) throw new UserError(`--period must be a multiple of 60 seconds; got ${flags.period}`)
    const target = await resolveTarget(flags)
    if (target.local) throw new UserError('report throttles reads the CloudWatch metrics of the deployed function; the local stack has no throttling. Use --stack-outputs FILE or --function NAME')
    const functionName = requiredName(target, 'functionName')
    const aliasName = target.deployment.aliasName
    const [{ collectThrottleData, periodFor }, { throttleTotals, throttleVerdict }, { cloudWatchClient, lambdaClient }, { progressFor }] = await Promise.all([
      import('../../lib/throttles/collect.js'),
      import('../../lib/throttles/verdict.js'),
      import('../../lib/service-clients.js'),
      import('../../lib/progress.js'),
    ])
    const periodSeconds = flags.period ?? periodFor((to.getTime() - from.getTime()) / 1000)
    const progress = progressFor({ json: this.jsonEnabled() })
    progress.start(`Reading CloudWatch metrics of ${functionName}`)
    const { periods, settings } = await collectThrottleData(
      { cloudWatch: cloudWatchClient(target), lambda: lambdaClient(target) },
      { functionName, aliasName },
      { from, to, periodSeconds },
    ).finally(() => progress.stop())
    const report: ThrottleReport = {
      function_name: functionName,
      alias: aliasName,
      from: from.toISOString(),
      to: to.toISOString(),
      period_seconds: periodSeconds,
      reserved_concurrency: settings.reserved,
      account_concurrency_limit: settings.accountLimit,
      unreserved_concurrency: settings.unreserved,
      provisioned: settings.provisioned,
      timeout_seconds: settings.timeoutSeconds,
      totals: throttleTotals(periods),
      periods,
      verdict: throttleVerdict(periods, settings),
    }
    if (!this.jsonEnabled()) await this.render(report)
    return report
  }

  private async render(r: ThrottleReport): Promise<void> {
    const { printTable } = await import('../../lib/table.js')
    const dash = (v: number | null) => (v === null ? '—' : formatInt(Math.round(v)))
    const per = r.period_seconds % 3600 === 0 ? `${r.period_seconds / 3600} h` : `${r.period_seconds / 60} min`
    const time = (iso: string) => iso.slice(0, 16).replace('T', ' ')
    printTable({
      title: `Throttles of ${r.function_name} (alias ${r.alias}), ${time(r.from)} → ${time(r.to)} UTC, per ${per}`,
      data: r.periods.map((p) => ({
        period: time(p.start),
        invocations: formatInt(p.invocations),
        throttles: formatInt(p.throttles),
        errors: formatInt(p.errors),
        peak: p.peak_concurrency === null ? '—' : `${dash(p.peak_concurrency)}${r.reserved_concurrency === null ? '' : ` / ${r.reserved_concurrency}`}`,
        spillover: formatInt(p.spillover),
        p99: dash(p.p99_duration_ms),
      })),
      columns: ['period', 'invocations', 'throttles', 'errors', { key: 'peak', name: 'Peak concurrency' }, 'spillover', { key: 'p99', name: 'p99 ms' }],
      headerOptions: { formatter: 'capitalCase' },
      borderStyle: 'vertical-with-outline',
    })
    const provisioned = r.provisioned ? `provisioned ${r.provisioned.requested} on ${r.alias} (${r.provisioned.status}, ${r.provisioned.allocated} allocated)` : `no provisioned concurrency on ${r.alias}`
    const account = r.account_concurrency_limit === null ? '' : ` · account limit ${r.account_concurrency_limit} (${r.unreserved_concurrency ?? '?'} unreserved)`
    this.log(`Reserved concurrency ${r.reserved_concurrency ?? 'none'} · ${provisioned} · timeout ${r.timeout_seconds ?? '?'} s${account}`)
    this.log('')
    this.log(`${LEVEL_SYMBOL[r.verdict.level]} ${r.verdict.summary}`)
    r.verdict.recommendations.forEach((rec, i) => {
      this.log(`  ${i + 1}. ${rec.action}`)
      this.log(`     why: ${rec.reason}`)
    })
  }
}
