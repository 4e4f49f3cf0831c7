// All rules over one text. One Aho–Corasick pass finds the rules' keywords; each rule
// then runs only on the merged windows around its keyword hits (a window reaches
// `maxLength` either side of a hit, so it holds every match that contains the keyword).
// The text is read once by the keyword pass plus, per rule, at most once more over its
// windows, so the scan is linear when every rule's pattern is (linear-time.test.ts).
import { buildKeywordIndex } from './keyword-index.js'
import { isPlaceholder, shannonEntropy } from './placeholder.js'
import { ALL_RULES, FALLBACK_RULE_IDS } from './rules/index.js'
import type { RuleCategory, SecretRule } from './rules/types.js'
import type { TextMatch } from './types.js'

/** Context either side of a window, so look-behind and look-ahead see real neighbours. */
const MARGIN = 16
/** Windows between two deadline checks. */
const DEADLINE_STRIDE = 64

export interface EngineScanOptions {
  /** `Date.now()` value after which the scan stops and reports `timedOut`. */
  deadline?: number
}

export interface EngineScan {
  /** Sorted by start; same-rule overlaps merged; generic/PII matches inside a credential match dropped. */
  matches: TextMatch[]
  timedOut: boolean
  /**
   * Characters handed to patterns, summed over rules. Windows of one rule never overlap
   * (they are merged) and each adds at most 2·MARGIN of context, so per rule this is at
   * most ~3× the text: the engine's share of the linear-time bound (linear-time.test.ts).
   */
  windowChars: number
}

export interface RuleEngine {
  scan(text: string, opts?: EngineScanOptions): EngineScan
  readonly ruleIds: readonly string[]
  readonly rules: readonly SecretRule[]
}

interface Compiled {
  rule: SecretRule
  pattern?: RegExp
}

export function createRuleEngine(options: { categories?: readonly RuleCategory[]; rules?: readonly SecretRule[] } = {}): RuleEngine {
  const categories = new Set(options.categories ?? ['credential', 'generic'])
  const rules = (options.rules ?? ALL_RULES).filter((r) => categories.has(r.category))
  const compiled: Compiled[] = rules.map((rule) => {
    if (!rule.pattern) return { rule }
    const flags = rule.group !== undefined && !rule.pattern.flags.includes('d') ? rule.pattern.flags + 'd' : rule.pattern.flags
    return { rule, pattern: new RegExp(rule.pattern.source, flags) }
  })
  const keywordList: string[] = []
  const keywordId = new Map<string, number>()
  const rulesOfKeyword: number[][] = []
  compiled.forEach(({ rule }, r) => {
    for (const k of rule.keywords) {
      let id = keywordId.get(k)
      if (id === undefined) {
        id = keywordList.length
        keywordId.set(k, id)
        keywordList.push(k)
        rulesOfKeyword.push([])
      }
      rulesOfKeyword[id]!.push(r)
    }
  })
  const index = buildKeywordIndex(keywordList)
  const everywhere = compiled.map((c, r) => (c.rule.keywords.length === 0 ? r : -1)).filter((r) => r >= 0)

  function scan(text: string, opts: EngineScanOptions = {}): EngineScan {
    const deadline = opts.deadline ?? Infinity
    const n = text.length
    // Per rule: merged windows [starts[i], ends[i]) and, for finder rules, the hit ends.
    const starts: number[][] = compiled.map(() => [])
    const ends: number[][] = compiled.map(() => [])
    const hits: number[][] = compiled.map(() => [])
    index.scan(text, (k, end) => {
      for (const r of rulesOfKeyword[k]!) {
        const c = compiled[r]!
        if (c.rule.find) {
          hits[r]!.push(end)
          continue
        }
        const ws = Math.max(0, end - c.rule.maxLength)
        const we = Math.min(n, end + c.rule.maxLength)
        const s = starts[r]!
        const e = ends[r]!
        if (s.length > 0 && ws <= e[e.length - 1]! + MARGIN) e[e.length - 1] = Math.max(e[e.length - 1]!, we)
        else {
          s.push(ws)
          e.push(we)
        }
      }
    })
    for (const r of everywhere) {
      starts[r]!.push(0)
      ends[r]!.push(n)
    }

    const raw: TextMatch[] = []
    let timedOut = false
    let windowChars = 0
    scanRules: for (let r = 0; r < compiled.length; r++) {
      const { rule, pattern } = compiled[r]!
      if (hits[r]!.length === 0 && starts[r]!.length === 0) continue
      if (Date.now() > deadline) {
        timedOut = true
        break
      }
      if (rule.find) {
        for (const span of rule.find(text, hits[r]!)) raw.push({ rule_id: rule.id, category: rule.category, start: span.start, end: span.end })
        continue
      }
      const s = starts[r]!
      const e = ends[r]!
      for (let w = 0; w < s.length; w++) {
        if (w % DEADLINE_STRIDE === DEADLINE_STRIDE - 1 && Date.now() > deadline) {
          timedOut = true
          break scanRules
        }
        const from = Math.max(0, s[w]! - MARGIN)
        const window = text.slice(from, Math.min(n, e[w]! + MARGIN))
        windowChars += window.length
        pattern!.lastIndex = 0
        for (let m = pattern!.exec(window); m !== null; m = pattern!.exec(window)) {
          if (m[0].length === 0) pattern!.lastIndex++
          let start = m.index
          let end = m.index + m[0].length
          if (rule.group !== undefined) {
            const g = m.indices?.[rule.group]
            if (!g) continue
            ;[start, end] = g
          }
          const secret = window.slice(start, end)
          if (!acceptSecret(rule, secret, m)) continue
          raw.push({ rule_id: rule.id, category: rule.category, start: from + start, end: from + end })
        }
      }
    }
    return { matches: mergeMatches(raw), timedOut, windowChars }
  }

  return { scan, ruleIds: rules.map((r) => r.id), rules }
}

function acceptSecret(rule: SecretRule, secret: string, match: RegExpExecArray): boolean {
  if (rule.placeholderCheck !== false && isPlaceholder(secret)) return false
  if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return false
  return rule.accept ? rule.accept(secret, match) : true
}

/**
 * Sorts, merges overlapping matches of one rule, and drops the matches of less specific
 * rules (generic, PII, the URL-password fallbacks) that a specific credential match overlaps.
 */
function mergeMatches(raw: TextMatch[]): TextMatch[] {
  if (raw.length === 0) return raw
  raw.sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: TextMatch[] = []
  const lastOfRule = new Map<string, TextMatch>()
  let previous: TextMatch | undefined
  for (const m of raw) {
    const last = lastOfRule.get(m.rule_id)
    if (last && m.start < last.end) last.end = Math.max(last.end, m.end)
    // The same span from two rules: the earlier rule in ALL_RULES (the more specific) keeps it.
    else if (previous && previous.start === m.start && previous.end === m.end) continue
    else if (m.end > m.start) {
      previous = m
      merged.push(m)
      lastOfRule.set(m.rule_id, m)
    }
  }
  const specific = (m: TextMatch): boolean => m.category === 'credential' && !FALLBACK_RULE_IDS.has(m.rule_id)
  const credentials = merged.filter(specific)
  if (credentials.length === merged.length) return merged
  // Both lists are sorted by start: one forward walk finds the credentials overlapping each match.
  let c = 0
  return merged.filter((m) => {
    if (specific(m)) return true
    while (c < credentials.length && credentials[c]!.end <= m.start) c++
    for (let k = c; k < credentials.length && credentials[k]!.start < m.end; k++) {
      if (credentials[k]!.end > m.start) return false
    }
    return true
  })
}
