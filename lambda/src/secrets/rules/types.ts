// The shape of a detection rule. A rule is data: the engine (rule-engine.ts) runs its
// pattern only around occurrences of its keywords, so adding rules does not make every
// scan slower in proportion (the keyword pass is one Aho–Corasick walk over the text).

/**
 * `credential`: vendor formats, private keys, the proxy's own token — precise enough to block on.
 * `generic`: `password = …`-style assignments found by entropy; less precise (measured in
 *   bench/secret-scan-results.md), so they do not block by default.
 * `pii`: personal data validated by a checksum (cards, IBAN, US SSN); only when enabled.
 */
export type RuleCategory = 'credential' | 'generic' | 'pii'
export const RULE_CATEGORIES: readonly RuleCategory[] = ['credential', 'generic', 'pii']

export interface Span {
  start: number
  end: number
}

export interface SecretRule {
  /** Stable id: metrics dimension, audit finding, redaction marker. */
  id: string
  /** What it finds, one line (README rule table). */
  title: string
  /** Where the format comes from: the vendor's documentation, or `gitleaks:<rule id>` it matches. */
  source: string
  category: RuleCategory
  /**
   * Lowercase literals. Every match contains one of them (case-insensitively); the rule
   * runs only on windows around their occurrences. Empty: the rule reads the whole text
   * (only the opt-in PII detectors, which have no keyword).
   */
  keywords: readonly string[]
  /** Global regex (flags `g`, optionally `i`); `d` is added by the engine when `group` is set. */
  pattern?: RegExp
  /** Longest match `pattern` can produce: the window reaches this far either side of a keyword. */
  maxLength: number
  /** Capture group holding the secret itself (default: the whole match). */
  group?: number
  /** Final check on the secret text (a checksum, a structure); `match` is the pattern's whole match. */
  accept?: (secret: string, match: RegExpExecArray) => boolean
  /** Minimum Shannon entropy (bits per character) of the secret. */
  minEntropy?: number
  /** False: skip the placeholder check (values validated otherwise, or structured text). */
  placeholderCheck?: boolean
  /**
   * Instead of a pattern: a finder given the text and the end offsets of its keyword hits
   * (ascending). Must be linear in the text (tested like the patterns).
   */
  find?: (text: string, hitEnds: readonly number[]) => Span[]
}
