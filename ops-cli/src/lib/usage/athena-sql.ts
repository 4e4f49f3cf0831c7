// The SQL of the Athena engine of `report usage`. It computes exactly what the scan engine
// (UsageAggregator) computes from the same records:
//   - only records with a user (requests refused before authentication are not usage);
//   - the time window inclusive at both ends, on the record's `timestamp`;
//   - token sums with absent counts as 0; cost the sum of known costs, NULL when none;
//   - unpriced requests: usage reported but no cost.
// Partition columns (`year`, `month`, `day`, zero-padded strings; infra/analytics.ts) are
// compared with string literals so that partition projection reads only the days needed.
import { AUDIT_PARTITION_DIGITS } from '../../../../lambda/src/contracts/audit-key.js'
import { UserError } from '../base-command.js'
import { GROUP_COLUMN, type UsageGrouping, type UsageRow } from '../usage-aggregate.js'

export type UsageMeasure = 'requests' | 'input_tokens' | 'cached_input_tokens' | 'output_tokens' | 'reasoning_tokens' | 'total_tokens' | 'cost_usd' | 'unpriced_requests'

/** Each measure of a usage row and its SQL aggregate, in the order of the report's columns. */
export const USAGE_MEASURES: readonly { column: UsageMeasure; sql: string }[] = [
  { column: 'requests', sql: 'count(*)' },
  { column: 'input_tokens', sql: 'coalesce(sum(input_tokens), 0)' },
  { column: 'cached_input_tokens', sql: 'coalesce(sum(cached_input_tokens), 0)' },
  { column: 'output_tokens', sql: 'coalesce(sum(output_tokens), 0)' },
  { column: 'reasoning_tokens', sql: 'coalesce(sum(reasoning_tokens), 0)' },
  { column: 'total_tokens', sql: 'coalesce(sum(total_tokens), 0)' },
  { column: 'cost_usd', sql: 'sum(cost_usd)' },
  { column: 'unpriced_requests', sql: "count_if(cost_usd IS NULL AND usage_status = 'reported')" },
]

/** The group key per grouping; `day` is the UTC date, the first 10 characters of the ISO timestamp. */
const GROUP_EXPRESSION: Record<UsageGrouping, string> = {
  user: 'user_id',
  team: 'team',
  model: 'model',
  day: 'substr("timestamp", 1, 10)',
  upstream: 'upstream_id',
}

/** Glue database and table names: letters, digits and underscores (infra/analytics.ts makes them so). */
export function quoteName(kind: string, name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new UserError(`${kind} "${name}" is not a Glue name (letters, digits, underscores)`)
  return `"${name}"`
}

const pad = (n: number, digits: number) => String(n).padStart(digits, '0')
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * One clause per UTC month of [from, to]: a whole month by year and month, a part of one by
 * a day range (zero-padded strings compare in date order).
 */
export function partitionPredicate(from: Date, to: Date): string {
  const clauses: string[] = []
  const endKey = to.getUTCFullYear() * 12 + to.getUTCMonth()
  for (let key = from.getUTCFullYear() * 12 + from.getUTCMonth(); key <= endKey; key++) {
    const year = Math.floor(key / 12)
    const month = (key % 12) + 1
    const first = key === from.getUTCFullYear() * 12 + from.getUTCMonth() ? from.getUTCDate() : 1
    const last = key === endKey ? to.getUTCDate() : daysInMonth(year, month)
    const ym = `"year" = '${pad(year, AUDIT_PARTITION_DIGITS.year)}' AND "month" = '${pad(month, AUDIT_PARTITION_DIGITS.month)}'`
    const d = (day: number) => `'${pad(day, AUDIT_PARTITION_DIGITS.day)}'`
    if (first === 1 && last === daysInMonth(year, month)) clauses.push(`(${ym})`)
    else if (first === last) clauses.push(`(${ym} AND "day" = ${d(first)})`)
    else clauses.push(`(${ym} AND "day" BETWEEN ${d(first)} AND ${d(last)})`)
  }
  return clauses.join('\n    OR ')
}

/**
 * The metadata table's day partitions are Firehose arrival days (`!{timestamp:…}` in the
 * delivery stream's prefix), not request days: a request that starts before midnight lands
 * after it, up to the Lambda timeout (15 min at most) later. One more day of partitions
 * catches those; the timestamp clause keeps the window exact.
 */
export const ARRIVAL_SLACK_MS = 86_400_000

export interface UsageQuery {
  database: string
  table: string
  by: UsageGrouping
  from: Date
  to: Date
}

export function usageSql(q: UsageQuery): string {
  // toISOString always gives YYYY-MM-DDTHH:mm:ss.sssZ, as the proxy writes `timestamp`,
  // so comparing the strings compares the times.
  return [
    'SELECT',
    `  ${GROUP_EXPRESSION[q.by]} AS "${GROUP_COLUMN[q.by]}",`,
    USAGE_MEASURES.map((m) => `  ${m.sql} AS ${m.column}`).join(',\n'),
    `FROM ${quoteName('Glue database', q.database)}.${quoteName('Glue table', q.table)}`,
    `WHERE (\n    ${partitionPredicate(q.from, new Date(q.to.getTime() + ARRIVAL_SLACK_MS))}\n  )`,
    `  AND "timestamp" BETWEEN '${q.from.toISOString()}' AND '${q.to.toISOString()}'`,
    '  AND user_id IS NOT NULL',
    'GROUP BY 1',
  ].join('\n')
}
