// Operator-supplied price overrides (negotiated prices), read from a JSON file.
//
// Format (all prices in USD per 1,000,000 tokens, as OpenAI publishes them):
//
//   {
//     "comment": "optional free text, e.g. contract reference",
//     "models": {
//       "gpt-5*":  { "input_per_mtok": 1.0, "cached_input_per_mtok": 0.1, "output_per_mtok": 8.0 },
//       "gpt-4.1": { "input_per_mtok": 1.6, "cached_input_per_mtok": 0.4, "output_per_mtok": 6.4,
//                    "comment": "optional" }
//     }
//   }
//
// - Keys of `models` are model ids or globs: `*` matches any run of characters, `?` one
//   character; matching is case-insensitive and anchored (the whole id must match).
// - All three prices are required: a missing cached price would force a guess (full input
//   price or a discount?), and the pricer never guesses.
// - `cache_write_per_mtok` (optional): the price of input written to the prompt cache
//   (Claude bills writes apart, dearer than input). A rule without it cannot price a request
//   that reports cache writes: that request gets `cost_usd: null`, never a guess.
// - Reasoning tokens are billed as output tokens (they are part of `output_tokens`), so
//   there is no separate reasoning price.
// - When several keys match, the most specific wins: an exact id (no wildcard) first, then
//   the glob with the most literal characters, then the one written first in the file.
// - Overrides are flat prices: a long-context tier modelled by the package does not apply
//   to a model priced by an override.
// - Validation is strict (unknown keys, wrong types, negative prices, cached > input are
//   errors) so a typo in a negotiated-price file fails at start-up, not in the invoices.
import { globToRegExp, modelPatternProblem } from '../contracts/model-glob.js'

export interface OverridePrice {
  readonly input_per_mtok: number
  readonly cached_input_per_mtok: number
  readonly output_per_mtok: number
  readonly cache_write_per_mtok?: number
}

export interface OverrideRule extends OverridePrice {
  /** The key as written in the file (reported as `model_matched`). */
  readonly pattern: string
  readonly regex: RegExp
}

export interface PriceOverrides {
  /** Rules in precedence order: the first rule whose regex matches wins. */
  readonly rules: readonly OverrideRule[]
}

export const NO_OVERRIDES: PriceOverrides = Object.freeze({ rules: Object.freeze([]) })

export class PriceOverridesError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(
      `invalid price overrides: ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n` +
        issues.map((i) => `  - ${i}`).join('\n'),
    )
    this.name = 'PriceOverridesError'
  }
}

const PRICE_KEYS = ['input_per_mtok', 'cached_input_per_mtok', 'output_per_mtok'] as const
const RULE_KEYS: readonly string[] = [...PRICE_KEYS, 'cache_write_per_mtok', 'comment']
const TOP_KEYS: readonly string[] = ['models', 'comment']

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `string ${JSON.stringify(v)}` : typeof v

/** Parses and validates an override file; throws PriceOverridesError listing every problem. */
export function loadPriceOverrides(jsonText: string): PriceOverrides {
  let doc: unknown
  try {
    doc = JSON.parse(jsonText)
  } catch (e) {
    throw new PriceOverridesError([`not valid JSON: ${(e as Error).message}`])
  }
  const issues: string[] = []
  if (!isObject(doc)) throw new PriceOverridesError([`top level: expected an object, got ${describe(doc)}`])
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) issues.push(`top level: unknown key "${key}" (allowed: ${TOP_KEYS.join(', ')})`)
  }
  if (doc.comment !== undefined && typeof doc.comment !== 'string') {
    issues.push(`comment: expected a string, got ${describe(doc.comment)}`)
  }
  if (!('models' in doc)) issues.push('models: required, an object mapping model ids or globs to prices')
  else if (!isObject(doc.models)) issues.push(`models: expected an object, got ${describe(doc.models)}`)

  const rules: Array<OverrideRule & { order: number }> = []
  const seen = new Map<string, string>()
  if (isObject(doc.models)) {
    Object.entries(doc.models).forEach(([pattern, value], order) => {
      const rule = validateRule(pattern, value, issues)
      const lower = pattern.toLowerCase()
      const earlier = seen.get(lower)
      if (earlier !== undefined) issues.push(`models[${JSON.stringify(pattern)}]: same pattern as "${earlier}" (matching is case-insensitive)`)
      seen.set(lower, pattern)
      if (rule) rules.push({ ...rule, order })
    })
  }
  if (issues.length > 0) throw new PriceOverridesError(issues)

  rules.sort((a, b) => specificity(b.pattern) - specificity(a.pattern) || a.order - b.order)
  return Object.freeze({ rules: Object.freeze(rules.map(({ order: _order, ...rule }) => Object.freeze(rule))) })
}

function validateRule(pattern: string, value: unknown, issues: string[]): OverrideRule | undefined {
  const at = `models[${JSON.stringify(pattern)}]`
  const before = issues.length
  const problem = modelPatternProblem(pattern)
  if (problem) issues.push(`${at}: ${problem}`)
  if (!isObject(value)) {
    issues.push(`${at}: expected an object with ${PRICE_KEYS.join(', ')}, got ${describe(value)}`)
    return undefined
  }
  for (const key of Object.keys(value)) {
    if (!RULE_KEYS.includes(key)) issues.push(`${at}: unknown key "${key}" (allowed: ${RULE_KEYS.join(', ')})`)
  }
  for (const key of PRICE_KEYS) {
    const v = value[key]
    if (v === undefined) issues.push(`${at}.${key}: required, USD per million tokens`)
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      issues.push(`${at}.${key}: expected a number >= 0 (USD per million tokens), got ${typeof v === 'number' ? v : describe(v)}`)
    }
  }
  if (value.comment !== undefined && typeof value.comment !== 'string') {
    issues.push(`${at}.comment: expected a string, got ${describe(value.comment)}`)
  }
  const w = value.cache_write_per_mtok
  if (w !== undefined && (typeof w !== 'number' || !Number.isFinite(w) || w < 0)) {
    issues.push(`${at}.cache_write_per_mtok: expected a number >= 0 (USD per million tokens), got ${typeof w === 'number' ? w : describe(w)}`)
  }
  if (issues.length > before) return undefined
  const price = value as unknown as OverridePrice
  if (price.cached_input_per_mtok > price.input_per_mtok) {
    issues.push(
      `${at}: cached_input_per_mtok (${price.cached_input_per_mtok}) is greater than input_per_mtok (${price.input_per_mtok}); cached input is never dearer than input`,
    )
    return undefined
  }
  return {
    pattern,
    regex: globToRegExp(pattern),
    input_per_mtok: price.input_per_mtok,
    cached_input_per_mtok: price.cached_input_per_mtok,
    output_per_mtok: price.output_per_mtok,
    ...(price.cache_write_per_mtok !== undefined && { cache_write_per_mtok: price.cache_write_per_mtok }),
  }
}

/** Exact ids outrank every glob; among globs, more literal characters = more specific. */
function specificity(pattern: string): number {
  const literal = pattern.replace(/[*?]/g, '').length
  return /[*?]/.test(pattern) ? literal : Number.MAX_SAFE_INTEGER
}

/** The winning rule for a model id, if any. */
export function findOverride(overrides: PriceOverrides, model: string): OverrideRule | undefined {
  return overrides.rules.find((r) => r.regex.test(model))
}
