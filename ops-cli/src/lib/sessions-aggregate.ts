// One row per Codex session (`report sessions`): the user, how many requests and turns,
// when, for how long, which models, tokens, cost and secret findings. Built from metadata
// records only. A session is the Codex session id (`session-id` header; Codex 0.169 also
// sends it as x-client-request-id) of one user; a turn is a distinct `turn_id` from
// `x-codex-turn-metadata` (one user prompt, however many model calls its tools take).
import type { AuditMetadata } from '../../../lambda/src/contracts/audit-metadata.js'
import { roundUsd } from './usage-aggregate.js'

export interface SessionRow {
  session_id: string
  user_id: string | null
  requests: number
  /** Distinct turn ids; 0 when the client sent none. */
  turns: number
  first: string
  last: string
  duration_s: number
  models: string[]
  /** Requests per kind (`x-openai-subagent`: review, compact, …); plain turns are not listed. */
  kinds: Record<string, number>
  input_tokens: number
  cached_input_tokens: number
  output_tokens: number
  total_tokens: number
  cost_usd: number | null
  findings: number
  errors: number
}

interface Acc extends SessionRow {
  turnIds: Set<string>
}

export class SessionsAggregator {
  private readonly rows = new Map<string, Acc>()

  constructor(private readonly filter: { user?: string | undefined } = {}) {}

  add(r: AuditMetadata): void {
    const session = r.client?.session_id
    if (!session || r.user_id === null) return
    if (this.filter.user !== undefined && r.user_id !== this.filter.user) return
    const key = `${r.user_id}\u0000${session}`
    let row = this.rows.get(key)
    if (!row) {
      row = {
        session_id: session,
        user_id: r.user_id,
        requests: 0,
        turns: 0,
        first: r.timestamp,
        last: r.timestamp,
        duration_s: 0,
        models: [],
        kinds: {},
        input_tokens: 0,
        cached_input_tokens: 0,
        output_tokens: 0,
        total_tokens: 0,
        cost_usd: null,
        findings: 0,
        errors: 0,
        turnIds: new Set(),
      }
      this.rows.set(key, row)
    }
    row.requests += 1
    if (r.client.turn_id) row.turnIds.add(r.client.turn_id)
    if (r.timestamp < row.first) row.first = r.timestamp
    // The end of a request is its start plus its latency.
    const end = new Date(Date.parse(r.timestamp) + (r.latency_ms ?? 0)).toISOString()
    if (end > row.last) row.last = end
    const model = r.response_model ?? r.model
    if (model && !row.models.includes(model)) row.models.push(model)
    if (r.client.request_kind) row.kinds[r.client.request_kind] = (row.kinds[r.client.request_kind] ?? 0) + 1
    row.input_tokens += r.input_tokens ?? 0
    row.cached_input_tokens += r.cached_input_tokens ?? 0
    row.output_tokens += r.output_tokens ?? 0
    row.total_tokens += r.total_tokens ?? 0
    if (r.cost_usd !== null) row.cost_usd = roundUsd((row.cost_usd ?? 0) + r.cost_usd)
    row.findings += r.secret_findings?.length ?? 0
    if (r.status >= 400) row.errors += 1
  }

  result(): SessionRow[] {
    return [...this.rows.values()]
      .map(({ turnIds, ...row }) => ({
        ...row,
        turns: turnIds.size,
        models: row.models.sort(),
        duration_s: Math.round((Date.parse(row.last) - Date.parse(row.first)) / 1000),
      }))
      .sort((a, b) => (a.first < b.first ? 1 : a.first > b.first ? -1 : a.session_id.localeCompare(b.session_id)))
  }
}
