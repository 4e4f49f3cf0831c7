// DynamoDB table contract: names, key schema and item shapes, shared by the proxy,
// the ops CLI, the local embedded stack and the Pulumi program.
//
// The tokens table is a small single-table design keyed by `pk`:
//   token#<sha256 of token>  — one item per proxy token (the token itself is never stored)
//   team#<team name>         — per-team policy (budgets, rpm)
//   user#<user id>           — a user's budgets, across all their tokens (`users set`)
//   tag#<tag>                — a request tag's budgets (`tags set`)
//   org                      — the deployment's budgets (`org set`)
// A sparse GSI on `user_id` finds a user's tokens (only token items carry user_id).
//
// Budget fields mean the budget of what the item names: on a token item its own budget
// (level `key`), on a user item the user's across all tokens, and so on.
import type { SecretScanMode } from './config.js'
import { TOKEN_ID_PREFIX } from './token.js'

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
export const userKey = (user: string) => `user#${user}`
export const tagKey = (tag: string) => `tag#${tag}`
export const ORG_KEY = 'org'

/** Budgets of one level (org, team, user, key, tag); every field optional (absent = no budget). */
export interface BudgetPolicy {
  budget_daily_usd?: number
  /** ISO week (Monday 00:00 UTC to Monday). */
  budget_weekly_usd?: number
  budget_monthly_usd?: number
  /** `hard` refuses over budget (429/400 budget_exceeded); `soft` only warns. Default hard. */
  budget_mode?: 'hard' | 'soft'
  /** Share of a budget (percent) from which responses carry a warning header and an alert goes out. Default 80. */
  budget_warn_percent?: number
}

export const BUDGET_FIELDS = ['budget_daily_usd', 'budget_weekly_usd', 'budget_monthly_usd', 'budget_mode', 'budget_warn_percent'] as const satisfies readonly (keyof BudgetPolicy)[]

/** Per-token (or team) policy; every field optional (absent = unlimited / all models). */
export interface TokenPolicy extends BudgetPolicy {
  /** Allow-list of model names; `*` globs allowed (`gpt-5*`). */
  models?: string[]
  /** Requests per minute. */
  rpm?: number
  /** Secret-scan mode for this token's (or team's) requests; else the deployment's. */
  secret_scan?: SecretScanMode
  /**
   * Request tags (`x-codex-proxy-tag`) this token (team) may use; globs as for models. A
   * tag must be allowed by every list that is set; with no list set, no tag is allowed.
   */
  tags?: string[]
  /**
   * Endpoint groups (contracts/endpoints.ts) this token (or team) may use on top of the
   * deployment's; grants add up, nothing here can take a group away.
   */
  endpoints?: string[]
}

/** Policy fields, in one list for copying and validation (CLI, rotate, team items). */
export const POLICY_FIELDS = ['models', 'rpm', ...BUDGET_FIELDS, 'secret_scan', 'tags', 'endpoints'] as const satisfies readonly (keyof TokenPolicy)[]

export const DEFAULT_BUDGET_WARN_PERCENT = 80

export function pickPolicy(source: TokenPolicy): TokenPolicy {
  const out: Record<string, unknown> = {}
  for (const field of POLICY_FIELDS) if (source[field] !== undefined) out[field] = source[field]
  return out as TokenPolicy
}

export function pickBudgets(source: BudgetPolicy): BudgetPolicy {
  const out: Record<string, unknown> = {}
  for (const field of BUDGET_FIELDS) if (source[field] !== undefined) out[field] = source[field]
  return out as BudgetPolicy
}

/** Does this policy set any budget (a limit, not only mode or warn share)? */
export const hasBudget = (p: BudgetPolicy | undefined) =>
  p !== undefined && (p.budget_daily_usd !== undefined || p.budget_weekly_usd !== undefined || p.budget_monthly_usd !== undefined)

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

/** A user's, a tag's or the deployment's budgets (`users set`, `tags set`, `org set`). */
export interface BudgetItem extends BudgetPolicy {
  pk: string
  kind: 'user' | 'tag' | 'org'
  /** The user id, tag or ORG_ID. Not `user_id`: that attribute would put the item in the by_user index. */
  name: string
  updated_at: string
}

/**
 * What the proxy needs to know about a caller after a successful lookup. Its own budget
 * fields are the token's (level `key`).
 */
export interface Caller extends TokenPolicy {
  token_id: string
  user_id: string
  team?: string
  /** The team's own policy (team item), when the token belongs to a team that has one. */
  team_policy?: TokenPolicy
  /** The user's budgets across all their tokens (user item), when set. */
  user_policy?: BudgetPolicy
  /** The deployment's budgets (org item), when set. */
  org_policy?: BudgetPolicy
}

/** The request header naming a request's tag (set once in Codex's provider `http_headers`). */
export const TAG_HEADER = 'x-codex-proxy-tag'
/** Tags are used in keys and reports like names; a shorter cap keeps headers sane. */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/

/** User and team names are used in keys and reports: keep them printable and short. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/

/**
 * Why `value` cannot be a user or team name, or undefined when it can. A user id must not
 * start with the token-id prefix (any case): the CLI reads `tok_…` as a token id, so a
 * user named `tok_e7b710353fba` would make `tokens show/disable` on that name act on
 * someone else's token.
 */
export function nameProblem(kind: 'user' | 'team', value: string): string | undefined {
  if (!NAME_PATTERN.test(value)) {
    return `${kind} "${value.length > 140 ? `${value.slice(0, 140)}…` : value}" is not valid: use letters, digits and . _ @ + - (max 128, starting with a letter or digit)`
  }
  if (kind === 'user' && value.toLowerCase().startsWith(TOKEN_ID_PREFIX)) {
    return `user "${value}" is not valid: "${TOKEN_ID_PREFIX}" starts token ids, so no user id may start with it`
  }
  return undefined
}
