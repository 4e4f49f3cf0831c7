// The Athena engine of `report usage`: the query's rows as the same UsageRow values the
// scan engine produces.
import type { AthenaResult } from './athena-query.js'
import { USAGE_MEASURES } from './athena-sql.js'
import { GROUP_COLUMN, roundUsd, sortUsageRows, type UsageGrouping, type UsageRow } from '../usage-aggregate.js'

export function usageRowsFromAthena(result: Pick<AthenaResult, 'columns' | 'rows'>, by: UsageGrouping): UsageRow[] {
  const key = GROUP_COLUMN[by]
  const index = new Map(result.columns.map((c, i) => [c.name, i]))
  for (const name of [key, ...USAGE_MEASURES.map((m) => m.column)]) {
    if (!index.has(name)) throw new Error(`Athena result has no column ${name} (columns: ${result.columns.map((c) => c.name).join(', ')})`)
  }
  const rows = result.rows.map((cells) => {
    const cell = (name: string) => cells[index.get(name)!] ?? null
    const count = (name: string) => Number(cell(name) ?? 0)
    const cost = cell('cost_usd')
    const row: UsageRow = {
      [key]: cell(key),
      requests: count('requests'),
      input_tokens: count('input_tokens'),
      cached_input_tokens: count('cached_input_tokens'),
      output_tokens: count('output_tokens'),
      reasoning_tokens: count('reasoning_tokens'),
      total_tokens: count('total_tokens'),
      // Athena prints doubles as text ("0.010125" or "1.0125E-2"); rounded as the scan engine rounds.
      cost_usd: cost === null ? null : roundUsd(Number(cost)),
      unpriced_requests: count('unpriced_requests'),
    }
    return row
  })
  return sortUsageRows(rows, by)
}
