// The secret scanner for request bodies: splits the body into cache units, scans the
// decoded string values of units not seen before, and optionally redacts in the raw text.
import { createHash } from 'node:crypto'
import { compileAllowlist } from './allowlist.js'
import { createFingerprinter } from './fingerprint.js'
import { decodeStringLiteral, rawIndicesOfDecodedOffsets } from './json-string.js'
import { JsonShapeError, forEachStringValue, splitUnits, unitKind, type JsonUnit } from './json-walk.js'
import { LruCache } from './lru-cache.js'
import { createRuleEngine } from './rule-engine.js'
import { isSkippedValue } from './scan-policy.js'
import type { RuleCategory } from './rules/types.js'
import type { ScanOptions, ScanResult, ScanStats, SecretFinding, SecretScanner, SecretScannerOptions, TextMatch, TextScanResult } from './types.js'

export const DEFAULT_CACHE_ENTRIES = 5000

/**
 * Joins the strings of one batch. No rule matches across it: `\n` ends the `[^\s]` and
 * `.` runs of the connection-string and npmrc rules, NUL ends the PEM body class, and
 * both are non-word characters for `\b`.
 */
const SEPARATOR = '\n\u0000\n'

/** A finding relative to its unit, so it stays valid wherever the unit reappears. */
interface UnitFinding {
  rule_id: string
  category: RuleCategory
  relPath: string
  /** Literal span relative to the unit start. */
  literalStart: number
  literalEnd: number
  escaped: boolean
  /** Match span in the decoded value. */
  start: number
  end: number
  fingerprint: string
}

interface ScannedString {
  unitIndex: number
  relPath: string
  literalStart: number
  literalEnd: number
  escaped: boolean
  text: string
}

export function redactionMarker(ruleIds: readonly string[]): string {
  return `[REDACTED:${ruleIds.join(',')}]`
}

export function createSecretScanner(options: SecretScannerOptions = {}): SecretScanner {
  const categories: RuleCategory[] = ['credential']
  if (options.generic !== false) categories.push('generic')
  if (options.pii) categories.push('pii')
  const engine = createRuleEngine({ categories })
  const allowlist = compileAllowlist(options.allowlist)
  const fingerprintOf = createFingerprinter(options.fingerprintKey ?? '')
  const cache = new LruCache<string, UnitFinding[]>(options.cacheEntries ?? DEFAULT_CACHE_ENTRIES)

  function scanTextWithin(text: string, opts: { deadline?: number } = {}): TextScanResult {
    const { matches, timedOut } = engine.scan(text, opts)
    return {
      matches: matches.filter((m) => {
        const matched = text.slice(m.start, m.end)
        return !allowlist.allows(matched, fingerprintOf(m.rule_id, matched))
      }),
      timedOut,
    }
  }

  function scanText(text: string, opts: { deadline?: number } = {}): TextMatch[] {
    return scanTextWithin(text, opts).matches
  }

  function unitCacheKey(raw: string, unit: JsonUnit): string {
    return createHash('sha256').update(unit.member).update('\0').update(raw.slice(unit.start, unit.end)).digest('base64')
  }

  /** Findings per unit, and whether the deadline cut the scan (then nothing new is cached). */
  function scanUnits(raw: string, units: JsonUnit[], stats: ScanStats, deadline: number | undefined): { perUnit: UnitFinding[][]; timedOut: boolean } {
    let timedOut = false
    const perUnit: UnitFinding[][] = new Array(units.length)
    const keys: string[] = new Array(units.length)
    const scanned: boolean[] = new Array(units.length).fill(false)
    const strings: ScannedString[] = []
    for (let u = 0; u < units.length; u++) {
      const unit = units[u]!
      keys[u] = unitCacheKey(raw, unit)
      const cached = cache.get(keys[u]!)
      if (cached) {
        perUnit[u] = cached
        stats.unitsFromCache++
        continue
      }
      perUnit[u] = []
      scanned[u] = true
      stats.unitsScanned++
      forEachStringValue(raw, unit, (value) => {
        if (isSkippedValue(raw, value.start, value.key)) return
        strings.push({
          unitIndex: u,
          relPath: value.relPath,
          literalStart: value.start - unit.start,
          literalEnd: value.end - unit.start,
          escaped: value.escaped,
          text: decodeStringLiteral(raw, value.start, value.end, value.escaped),
        })
      })
    }

    if (strings.length > 0) {
      // One pass of every rule over all new strings: per-call costs of ~30 rules would
      // dominate for the thousands of short strings in a body.
      const starts: number[] = new Array(strings.length)
      let offset = 0
      for (let s = 0; s < strings.length; s++) {
        starts[s] = offset
        offset += strings[s]!.text.length + SEPARATOR.length
      }
      const batch = strings.map((s) => s.text).join(SEPARATOR)
      stats.charsScanned += batch.length - (strings.length - 1) * SEPARATOR.length
      const scan = engine.scan(batch, { ...(deadline !== undefined && { deadline }) })
      timedOut = scan.timedOut
      for (const match of scan.matches) {
        const s = lastAtOrBefore(starts, match.start)
        const value = strings[s]!
        const start = match.start - starts[s]!
        if (start >= value.text.length) continue // inside a separator
        const end = Math.min(match.end - starts[s]!, value.text.length)
        const matched = value.text.slice(start, end)
        const fingerprint = fingerprintOf(match.rule_id, matched)
        if (allowlist.allows(matched, fingerprint)) continue
        perUnit[value.unitIndex]!.push({
          rule_id: match.rule_id,
          category: match.category,
          relPath: value.relPath,
          literalStart: value.literalStart,
          literalEnd: value.literalEnd,
          escaped: value.escaped,
          start,
          end,
          fingerprint,
        })
      }
    }
    if (!timedOut) for (let u = 0; u < units.length; u++) if (scanned[u]) cache.set(keys[u]!, perUnit[u]!)
    return { perUnit, timedOut }
  }

  function scanJsonBody(rawJson: string, opts: ScanOptions): ScanResult {
    const stats: ScanStats = { units: 0, unitsFromCache: 0, unitsScanned: 0, charsScanned: 0 }
    let units: JsonUnit[]
    let perUnit: UnitFinding[][]
    let timedOut: boolean
    try {
      units = splitUnits(rawJson)
      stats.units = units.length
      ;({ perUnit, timedOut } = scanUnits(rawJson, units, stats, opts.deadline))
    } catch (error) {
      // Malformed JSON (the upstream will reject it, but it is still scanned and audited),
      // or nesting deep enough to exhaust the stack of the recursive walk.
      if (error instanceof JsonShapeError || error instanceof RangeError) {
        return scanUnstructured(rawJson, opts, { units: 0, unitsFromCache: 0, unitsScanned: 0, charsScanned: 0 })
      }
      throw error
    }

    const findings: SecretFinding[] = []
    const located: { unitStart: number; finding: UnitFinding }[] = []
    for (let u = 0; u < units.length; u++) {
      const unitFindings = perUnit[u]!
      if (unitFindings.length === 0) continue
      const unit = units[u]!
      const kind = unitKind(rawJson, unit)
      const item = kind ? `${unit.path} (${kind})` : unit.path
      for (const f of unitFindings) {
        findings.push({ rule_id: f.rule_id, location: unit.path + f.relPath, item, offset: f.start, fingerprint: f.fingerprint, category: f.category })
        if (redacts(opts.redact, f.category)) located.push({ unitStart: unit.start, finding: f })
      }
    }
    const result: ScanResult = { findings, stats }
    if (timedOut) result.timedOut = true
    if (located.length > 0) result.redacted = applyRedactions(rawJson, rawSpansOf(rawJson, located))
    return result
  }

  /** A body that is not a JSON object is scanned as text, and redacted in place. */
  function scanUnstructured(raw: string, opts: ScanOptions, stats: ScanStats): ScanResult {
    stats.units = 1
    stats.unitsScanned = 1
    stats.charsScanned = raw.length
    const { matches, timedOut } = scanTextWithin(raw, { ...(opts.deadline !== undefined && { deadline: opts.deadline }) })
    const findings: SecretFinding[] = matches.map((m) => ({
      rule_id: m.rule_id,
      location: 'body',
      item: 'body (not a JSON object)',
      offset: m.start,
      fingerprint: fingerprintOf(m.rule_id, raw.slice(m.start, m.end)),
      category: m.category,
    }))
    const result: ScanResult = { findings, stats }
    if (timedOut) result.timedOut = true
    const redacted = matches.filter((m) => redacts(opts.redact, m.category))
    if (redacted.length > 0) {
      result.redacted = applyRedactions(
        raw,
        redacted.map((m) => ({ start: m.start, end: m.end, ruleIds: [m.rule_id] })),
      )
    }
    return result
  }

  return { scanJsonBody, scanText, scanTextWithin, ruleIds: engine.ruleIds }
}

