// Every rule the scanner knows, in reporting order: where two rules match exactly the
// same span, the earlier one is kept (a postgres:// URL is a postgresql-connection-string,
// not also a basic-auth-url).
import { CLOUD_RULES } from './cloud.js'
import { DEV_RULES } from './dev.js'
import { GENERIC_RULES } from './generic.js'
import { PII_RULES } from './pii.js'
import { PRIVATE_KEY_RULES } from './private-keys.js'
import { AI_RULES, MESSAGING_RULES, PAYMENT_RULES } from './saas.js'
import { HEADER_AND_KEY_RULES, STRUCTURED_RULES, URL_RULES } from './structured.js'
import type { SecretRule } from './types.js'

export const ALL_RULES: readonly SecretRule[] = [
  ...PRIVATE_KEY_RULES,
  ...STRUCTURED_RULES,
  ...AI_RULES,
  ...CLOUD_RULES,
  ...DEV_RULES,
  ...MESSAGING_RULES,
  ...PAYMENT_RULES,
  ...HEADER_AND_KEY_RULES,
  ...URL_RULES,
  ...GENERIC_RULES,
  ...PII_RULES,
]

/** Rules that give way to any other credential match they overlap (see mergeMatches). */
export const FALLBACK_RULE_IDS: ReadonlySet<string> = new Set(URL_RULES.map((r) => r.id))

export type { RuleCategory, SecretRule } from './types.js'
