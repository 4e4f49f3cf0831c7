// Gathers what `report throttles` judges: per-period AWS/Lambda metrics of the function
// (and of its alias, for provisioned-concurrency spillover) and its concurrency settings.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda'
import { getMetricSeries, type MetricQuery, type Point } from '../metric-data.js'
import type { ConcurrencySettings, PeriodMetrics } from './verdict.js'

const HOUR_S = 3600

/**
 * Period for a time span: 5 minutes for up to 3 hours (the seed runbook's --period 300),
 * then hours, 6 hours and days, which keeps the table short and stays within what
 * CloudWatch keeps at each resolution (1-minute data 15 days, 5-minute 63 days).
 */
export function periodFor(spanSeconds: number): number {
  if (spanSeconds <= 3 * HOUR_S) return 300
  if (spanSeconds <= 48 * HOUR_S) return HOUR_S
  if (spanSeconds <= 14 * 24 * HOUR_S) return 6 * HOUR_S
  return 24 * HOUR_S
}

const LAMBDA = 'AWS/Lambda'

export function throttleQueries(functionName: string, aliasName: string): MetricQuery[] {
  const fn = { FunctionName: functionName }
  return [
    { id: 'invocations', namespace: LAMBDA, metric: 'Invocations', dimensions: fn, stat: 'Sum' },
    { id: 'throttles', namespace: LAMBDA, metric: 'Throttles', dimensions: fn, stat: 'Sum' },
    { id: 'errors', namespace: LAMBDA, metric: 'Errors', dimensions: fn, stat: 'Sum' },
    { id: 'concurrency', namespace: LAMBDA, metric: 'ConcurrentExecutions', dimensions: fn, stat: 'Maximum' },
    { id: 'duration_p99', namespace: LAMBDA, metric: 'Duration', dimensions: fn, stat: 'p99' },
    { id: 'duration_avg', namespace: LAMBDA, metric: 'Duration', dimensions: fn, stat: 'Average' },
    // Spillover is reported per alias: the Resource dimension is "<function>:<alias>".
    { id: 'spillover', namespace: LAMBDA, metric: 'ProvisionedConcurrencySpilloverInvocations', dimensions: { ...fn, Resource: `${functionName}:${aliasName}` }, stat: 'Sum' },
  ]
}

/** One row per period from the aligned start to `to`, missing data as 0 (counts) or null. */
export function periodRows(series: Map<string, Point[]>, from: Date, to: Date, periodSeconds: number): PeriodMetrics[] {
  const periodMs = periodSeconds * 1000
  const byTime = (id: string) => new Map((series.get(id) ?? []).map((p) => [p.at.getTime(), p.value]))
  const [inv, thr, err, conc, p99, avg, spill] = ['invocations', 'throttles', 'errors', 'concurrency', 'duration_p99', 'duration_avg', 'spillover'].map(byTime)
  const rows: PeriodMetrics[] = []
  for (let t = alignedStart(from, periodSeconds).getTime(); t < to.getTime(); t += periodMs) {
    rows.push({
      start: new Date(t).toISOString(),
      invocations: inv!.get(t) ?? 0,
      throttles: thr!.get(t) ?? 0,
      errors: err!.get(t) ?? 0,
      peak_concurrency: conc!.get(t) ?? null,
      spillover: spill!.get(t) ?? 0,
      p99_duration_ms: p99!.get(t) ?? null,
      avg_duration_ms: avg!.get(t) ?? null,
    })
  }
  return rows
}

/** CloudWatch rounds a start time down to the period; rows use the same boundaries. */
export const alignedStart = (from: Date, periodSeconds: number) => new Date(Math.floor(from.getTime() / (periodSeconds * 1000)) * periodSeconds * 1000)

export async function collectThrottleData(
  clients: { cloudWatch: CloudWatchClient; lambda: LambdaClient },
  names: { functionName: string; aliasName: string },
  range: { from: Date; to: Date; periodSeconds: number },
): Promise<{ periods: PeriodMetrics[]; settings: ConcurrencySettings }> {
  const { functionName, aliasName } = names
  const start = alignedStart(range.from, range.periodSeconds)
  const [series, concurrency, config, account, provisioned] = await Promise.all([
    getMetricSeries(clients.cloudWatch, throttleQueries(functionName, aliasName), { ...range, from: start }),
    clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
    clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })),
    clients.lambda.send(new GetAccountSettingsCommand({})),
    clients.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: aliasName })).catch((err: Error) => {
      if (err.name === 'ProvisionedConcurrencyConfigNotFoundException') return undefined
      throw err
    }),
  ])
  return {
    periods: periodRows(series, start, range.to, range.periodSeconds),
    settings: {
      periodSeconds: range.periodSeconds,
      reserved: concurrency.ReservedConcurrentExecutions ?? null,
      accountLimit: account.AccountLimit?.ConcurrentExecutions ?? null,
      unreserved: account.AccountLimit?.UnreservedConcurrentExecutions ?? null,
      provisioned: provisioned
        ? { requested: provisioned.RequestedProvisionedConcurrentExecutions ?? 0, allocated: provisioned.AllocatedProvisionedConcurrentExecutions ?? 0, status: provisioned.Status ?? 'unknown' }
        : null,
      aliasName,
      timeoutSeconds: config.Timeout ?? null,
    },
  }
}
