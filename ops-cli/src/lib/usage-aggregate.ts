// Usage rows (requests, tokens, cost) grouped by user, team, model, day or upstream. The scan
// engine feeds records in; the Athena engine's SQL computes the same columns.
import type { AuditMetadata } from '../../../lambda/src/contracts/audit-metadata.js'

export const USAGE_GROUPINGS = ['user', 'team', 'model', 'day', 'upstream'] as const
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number]

/** Column that holds the group key in each row, per grouping. */
export const GROUP_COLUMN = { user: 'user_id', team: 'team', model: 'model', day: 'day', upstream: 'upstream_id' } as const

export interface UsageRow {
  /** The group key, under the grouping's column name (user_id, team, model or day). */
  [key: string]: string | number | null
  requests: number
  input_tokens: number
  cached_input_tokens: number
  output_tokens: number
  reasoning_tokens: number
  total_tokens: number
  /** Sum of known costs; null when no request in the group had a known cost. */
  cost_usd: number | null
  /** Requests with usage but no cost (unknown model price). */
  unpriced_requests: number
}

export function groupKey(record: AuditMetadata, by: UsageGrouping): string | null {
  switch (by) {
    case 'user':
      return record.user_id
    case 'team':
      return record.team
    case 'model':
      return record.model
    case 'day':
      return record.timestamp.slice(0, 10)
    case 'upstream':
      // The pool member that answered; records written before the pool have none.
      return record.upstream_id ?? null
  }
}

export class UsageAggregator {
  private readonly rows = new Map<string, UsageRow>()

  constructor(private readonly by: UsageGrouping) {}

  add(record: AuditMetadata): void {
    // Requests refused before authentication belong to nobody; they are not usage.
    if (record.user_id === null) return
    const key = groupKey(record, this.by)
    const mapKey = key ?? '\u0000null'
    let row = this.rows.get(mapKey)
    if (!row) {
      row = {
        [GROUP_COLUMN[this.by]]: key,
        requests: 0,
        input_tokens: 0,
        cached_input_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        total_tokens: 0,
        cost_usd: null,
        unpriced_requests: 0,
      }
      this.rows.set(mapKey, row)
    }
    row.requests += 1
    row.input_tokens += record.input_tokens ?? 0
    row.cached_input_tokens += record.cached_input_tokens ?? 0
    row.output_tokens += record.output_tokens ?? 0
    row.reasoning_tokens += record.reasoning_tokens ?? 0
    row.total_tokens += record.total_tokens ?? 0
    if (record.cost_usd !== null) row.cost_usd = roundUsd((row.cost_usd ?? 0) + record.cost_usd)
    else if (record.usage_status === 'reported') row.unpriced_requests += 1
  }

  result(): UsageRow[] {
    return sortUsageRows([...this.rows.values()], this.by)
  }
}

/**
 * The order of report rows, whichever engine computed them: by day in date order, else by
 * cost, then tokens (descending), then key, so equal rows never swap between engines.
 */
export function sortUsageRows(rows: UsageRow[], by: UsageGrouping): UsageRow[] {
  const key = GROUP_COLUMN[by]
  const byKey = (a: UsageRow, b: UsageRow) => String(a[key] ?? '').localeCompare(String(b[key] ?? ''))
  if (by === 'day') return rows.sort(byKey)
  return rows.sort((a, b) => (b.cost_usd ?? 0) - (a.cost_usd ?? 0) || b.total_tokens - a.total_tokens || byKey(a, b))
}

/** Cost sums are kept to 1e-9 USD so float noise does not show in reports. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e9) / 1e9
}
