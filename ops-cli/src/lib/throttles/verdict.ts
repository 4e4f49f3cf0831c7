// From per-period Lambda metrics to a verdict and concrete recommendations. Pure: the
// rules are tested on their own, the command only gathers the inputs.

/**
 * Peaks above this share of reserved concurrency are "near the limit": the same ratio as
 * the Pulumi program's concurrency alarm (CONCURRENCY_ALARM_RATIO in infra/alarms.ts, not
 * imported because it loads @pulumi/aws; a test keeps the two equal). Recommendations size
 * reserved concurrency so that the estimated peak sits at this share.
 */
export const NEAR_LIMIT_RATIO = 0.8
/** p99 duration at this share of the timeout: the duration alarm's ratio (DURATION_ALARM_RATIO). */
export const NEAR_TIMEOUT_RATIO = 0.9
/** Spillover above this share of invocations means provisioned concurrency is too small. */
export const SPILLOVER_SHARE = 0.1
/**
 * Lambda keeps at least 100 of the account's concurrency unreserved: a function can reserve
 * up to the unreserved concurrency minus 100
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 */
export const MIN_UNRESERVED = 100

export interface PeriodMetrics {
  start: string
  invocations: number
  throttles: number
  errors: number
  /** Maximum ConcurrentExecutions in the period; null without data. */
  peak_concurrency: number | null
  spillover: number
  p99_duration_ms: number | null
  avg_duration_ms: number | null
}

export interface ConcurrencySettings {
  periodSeconds: number
  /** Reserved concurrency; null when the function draws on the unreserved pool. */
  reserved: number | null
  accountLimit: number | null
  unreserved: number | null
  provisioned: { requested: number; allocated: number; status: string } | null
  aliasName: string
  timeoutSeconds: number | null
}

export interface Recommendation {
  action: string
  reason: string
}

export interface Verdict {
  level: 'ok' | 'warning' | 'near_limit' | 'throttled'
  summary: string
  /** Concurrency the traffic asked for at its peak: running plus refused (Little's law). */
  estimated_peak_demand: number | null
  recommendations: Recommendation[]
}

