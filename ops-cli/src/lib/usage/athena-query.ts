// Runs one query in an Athena workgroup and reads all of its result rows: start, poll
// GetQueryExecution until it ends (reporting progress), then page through GetQueryResults.
import { type AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena'
import { UserError } from '../base-command.js'

export interface AthenaResult {
  queryExecutionId: string
  columns: { name: string; type: string }[]
  /** Data rows (the header row removed); null for SQL NULL. */
  rows: (string | null)[][]
  dataScannedBytes: number
  engineExecutionMs: number
}

export interface AthenaRunOptions {
  sql: string
  workgroup: string
  database: string
  onProgress?: (state: string, scannedBytes: number) => void
  /** First poll after this long; later polls back off to POLL_MAX_MS. */
  pollMs?: number
  timeoutMs?: number
  sleep?: (ms: number) => Promise<void>
}

const POLL_MAX_MS = 2_000
const DEFAULT_TIMEOUT_MS = 10 * 60_000
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export async function runAthenaQuery(athena: AthenaClient, o: AthenaRunOptions): Promise<AthenaResult> {
  const sleep = o.sleep ?? defaultSleep
  // The workgroup enforces its own result location and encryption (infra/analytics.ts).
  const started = await athena.send(new StartQueryExecutionCommand({ QueryString: o.sql, WorkGroup: o.workgroup, QueryExecutionContext: { Database: o.database } }))
  const id = started.QueryExecutionId
  if (!id) throw new Error('Athena did not return a query execution id')
  const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  let wait = o.pollMs ?? 300
  for (;;) {
    await sleep(wait)
    const { QueryExecution: q } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
    const state = q?.Status?.State ?? 'UNKNOWN'
    const scanned = q?.Statistics?.DataScannedInBytes ?? 0
    o.onProgress?.(state, scanned)
    if (state === 'SUCCEEDED') {
      return { queryExecutionId: id, ...(await readResults(athena, id)), dataScannedBytes: scanned, engineExecutionMs: q?.Statistics?.EngineExecutionTimeInMillis ?? 0 }
    }
    if (state === 'FAILED' || state === 'CANCELLED') {
      const reason = q?.Status?.AthenaError?.ErrorMessage ?? q?.Status?.StateChangeReason ?? 'no reason given'
      throw new UserError(`Athena query ${id} ${state.toLowerCase()}: ${reason}`)
    }
    if (Date.now() > deadline) {
      throw new UserError(`Athena query ${id} is still ${state} after ${Math.round((o.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s; look it up in the Athena console, or use --engine scan`)
    }
    wait = Math.min(POLL_MAX_MS, Math.round(wait * 1.5))
  }
}

async function readResults(athena: AthenaClient, id: string): Promise<Pick<AthenaResult, 'columns' | 'rows'>> {
  let columns: AthenaResult['columns'] = []
  const rows: AthenaResult['rows'] = []
  let NextToken: string | undefined
  let first = true
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1000, NextToken }))
    const data = page.ResultSet?.Rows ?? []
    if (first) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Name ?? '', type: c.Type ?? 'varchar' }))
      // For a SELECT, the first row of the first page holds the column names.
      data.shift()
      first = false
    }
    for (const row of data) rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? null))
    NextToken = page.NextToken
  } while (NextToken)
  return { columns, rows }
}
