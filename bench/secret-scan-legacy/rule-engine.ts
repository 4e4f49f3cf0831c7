// All rules over one text: secretlint's preset plus the format rules, with match spans
// made safe for redaction and duplicates removed.
import { runFormatRules, FORMAT_RULES } from './format-rules.js'
import { createSecretlintRunner } from './secretlint-rules.js'
import type { TextMatch } from './legacy-types.js'

// Characters of the base64/base62-like alphabets credentials are written in.
function isTokenChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 43 || code === 47 || code === 45 || code === 95 // + / - _
  )
}

/**
 * Grows a span whose edge falls inside a run of token characters to the whole run.
 * Some rules report a range that is not the secret: secretlint-rule-aws 12.0.0 reports
 * the secret access key as [start of the whole `AWS_SECRET_ACCESS_KEY=…` match, + 40),
 * which would leave the key's tail visible after redaction.
 */
export function widenToTokenEdges(text: string, start: number, end: number): [number, number] {
  let s = start
  let e = end
  while (s > 0 && s < text.length && isTokenChar(text.charCodeAt(s - 1)) && isTokenChar(text.charCodeAt(s))) s--
  while (e > 0 && e < text.length && isTokenChar(text.charCodeAt(e - 1)) && isTokenChar(text.charCodeAt(e))) e++
  return [s, e]
}

const URL_STOP = new Set(['"', "'", '`', '\\', '<', '>'])

/**
 * Cuts a URL-shaped match at the first character a URL cannot contain. The connection
 * string rules end with `[^\s]{0,500}`, which in minified JSON-in-JSON (tool-call
 * arguments) runs on through `"},{"…`; redacting that would also break the inner JSON.
 */
export function trimUrlMatch(text: string, start: number, end: number): number {
  const scheme = text.indexOf('://', start)
  if (scheme === -1 || scheme >= end) return end
  for (let i = scheme + 3; i < end; i++) if (URL_STOP.has(text[i]!)) return i
  return end
}

export interface RuleEngine {
  /** Matches sorted by start; same-rule overlaps merged. */
  scan(text: string): TextMatch[]
  readonly ruleIds: readonly string[]
}

export function createRuleEngine(): RuleEngine {
  const secretlint = createSecretlintRunner()
  const ruleIds = [...new Set([...secretlint.ruleIds, ...FORMAT_RULES.map((r) => r.id)])]
  return {
    ruleIds,
    scan(text) {
      const raw: TextMatch[] = []
      secretlint.run(text, raw)
      runFormatRules(text, raw)
      if (raw.length === 0) return raw
      for (const m of raw) {
        ;[m.start, m.end] = widenToTokenEdges(text, m.start, m.end)
        m.end = trimUrlMatch(text, m.start, m.end)
      }
      raw.sort((a, b) => a.start - b.start || b.end - a.end)
      // Sorted by start, so a match can only overlap the previous match of its rule.
      const out: TextMatch[] = []
      const lastOfRule = new Map<string, TextMatch>()
      for (const m of raw) {
        const last = lastOfRule.get(m.rule_id)
        if (last && m.start < last.end) last.end = Math.max(last.end, m.end)
        else if (m.end > m.start) {
          out.push(m)
          lastOfRule.set(m.rule_id, m)
        }
      }
      return out
    },
  }
}