const sum = (periods: PeriodMetrics[], key: 'invocations' | 'throttles' | 'errors' | 'spillover') => periods.reduce((t, p) => t + p[key], 0)
const maxOf = (values: (number | null)[]) => values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null)
const pct = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`

/**
 * Concurrency a period asked for: the instances that ran, plus the refused requests as
 * instances (arrival rate × average duration, Little's law). Refused requests never ran, so
 * their duration is taken from the ones that did.
 */
export function periodDemand(p: PeriodMetrics, periodSeconds: number): number | null {
  if (p.peak_concurrency === null && p.throttles === 0) return null
  const refused = p.throttles > 0 && p.avg_duration_ms !== null ? (p.throttles / periodSeconds) * (p.avg_duration_ms / 1000) : 0
  return (p.peak_concurrency ?? 0) + refused
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface ThrottleTotals {
  invocations: number
  throttles: number
  errors: number
  spillover: number
  peak_concurrency: number | null
  /** The highest per-period p99 duration (not a p99 over the whole window). */
  worst_p99_duration_ms: number | null
}

export function throttleTotals(periods: PeriodMetrics[]): ThrottleTotals {
  return {
    invocations: sum(periods, 'invocations'),
    throttles: sum(periods, 'throttles'),
    errors: sum(periods, 'errors'),
    spillover: sum(periods, 'spillover'),
    peak_concurrency: maxOf(periods.map((p) => p.peak_concurrency)),
    worst_p99_duration_ms: maxOf(periods.map((p) => p.p99_duration_ms)),
  }
}

export function throttleVerdict(periods: PeriodMetrics[], s: ConcurrencySettings): Verdict {
  const { invocations, throttles, errors, spillover, peak_concurrency: peak, worst_p99_duration_ms: p99 } = throttleTotals(periods)
  const demandRaw = maxOf(periods.map((p) => periodDemand(p, s.periodSeconds)))
  const demand = demandRaw === null ? null : Math.round(demandRaw * 10) / 10
  const cap = s.reserved ?? s.accountLimit
  const capText = s.reserved !== null ? `reserved ${s.reserved}` : s.accountLimit !== null ? `the account limit ${s.accountLimit} (no reserved concurrency)` : 'an unknown limit'
  const recommendations: Recommendation[] = []

  if (invocations === 0 && throttles === 0) {
    return { level: 'ok', summary: 'No invocations in the period: nothing was throttled.', estimated_peak_demand: null, recommendations }
  }

  const throttled = throttles > 0
  const nearLimit = !throttled && cap !== null && peak !== null && peak >= Math.ceil(cap * NEAR_LIMIT_RATIO)
  if ((throttled || nearLimit) && demand !== null) {
    if (s.reserved !== null) {
      const target = Math.max(s.reserved + 1, Math.ceil(demand / NEAR_LIMIT_RATIO))
      recommendations.push({
        action: `Raise reserved concurrency from ${s.reserved} to ${target}: pulumi config set codex-proxy:reservedConcurrency ${target} && pulumi up`,
        reason: `the peak asked for about ${demand} concurrent executions${throttled ? ` (${peak ?? 0} running plus the throttled requests)` : ''}; ${target} keeps it under ${Math.round(NEAR_LIMIT_RATIO * 100)}% of reserved, where the concurrency alarm fires`,
      })
      const room = s.unreserved === null ? null : s.unreserved - MIN_UNRESERVED
      if (room !== null && target - s.reserved > room) {
        recommendations.push({
          action: 'Request a Lambda concurrent-executions quota increase (Service Quotas) before raising reserved concurrency',
          reason: `the account has ${s.unreserved} unreserved concurrency and Lambda keeps ${MIN_UNRESERVED} of it unreserved, so at most ${Math.max(0, room)} more can be reserved`,
        })
      }
    } else {
      recommendations.push({
        action: 'Request a Lambda concurrent-executions quota increase (Service Quotas), or give the function reserved concurrency',
        reason: `without reserved concurrency the function shares the account's ${s.accountLimit ?? '?'} with every other function; its peak asked for about ${demand}`,
      })
    }
  }

  const spillShare = invocations > 0 ? spillover / invocations : 0
  if (s.provisioned && spillShare > SPILLOVER_SHARE) {
    const busy = periods.filter((p) => p.invocations > 0 && p.peak_concurrency !== null).map((p) => p.peak_concurrency!)
    const typical = busy.length ? Math.ceil(median(busy)) : s.provisioned.requested + 1
    const target = Math.min(s.reserved ?? Number.POSITIVE_INFINITY, Math.max(s.provisioned.requested + 1, typical))
    if (target > s.provisioned.requested) {
      recommendations.push({
        action: `Raise provisioned concurrency on alias ${s.aliasName} from ${s.provisioned.requested} to ${target}: pulumi config set codex-proxy:provisionedConcurrency ${target} && pulumi up`,
        reason: `${spillover} of ${invocations} invocations (${pct(spillover, invocations)}) spilled over the provisioned instances and paid a cold start; typical busy-period concurrency is ${typical}`,
      })
    }
  }

  if (errors > 0) {
    recommendations.push({
      action: "Look at the function's errors in its log group (crashes or timeouts), and run `codex-proxy validate`",
      reason: `${errors} invocations failed (${pct(errors, Math.max(invocations, 1))}); answers the proxy sends, including its own errors, are not counted here`,
    })
  }

  const timeoutMs = s.timeoutSeconds === null ? null : s.timeoutSeconds * 1000
  const nearTimeout = timeoutMs !== null && p99 !== null && p99 >= timeoutMs * NEAR_TIMEOUT_RATIO
  if (nearTimeout) {
    recommendations.push({
      action: `Raise the timeout (codex-proxy:timeoutSeconds, now ${s.timeoutSeconds} s; at most 900)`,
      reason: `p99 duration reached ${(p99! / 1000).toFixed(1)} s, ${pct(p99!, timeoutMs!)} of the timeout: long Codex streams are being cut off`,
    })
  }

  const peakText = peak === null ? 'no concurrency data' : `peak ${peak} concurrent of ${capText}${cap ? ` (${pct(peak, cap)})` : ''}`
  if (throttled) {
    return { level: 'throttled', summary: `Throttled: ${throttles} requests refused by AWS in ${periods.filter((p) => p.throttles > 0).length} of ${periods.length} periods; ${peakText}.`, estimated_peak_demand: demand, recommendations }
  }
  if (nearLimit) return { level: 'near_limit', summary: `No throttling yet, but near the limit: ${peakText}.`, estimated_peak_demand: demand, recommendations }
  if (recommendations.length) return { level: 'warning', summary: `No throttling (${peakText}), but see below.`, estimated_peak_demand: demand, recommendations }
  return { level: 'ok', summary: `No throttling: ${peakText}. No change needed.`, estimated_peak_demand: demand, recommendations }
}
