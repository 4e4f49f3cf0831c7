// Builders for the two common rule shapes, so each vendor rule is one declaration whose
// regex has the same, ReDoS-checked structure (test/unit/secrets/linear-time.test.ts).
import type { RuleCategory, SecretRule } from './types.js'

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

interface Common {
  id: string
  title: string
  source: string
  category?: RuleCategory
  minEntropy?: number
  accept?: (secret: string, match: RegExpExecArray) => boolean
  placeholderCheck?: boolean
}

export interface PrefixedSpec extends Common {
  /** Literal prefix(es), matched case-sensitively; lowercased they are the keywords. */
  prefix: string | readonly string[]
  /** Character class content of the random part, e.g. `A-Za-z0-9`. */
  body: string
  /** Exact length, or [min, max], of the random part. */
  length: number | readonly [number, number]
  /** Regex source after the random part (fixed checksum tail, separators…), and its longest length. */
  suffix?: readonly [string, number]
  /** Keywords other than the prefixes (when the prefix is too short or too common). */
  keywords?: readonly string[]
}

/**
 * `PREFIX` + random characters: `ghp_…`, `xoxb-…`, `AKIA…`. The look-behind keeps a match
 * from starting inside a longer word, which is also what keeps the pattern linear: a run
 * of the body's characters is entered at most once (the quadratic `jwt` rule of issue 10
 * could start at every `eyJ` of a run).
 */
export function prefixed(spec: PrefixedSpec): SecretRule {
  const prefixes = typeof spec.prefix === 'string' ? [spec.prefix] : spec.prefix
  const [min, max] = typeof spec.length === 'number' ? [spec.length, spec.length] : spec.length
  // A variable-length run is matched atomically (look-ahead + back-reference): it never
  // gives characters back, so a run longer than the format fails at once instead of
  // being retried at every shorter length.
  const body = min === max ? `[${spec.body}]{${min}}` : `(?=([${spec.body}]{${min},${max}}))\\1`
  const [suffix, suffixMax] = spec.suffix ?? ['', 0]
  const end = spec.suffix ? '(?![A-Za-z0-9_])' : `(?![${spec.body}])`
  // Not after a word character nor after a character of the body: a prefix inside a run
  // of body characters (`sk-ant-…sk-ant-…`) does not start another attempt.
  const literals = spec.body.replace(/[A-Za-z0-9]-[A-Za-z0-9]/g, '').replace(/[A-Za-z0-9_]/g, '')
  // `=` is left out: it precedes tokens as an operator (`TOKEN=…`). `.` counts only for
  // bodies that contain it (`ya29.…`, `sl.…`), where `sl.sl.sl.…` must not restart at each dot.
  const extra = [...new Set(literals.replace(/[-=]/g, ''))].join('').replace(/[\]\\^]/g, '\\$&')
  const before = `(?<![A-Za-z0-9_${extra}${literals.includes('-') ? '-' : ''}])`
  const source = `${before}(?:${prefixes.map(escape).join('|')})${body}${suffix}${end}`
  return {
    id: spec.id,
    title: spec.title,
    source: spec.source,
    category: spec.category ?? 'credential',
    keywords: spec.keywords ?? prefixes.map((p) => p.toLowerCase()),
    pattern: new RegExp(source, 'g'),
    maxLength: Math.max(...prefixes.map((p) => p.length)) + max + suffixMax,
    ...(spec.minEntropy !== undefined && { minEntropy: spec.minEntropy }),
    ...(spec.accept && { accept: spec.accept }),
    ...(spec.placeholderCheck === false && { placeholderCheck: false }),
  }
}

export interface AssignedSpec extends Common {
  /** Names the value is assigned to (`datadog`, `twitter`), lowercase literals; they are the keywords. */
  names: readonly string[]
  /** Regex source of the value (the secret), matched case-insensitively as gitleaks does. */
  value: string
  /** Longest length of the value. */
  valueMax: number
}

/** Longest run of name characters between the vendor name and the operator (`_API_KEY`). */
const NAME_TAIL = 24

/**
 * `<vendor name>…<operator> <value>`: `DATADOG_API_KEY=…`, `"twitter_secret": "…"`,
 * `cloudflare.token: …` — for credentials with no distinctive prefix, where the name
 * next to the value is the only evidence. Operators: `=`, `:`, `=>`, `:=`.
 */
export function assigned(spec: AssignedSpec): SecretRule {
  const names = spec.names.map(escape).join('|')
  // The name tail is matched atomically (look-ahead + back-reference): its characters
  // cannot be operators, so giving them back could never help, only cost time.
  // Not right after a letter or digit: `WANDB_API_KEY`, `my_wandb_key`, not inside a longer word.
  const source = `(?<![A-Za-z0-9])(?:${names})(?=([\\w.-]{0,${NAME_TAIL}}))\\1[\\s'"]{0,3}(?:=>|:=|[=:])[\\s'"\\x60]{0,5}(${spec.value})(?![A-Za-z0-9_+/=-])`
  const nameMax = Math.max(...spec.names.map((n) => n.length))
  return {
    id: spec.id,
    title: spec.title,
    source: spec.source,
    category: spec.category ?? 'credential',
    keywords: spec.names.map((n) => n.toLowerCase()),
    pattern: new RegExp(source, 'gi'),
    maxLength: nameMax + NAME_TAIL + 3 + 2 + 5 + spec.valueMax,
    group: 2,
    minEntropy: spec.minEntropy ?? 3,
    ...(spec.accept && { accept: spec.accept }),
    ...(spec.placeholderCheck === false && { placeholderCheck: false }),
  }
}

/** A rule written out by hand (connection strings, JWTs): the caller states keywords and bounds. */
export function custom(rule: Omit<SecretRule, 'category'> & { category?: RuleCategory }): SecretRule {
  return { category: 'credential', ...rule }
}

// Value shapes used by several assigned rules.
export const HEX = (n: number): string => `[a-f0-9]{${n}}`
export const ALNUM = (n: number): string => `[a-z0-9]{${n}}`
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
