// DynamoDB table contract: names, key schema and item shapes, shared by the proxy,
// the ops CLI, the local embedded stack and the Pulumi program.
//
// The tokens table is a small single-table design keyed by `pk`:
//   token#<sha256 of token>  — one item per proxy token (the token itself is never stored)
//   team#<team name>         — per-team policy (budgets, rpm)
// A sparse GSI on `user_id` finds a user's tokens (only token items carry user_id).
import type { SecretScanMode } from './config.js'

export const TOKENS_TABLE = {
  defaultName: 'codex-proxy-tokens',
  partitionKey: 'pk',
  byUserIndex: 'by_user',
  byUserKey: 'user_id',
} as const

// Usage counters (rate-limit windows, spend reservations) live in their own table so
// that they can expire via TTL without touching token items.
export const USAGE_TABLE = {
  defaultName: 'codex-proxy-usage',
  partitionKey: 'pk',
  ttlAttribute: 'expires_at',
} as const

export const tokenKey = (tokenHash: string) => `token#${tokenHash}`
export const teamKey = (team: string) => `team#${team}`

/** Per-token policy; every field optional (absent = unlimited / all models). */
export interface TokenPolicy {
  /** Allow-list of model names; `*` globs allowed (`gpt-5*`). */
  models?: string[]
  /** Requests per minute. */
  rpm?: number
  budget_daily_usd?: number
  budget_monthly_usd?: number
  /** `hard` refuses over budget (429); `soft` only warns. Default hard. */
  budget_mode?: 'hard' | 'soft'
  /** Share of a budget (percent) from which responses carry a warning header. Default 80. */
  budget_warn_percent?: number
  /** Secret-scan mode for this token's (or team's) requests; else the deployment's. */
  secret_scan?: SecretScanMode
  /**
   * Endpoint groups (contracts/endpoints.ts) this token (or team) may use on top of the
   * deployment's; grants add up, nothing here can take a group away.
   */
  endpoints?: string[]
}

/** Policy fields, in one list for copying and validation (CLI, rotate, team items). */
export const POLICY_FIELDS = ['models', 'rpm', 'budget_daily_usd', 'budget_monthly_usd', 'budget_mode', 'budget_warn_percent', 'secret_scan', 'endpoints'] as const satisfies readonly (keyof TokenPolicy)[]

export const DEFAULT_BUDGET_WARN_PERCENT = 80

export function pickPolicy(source: TokenPolicy): TokenPolicy {
  const out: Record<string, unknown> = {}
  for (const field of POLICY_FIELDS) if (source[field] !== undefined) out[field] = source[field]
  return out as TokenPolicy
}

export interface TokenItem extends TokenPolicy {
  pk: string
  kind: 'token'
  token_id: string
  user_id: string
  team?: string
  enabled: boolean
  created_at: string
  updated_at: string
  note?: string
  disabled_at?: string
  /** token_id of the token this one replaced (`tokens rotate`). */
  rotated_from?: string
}

export interface TeamItem extends TokenPolicy {
  pk: string
  kind: 'team'
  team: string
  updated_at: string
}

/** What the proxy needs to know about a caller after a successful lookup. */
export interface Caller extends TokenPolicy {
  token_id: string
  user_id: string
  team?: string
  /** The team's own policy (team item), when the token belongs to a team that has one. */
  team_policy?: TokenPolicy
}

/** User and team names are used in keys and reports: keep them printable and short. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/
