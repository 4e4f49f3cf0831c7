// Policy flags shared by `tokens add`, `tokens update` and `teams set`, and their
// translation into validated policy changes ("none"/"all" remove a setting).
import { Flags } from '@oclif/core'
import { SECRET_SCAN_MODES } from '../../../lambda/src/contracts/config.js'
import { ENDPOINT_GROUPS, parseEndpointGroups } from '../../../lambda/src/contracts/endpoints.js'
import { modelPatternProblem } from '../../../lambda/src/contracts/model-glob.js'
import { type BudgetPolicy, TAG_PATTERN, type TokenPolicy } from '../../../lambda/src/contracts/tables.js'
import type { BudgetChanges, PolicyChanges } from '../../../lambda/src/stores/token-admin.js'
import { UserError } from './base-command.js'

/** Budget flags: on tokens (key level), teams, users, tags and the org. */
export const budgetFlags = {
  'budget-daily': Flags.string({ description: 'Daily budget in USD (UTC day); "none" removes it.', helpGroup: 'BUDGET' }),
  'budget-weekly': Flags.string({ description: 'Weekly budget in USD (Monday 00:00 UTC to Monday); "none" removes it.', helpGroup: 'BUDGET' }),
  'budget-monthly': Flags.string({ description: 'Monthly budget in USD (UTC month); "none" removes it.', helpGroup: 'BUDGET' }),
  hard: Flags.boolean({ description: 'Refuse requests over budget with budget_exceeded (the default).', exclusive: ['soft'], helpGroup: 'BUDGET' }),
  soft: Flags.boolean({ description: 'Over budget, only warn (response header, metric, alert).', exclusive: ['hard'], helpGroup: 'BUDGET' }),
  'warn-percent': Flags.string({ description: 'Warn (header and alert) from this share of a budget, in percent (default 80); "none" resets it.', helpGroup: 'BUDGET' }),
}

export const policyFlags = {
  models: Flags.string({ description: 'Allowed models, comma-separated, globs allowed ("gpt-5*,o4-mini"); "all" removes the list.', helpGroup: 'POLICY' }),
  rpm: Flags.string({ description: 'Requests per minute; "none" removes the limit.', helpGroup: 'POLICY' }),
  ...budgetFlags,
  tags: Flags.string({
    description: 'Request tags (x-codex-proxy-tag) allowed, comma-separated, globs allowed ("proj-*,ops"); "none" removes the list (then no tag is allowed).',
    helpGroup: 'POLICY',
  }),
  'secret-scan': Flags.string({
    description: `Secret-scan mode for these requests (${SECRET_SCAN_MODES.join(', ')}), instead of the deployment's; "none" removes the override.`,
    helpGroup: 'POLICY',
  }),
  endpoints: Flags.string({
    description: `Endpoint groups granted on top of the deployment's, comma-separated (${ENDPOINT_GROUPS.filter((g) => g !== 'codex').join(', ')}); "none" removes the grant.`,
    helpGroup: 'POLICY',
  }),
}

export interface BudgetFlagValues {
  'budget-daily'?: string | undefined
  'budget-weekly'?: string | undefined
  'budget-monthly'?: string | undefined
  hard?: boolean | undefined
  soft?: boolean | undefined
  'warn-percent'?: string | undefined
}

export interface PolicyFlagValues extends BudgetFlagValues {
  models?: string | undefined
  rpm?: string | undefined
  tags?: string | undefined
  'secret-scan'?: string | undefined
  endpoints?: string | undefined
}

const isRemoval = (v: string) => /^(none|off|unset)$/i.test(v.trim())

function positiveNumber(flag: string, raw: string, integer: boolean, max = Number.MAX_SAFE_INTEGER): number | null {
  if (isRemoval(raw)) return null
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
    throw new UserError(`--${flag} must be a positive ${integer ? 'whole number' : 'number'}${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, or "none"; got "${raw}"`)
  }
  return n
}

