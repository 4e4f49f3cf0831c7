import { Flags } from '@oclif/core'
import type { AuditMetadata } from '../../../../lambda/src/contracts/audit-metadata.js'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { progressFor } from '../../lib/progress.js'
import { readMetadataRecords } from '../../lib/read-records.js'
import { formatInt, formatUsd } from '../../lib/render.js'
import { athenaFlags, resolveTarget, type Target, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'

/** One request as listed: the metadata that says who, what, when and how it went. */
export interface AuditListRow {
  request_id: string
  timestamp: string
  user_id: string | null
  session_id: string | null
  turn_id: string | null
  request_kind: string | null
  method: string
  path: string
  model: string | null
  status: number
  origin: string
  error_code: string | null
  latency_ms: number
  total_tokens: number | null
  cost_usd: number | null
  findings: number
}

export interface AuditList {
  from: string
  to: string
  filter: { session: string | null; user: string | null }
  engine: 'athena' | 'scan'
  /** Metadata records the scan engine read; null for Athena. */
  records_read: number | null
  athena: { query_execution_id: string; data_scanned_bytes: number; sql: string } | null
  /** Oldest first (the order of the session), at most --limit: the newest ones when cut. */
  rows: AuditListRow[]
  truncated: boolean
}

export default class AuditListCommand extends BaseCommand<AuditList> {
  static override summary = 'The audit records of a period, a session or a user, in order.'
  static override description =
    'Reads metadata records only (no body): one Athena query over the Parquet metadata table for a deployed stack, ' +
    'the metadata objects with --local. Use `audit show REQUEST_ID --body request` to see a body.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local --since 1h',
    '<%= config.bin %> <%= command.id %> --session 0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b --since 7d',
    '<%= config.bin %> <%= command.id %> --user alice --since 2026-11-01 --json',
  ]
  static override flags = {
    ...targetFlags,
    ...athenaFlags,
    engine: Flags.option({ options: ['athena', 'scan'] as const, description: 'athena (default when deployed) or scan (default with --local).' })(),
    session: Flags.string({ description: 'Only the requests of this Codex session id.', exclusive: ['user'] }),
    user: Flags.string({ description: 'Only the requests of this user.' }),
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '24h' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    limit: Flags.integer({ description: 'At most this many rows (the newest).', default: 500, min: 1 }),
  }

  async run(): Promise<AuditList> {
    const { flags } = await this.parse(AuditListCommand)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const target = await resolveTarget(flags)
    const engine = flags.engine ?? (target.local ? 'scan' : 'athena')
    let rows: AuditListRow[] = []
    let read: number | null = null
    let athena: AuditList['athena'] = null
    const progress = progressFor({ json: this.jsonEnabled(), quiet: false })
    if (engine === 'athena') {
      ;({ rows, athena } = await this.athena(target, { from, to, session: flags.session, user: flags.user, limit: flags.limit }, progress))
    } else {
      const keep = (r: AuditMetadata) => (!flags.session || r.client?.session_id === flags.session) && (!flags.user || r.user_id === flags.user)
      read = await readMetadataRecords(target, from, to, (r) => void (keep(r) && rows.push(toRow(r))), progress)
    }
    rows.sort((a, b) => (a.request_id < b.request_id ? -1 : a.request_id > b.request_id ? 1 : 0))
    const truncated = rows.length > flags.limit
    const result: AuditList = {
      from: from.toISOString(),
      to: to.toISOString(),
      filter: { session: flags.session ?? null, user: flags.user ?? null },
      engine,
      records_read: read,
      athena,
      rows: truncated ? rows.slice(rows.length - flags.limit) : rows,
      truncated,
    }
    if (!this.jsonEnabled()) await this.render(result)
    return result
  }

  private async athena(
    target: Target,
    q: { from: Date; to: Date; session: string | undefined; user: string | undefined; limit: number },
    progress: ReturnType<typeof progressFor>,
  ): Promise<{ rows: AuditListRow[]; athena: NonNullable<AuditList['athena']> }> {
    if (target.local) throw new UserError('the local stack has no Athena: use --engine scan (the default with --local)')
    const [{ requiredName }, { auditListSql }, { runAthenaQuery }, { athenaClient }] = await Promise.all([
      import('../../lib/target.js'),
      import('../../lib/usage/athena-sessions.js'),
      import('../../lib/usage/athena-query.js'),
      import('../../lib/service-clients.js'),
    ])
    const workgroup = requiredName(target, 'athenaWorkgroup')
    const database = requiredName(target, 'glueDatabase')
    const sql = auditListSql({ database, table: requiredName(target, 'glueTable'), ...q })
    progress.start(`Querying Athena (workgroup ${workgroup})`)
    const result = await runAthenaQuery(athenaClient(target), { sql, workgroup, database }).finally(() => progress.stop())
    const index = new Map(result.columns.map((c, i) => [c.name, i]))
    const rows = result.rows.map((cells) => {
      const cell = (name: string) => cells[index.get(name) ?? -1] ?? null
      const num = (name: string) => (cell(name) === null ? null : Number(cell(name)))
      return {
        request_id: cell('request_id')!,
        timestamp: cell('timestamp')!,
        user_id: cell('user_id'),
        session_id: cell('session_id'),
        turn_id: cell('turn_id'),
        request_kind: cell('request_kind'),
        method: cell('method') ?? '',
        path: cell('path') ?? '',
        model: cell('model'),
        status: num('status') ?? 0,
        origin: cell('origin') ?? '',
        error_code: cell('error_code'),
        latency_ms: num('latency_ms') ?? 0,
        total_tokens: num('total_tokens'),
        cost_usd: num('cost_usd'),
        findings: num('findings') ?? 0,
      }
    })
    return { rows, athena: { query_execution_id: result.queryExecutionId, data_scanned_bytes: result.dataScannedBytes, sql } }
  }

  private async render(list: AuditList): Promise<void> {
    if (list.rows.length === 0) return this.log(`No records between ${list.from} and ${list.to}.`)
    const { printTable } = await import('../../lib/table.js')
    printTable({
      title: `${list.rows.length} requests${list.truncated ? ' (the newest; raise --limit for more)' : ''}, ${list.from.slice(0, 16)} → ${list.to.slice(0, 16)} UTC`,
      data: list.rows.map((r) => ({
        request: r.request_id,
        time: r.timestamp.slice(0, 19).replace('T', ' '),
        user: r.user_id ?? '(none)',
        session: r.session_id ? r.session_id.slice(0, 13) : '',
        turn: r.turn_id ? r.turn_id.slice(0, 13) : '',
        kind: r.request_kind ?? '',
        call: `${r.method} ${r.path}`,
        model: r.model ?? '',
        status: r.error_code ? `${r.status} ${r.error_code}` : String(r.status),
        tokens: r.total_tokens === null ? '' : formatInt(r.total_tokens),
        cost: formatUsd(r.cost_usd),
        findings: r.findings ? String(r.findings) : '',
      })),
      columns: ['request', 'time', 'user', 'session', 'turn', 'kind', 'call', 'model', 'status', 'tokens', 'cost', 'findings'],
      headerOptions: { formatter: 'capitalCase' },
    })
  }
}

function toRow(r: AuditMetadata): AuditListRow {
  return {
    request_id: r.request_id,
    timestamp: r.timestamp,
    user_id: r.user_id,
    session_id: r.client?.session_id ?? null,
    turn_id: r.client?.turn_id ?? null,
    request_kind: r.client?.request_kind ?? null,
    method: r.method,
    path: r.path,
    model: r.model,
    status: r.status,
    origin: r.origin,
    error_code: r.error_code,
    latency_ms: r.latency_ms,
    total_tokens: r.total_tokens,
    cost_usd: r.cost_usd,
    findings: r.secret_findings?.length ?? 0,
  }
}