function redacts(redact: ScanOptions['redact'], category: RuleCategory): boolean {
  return redact === true || (Array.isArray(redact) && redact.includes(category))
}

interface RawSpan {
  start: number
  end: number
  ruleIds: string[]
}

/**
 * Raw spans of the findings. In a literal without escapes decoded and raw offsets differ
 * by the opening quote; a literal with escapes is walked once for all its findings.
 */
function rawSpansOf(raw: string, located: { unitStart: number; finding: UnitFinding }[]): RawSpan[] {
  const spans: RawSpan[] = []
  const escapedLiterals = new Map<number, UnitFinding[]>()
  for (const { unitStart, finding: f } of located) {
    const literalStart = unitStart + f.literalStart
    if (!f.escaped) spans.push({ start: literalStart + 1 + f.start, end: literalStart + 1 + f.end, ruleIds: [f.rule_id] })
    else {
      const list = escapedLiterals.get(literalStart)
      if (list) list.push(f)
      else escapedLiterals.set(literalStart, [f])
    }
  }
  for (const [literalStart, list] of escapedLiterals) {
    const offsets = [...new Set(list.flatMap((f) => [f.start, f.end]))].sort((a, b) => a - b)
    const indices = rawIndicesOfDecodedOffsets(raw, literalStart, offsets)
    const rawIndex = new Map(offsets.map((o, i) => [o, indices[i]!]))
    for (const f of list) spans.push({ start: rawIndex.get(f.start)!, end: rawIndex.get(f.end)!, ruleIds: [f.rule_id] })
  }
  return spans
}

/** Replaces each span (merged where they overlap) by a marker naming its rules. */
function applyRedactions(raw: string, spans: RawSpan[]): string {
  spans.sort((a, b) => a.start - b.start)
  const merged: RawSpan[] = []
  for (const span of spans) {
    const last = merged[merged.length - 1]
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end)
      for (const id of span.ruleIds) if (!last.ruleIds.includes(id)) last.ruleIds.push(id)
    } else merged.push({ ...span, ruleIds: [...span.ruleIds] })
  }
  let out = ''
  let at = 0
  for (const span of merged) {
    out += raw.slice(at, span.start) + redactionMarker(span.ruleIds)
    at = span.end
  }
  return out + raw.slice(at)
}

/** Index of the last element of ascending `values` that is ≤ `target`. */
function lastAtOrBefore(values: readonly number[], target: number): number {
  let lo = 0
  let hi = values.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (values[mid]! <= target) lo = mid
    else hi = mid - 1
  }
  return lo
}