/** The changes the flags ask for: a value sets, null removes, undefined leaves alone. */
export function policyChangesFromFlags(flags: PolicyFlagValues): PolicyChanges {
  const changes: PolicyChanges = {}
  if (flags.models !== undefined) {
    if (/^all$/i.test(flags.models.trim())) changes.models = null
    else {
      const models = flags.models.split(',').map((m) => m.trim()).filter(Boolean)
      if (models.length === 0) throw new UserError('--models needs at least one model id or glob, or "all"')
      for (const m of models) {
        const problem = modelPatternProblem(m)
        if (problem) throw new UserError(`--models: "${m}": ${problem}`)
      }
      changes.models = models
    }
  }
  if (flags.rpm !== undefined) changes.rpm = positiveNumber('rpm', flags.rpm, true)
  Object.assign(changes, budgetChangesFromFlags(flags))
  if (flags.tags !== undefined) {
    if (isRemoval(flags.tags)) changes.tags = null
    else {
      const tags = flags.tags.split(',').map((t) => t.trim()).filter(Boolean)
      if (tags.length === 0) throw new UserError('--tags needs at least one tag or glob, or "none"')
      for (const t of tags) {
        // A glob is a tag with wildcards: check it with the wildcards taken as letters.
        if (!TAG_PATTERN.test(t.replace(/[*?]/g, 'x'))) throw new UserError(`--tags: "${t}" is not a tag or glob (letters, digits, . _ @ + - and the wildcards * ?; at most 64)`)
      }
      changes.tags = tags
    }
  }
  const scan = flags['secret-scan']
  if (scan !== undefined) {
    if (isRemoval(scan)) changes.secret_scan = null
    else if ((SECRET_SCAN_MODES as readonly string[]).includes(scan)) changes.secret_scan = scan as (typeof SECRET_SCAN_MODES)[number]
    else throw new UserError(`--secret-scan must be one of ${SECRET_SCAN_MODES.join(', ')} or "none"; got "${scan}"`)
  }
  if (flags.endpoints !== undefined) {
    if (isRemoval(flags.endpoints)) changes.endpoints = null
    else {
      try {
        changes.endpoints = parseEndpointGroups(flags.endpoints, '--endpoints')
      } catch (err) {
        throw new UserError((err as Error).message)
      }
      if (changes.endpoints.length === 0) throw new UserError('--endpoints needs at least one endpoint group, or "none"')
    }
  }
  return changes
}

/** Budget changes: a value sets, null removes, undefined leaves alone. */
export function budgetChangesFromFlags(flags: BudgetFlagValues): BudgetChanges {
  const changes: BudgetChanges = {}
  if (flags['budget-daily'] !== undefined) changes.budget_daily_usd = positiveNumber('budget-daily', flags['budget-daily'], false)
  if (flags['budget-weekly'] !== undefined) changes.budget_weekly_usd = positiveNumber('budget-weekly', flags['budget-weekly'], false)
  if (flags['budget-monthly'] !== undefined) changes.budget_monthly_usd = positiveNumber('budget-monthly', flags['budget-monthly'], false)
  if (flags.hard) changes.budget_mode = 'hard'
  if (flags.soft) changes.budget_mode = 'soft'
  if (flags['warn-percent'] !== undefined) changes.budget_warn_percent = positiveNumber('warn-percent', flags['warn-percent'], false, 100)
  return changes
}

/** For new tokens: only settings, no removals. */
export function policyFromFlags(flags: PolicyFlagValues): TokenPolicy {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(policyChangesFromFlags(flags))) if (v !== null && v !== undefined) out[k] = v
  return out as TokenPolicy
}

export function describeBudgets(p: BudgetPolicy): string {
  const one = (v: number | undefined) => (v === undefined ? '—' : `$${v}`)
  return `budgets:  daily ${one(p.budget_daily_usd)}, weekly ${one(p.budget_weekly_usd)}, monthly ${one(p.budget_monthly_usd)} (${p.budget_mode ?? 'hard'}, warn at ${p.budget_warn_percent ?? 80}%)`
}

export function describePolicy(p: TokenPolicy): string[] {
  return [
    `models:   ${p.models?.join(', ') ?? 'all'}`,
    `rpm:      ${p.rpm ?? 'unlimited'}`,
    describeBudgets(p),
    `tags:     ${p.tags?.join(', ') ?? 'none allowed'}`,
    `secrets:  ${p.secret_scan ?? 'deployment default'}`,
    `endpoints: ${p.endpoints?.length ? `deployment's + ${p.endpoints.join(', ')}` : "deployment's"}`,
  ]
}
