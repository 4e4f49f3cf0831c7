// The Athena engine of `report sessions`: one SQL query over the metadata table that
// computes what SessionsAggregator computes from the same records (sessions of users,
// requests, distinct turn ids, first start and last end, models, kinds, tokens, cost,
// findings, errors), and the parsing of its rows into SessionRow values.
import { UserError } from '../base-command.js'
import type { SessionRow } from '../sessions-aggregate.js'
import { roundUsd } from '../usage-aggregate.js'
import type { AthenaResult } from './athena-query.js'
import { ARRIVAL_SLACK_MS, partitionPredicate, quoteName } from './athena-sql.js'

export interface SessionsQuery {
  database: string
  table: string
  from: Date
  to: Date
  user?: string | undefined
}

/** A SQL string literal; user names are validated on the way in, quotes are doubled anyway. */
function literal(value: string): string {
  if (/[\u0000-\u001f]/.test(value)) throw new UserError('a user name cannot hold control characters')
  return `'${value.replace(/'/g, "''")}'`
}

export function sessionsSql(q: SessionsQuery): string {
  return [
    'SELECT',
    '  client.session_id AS session_id,',
    '  user_id,',
    '  count(*) AS requests,',
    '  count(DISTINCT client.turn_id) AS turns,',
    '  min("timestamp") AS first,',
    `  to_iso8601(max(date_add('millisecond', latency_ms, from_iso8601_timestamp("timestamp")))) AS last,`,
    "  array_join(array_sort(array_distinct(array_agg(coalesce(response_model, model)))), ',') AS models,",
    '  json_format(CAST(histogram(client.request_kind) AS json)) AS kinds,',
    '  coalesce(sum(input_tokens), 0) AS input_tokens,',
    '  coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,',
    '  coalesce(sum(output_tokens), 0) AS output_tokens,',
    '  coalesce(sum(total_tokens), 0) AS total_tokens,',
    '  sum(cost_usd) AS cost_usd,',
    '  coalesce(sum(cardinality(secret_findings)), 0) AS findings,',
    '  count_if(status >= 400) AS errors',
    `FROM ${quoteName('Glue database', q.database)}.${quoteName('Glue table', q.table)}`,
    `WHERE (\n    ${partitionPredicate(q.from, new Date(q.to.getTime() + ARRIVAL_SLACK_MS))}\n  )`,
    `  AND "timestamp" BETWEEN '${q.from.toISOString()}' AND '${q.to.toISOString()}'`,
    '  AND user_id IS NOT NULL',
    '  AND client.session_id IS NOT NULL',
    ...(q.user !== undefined ? [`  AND user_id = ${literal(q.user)}`] : []),
    'GROUP BY 1, 2',
    'ORDER BY first DESC, session_id',
  ].join('\n')
}

export function sessionRowsFromAthena(result: Pick<AthenaResult, 'columns' | 'rows'>): SessionRow[] {
  const index = new Map(result.columns.map((c, i) => [c.name, i]))
  const needed = ['session_id', 'user_id', 'requests', 'turns', 'first', 'last', 'models', 'kinds', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'findings', 'errors']
  for (const name of needed) if (!index.has(name)) throw new Error(`Athena result has no column ${name}`)
  return result.rows.map((cells) => {
    const cell = (name: string) => cells[index.get(name)!] ?? null
    const count = (name: string) => Number(cell(name) ?? 0)
    const first = new Date(cell('first')!).toISOString()
    const last = new Date(cell('last') ?? cell('first')!).toISOString()
    const cost = cell('cost_usd')
    let kinds: Record<string, number> = {}
    try {
      kinds = JSON.parse(cell('kinds') ?? '{}') as Record<string, number>
    } catch {
      kinds = {}
    }
    return {
      session_id: cell('session_id')!,
      user_id: cell('user_id'),
      requests: count('requests'),
      turns: count('turns'),
      first,
      last,
      duration_s: Math.round((Date.parse(last) - Date.parse(first)) / 1000),
      models: (cell('models') ?? '').split(',').filter(Boolean),
      kinds: kinds ?? {},
      input_tokens: count('input_tokens'),
      cached_input_tokens: count('cached_input_tokens'),
      output_tokens: count('output_tokens'),
      total_tokens: count('total_tokens'),
      cost_usd: cost === null ? null : roundUsd(Number(cost)),
      findings: count('findings'),
      errors: count('errors'),
    }
  })
}

export interface AuditListQuery {
  database: string
  table: string
  from: Date
  to: Date
  session?: string | undefined
  user?: string | undefined
  /** Rows wanted; one more is asked for, to tell whether the list was cut. */
  limit: number
}

/** The columns of `audit list`, newest first (the command shows them oldest first). */
export function auditListSql(q: AuditListQuery): string {
  if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw new UserError('--limit must be a positive integer')
  return [
    'SELECT request_id, "timestamp", user_id, client.session_id AS session_id, client.turn_id AS turn_id, client.request_kind AS request_kind,',
    '  method, path, model, status, origin, error_code, latency_ms, total_tokens, cost_usd, cardinality(secret_findings) AS findings',
    `FROM ${quoteName('Glue database', q.database)}.${quoteName('Glue table', q.table)}`,
    `WHERE (\n    ${partitionPredicate(q.from, new Date(q.to.getTime() + ARRIVAL_SLACK_MS))}\n  )`,
    `  AND "timestamp" BETWEEN '${q.from.toISOString()}' AND '${q.to.toISOString()}'`,
    ...(q.session !== undefined ? [`  AND client.session_id = ${literal(q.session)}`] : []),
    ...(q.user !== undefined ? [`  AND user_id = ${literal(q.user)}`] : []),
    'ORDER BY request_id DESC',
    `LIMIT ${q.limit + 1}`,
  ].join('\n')
}
