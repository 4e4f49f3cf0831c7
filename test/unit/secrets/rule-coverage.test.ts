// Every rule: a positive (a FAKE credential in its documented format, in context) and a
// negative (a near miss and a placeholder of the same shape), plus the invariants the
// engine relies on (keyword inside every match, window bound, source named).
import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { createRuleEngine } from '../../../lambda/src/secrets/rule-engine.js'
import { ALL_RULES } from '../../../lambda/src/secrets/rules/index.js'
import { genericFixtures, piiFixtures, positiveFixtures, type PositiveFixture } from '../../fixtures/secrets/positives.js'

const scanner = createSecretScanner({ pii: true })
const fixtures = [...positiveFixtures(), ...genericFixtures(), ...piiFixtures()]
const ruleOf = new Map(ALL_RULES.map((r) => [r.id, r]))
/** Rules proven on keys made by real tools instead (private-keys.test.ts). */
const TOOL_TESTED = new Set(['putty-private-key'])

/** The secret with every letter/digit outside the rule's keywords turned into `x`: a placeholder of the same shape. */
function placeholderOf(f: PositiveFixture): string {
  const rule = ruleOf.get(f.rule_id)!
  const keep = new Array<boolean>(f.secret.length).fill(false)
  const lower = f.secret.toLowerCase()
  for (const k of rule.keywords) for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1)) keep.fill(true, i, i + k.length)
  return [...f.secret].map((c, i) => (keep[i] || !/[A-Za-z0-9]/.test(c) ? c : c === c.toUpperCase() && /[A-Z]/.test(c) ? 'X' : 'x')).join('')
}

describe('rule coverage', () => {
  it.each(fixtures.map((f, i) => [`${f.rule_id} #${i}`, f]))('reports %s over the whole credential', (_name, f) => {
    const matches = scanner.scanText(f.text)
    const hit = matches.find((m) => m.rule_id === f.rule_id)
    expect(hit, `no ${f.rule_id} in ${JSON.stringify(matches)}`).toBeDefined()
    const start = f.text.indexOf(f.secret)
    expect(hit!.start).toBeLessThanOrEqual(start)
    expect(hit!.end).toBeGreaterThanOrEqual(start + f.secret.length)
    // Only one finding for one credential: less specific rules give way.
    expect(matches.map((m) => m.rule_id)).toEqual([f.rule_id])
  })

  it.each(fixtures.map((f, i) => [`${f.rule_id} #${i}`, f]))('does not report a near miss of %s', (_name, f) => {
    const nearMiss = f.nearMiss ?? f.text.replace(f.secret, f.secret.slice(0, Math.ceil(f.secret.length * 0.6)))
    expect(nearMiss).not.toBe(f.text)
    expect(scanner.scanText(nearMiss).filter((m) => m.rule_id === f.rule_id)).toEqual([])
  })

  it.each(fixtures.filter((f) => ruleOf.get(f.rule_id)!.category !== 'pii').map((f, i) => [`${f.rule_id} #${i}`, f]))(
    'does not report a placeholder shaped like %s',
    (_name, f) => {
      const text = f.text.replace(f.secret, placeholderOf(f))
      expect(scanner.scanText(text).filter((m) => m.rule_id === f.rule_id)).toEqual([])
    },
  )

  it('has a positive fixture for every rule', () => {
    const covered = new Set(fixtures.map((f) => f.rule_id))
    expect(ALL_RULES.map((r) => r.id).filter((id) => !covered.has(id) && !TOOL_TESTED.has(id))).toEqual([])
  })

  it('covers at least 150 distinct credential formats', () => {
    const formats = new Set(fixtures.filter((f) => ruleOf.get(f.rule_id)!.category === 'credential').map((f) => f.rule_id))
    expect(formats.size).toBeGreaterThanOrEqual(150)
  })

  it('names a title and a source for every rule, and unique ids', () => {
    for (const r of ALL_RULES) {
      expect(r.title.length, r.id).toBeGreaterThan(5)
      expect(r.source.length, r.id).toBeGreaterThan(5)
      expect(r.id).toMatch(/^[a-z0-9][a-z0-9-]*$/)
    }
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length)
  })

  // The engine runs a rule only in windows of maxLength around its keyword hits, so every
  // match must contain a keyword and fit in maxLength. Checked on each positive, run over
  // the whole text without windows.
  it.each(fixtures.filter((f) => ruleOf.get(f.rule_id)!.pattern).map((f, i) => [`${f.rule_id} #${i}`, f]))(
    'finds %s without the keyword windows too, inside the declared bounds',
    (_name, f) => {
      const rule = ruleOf.get(f.rule_id)!
      const pattern = new RegExp(rule.pattern!.source, rule.pattern!.flags)
      const matches = [...f.text.matchAll(pattern)]
      expect(matches.length).toBeGreaterThan(0)
      for (const m of matches) {
        expect(m[0].length).toBeLessThanOrEqual(rule.maxLength)
        if (rule.keywords.length > 0) expect(rule.keywords.some((k) => m[0].toLowerCase().includes(k)), `${rule.id}: no keyword in ${m[0]}`).toBe(true)
      }
    },
  )

  it('reports a proxy token only when its checksum is valid', () => {
    const token = fixtures.find((p) => p.rule_id === 'codex-proxy-token')!.secret
    const corrupted = token.slice(0, -1) + (token.at(-1) === 'A' ? 'B' : 'A')
    const proxyTokens = (text: string) => scanner.scanText(text).filter((m) => m.rule_id === 'codex-proxy-token')
    expect(proxyTokens(`CXP_TOKEN=${token}`)).toHaveLength(1)
    expect(proxyTokens(`CXP_TOKEN=${corrupted}`)).toEqual([])
  })

  it('does not report AWS account ids, IAM principal ids or the documentation key id', () => {
    expect(scanner.scanText('aws_account_id = "1234-5678-9012"\nUserId: AIDAJQABLZS4A3QDU576Q\nkey AKIAIOSFODNN7EXAMPLE')).toEqual([])
  })

  it('does not let text switch detection off (no secretlint-disable comments)', () => {
    const f = fixtures.find((p) => p.rule_id === 'github-pat')!
    expect(scanner.scanText(`// secretlint-disable\n${f.text}\n// gitleaks:allow`).map((m) => m.rule_id)).toContain('github-pat')
  })

  it('runs only the categories asked for: credential and generic by default, PII on request', () => {
    const card = piiFixtures()[0]!
    const generic = genericFixtures()[0]!
    expect(createSecretScanner().scanText(card.text)).toEqual([])
    expect(createSecretScanner().scanText(generic.text).map((m) => m.category)).toEqual(['generic'])
    expect(createSecretScanner({ generic: false }).scanText(generic.text)).toEqual([])
    expect(createSecretScanner({ pii: true }).scanText(card.text).map((m) => [m.rule_id, m.category])).toEqual([['pii-payment-card', 'pii']])
    expect(createRuleEngine({ categories: ['pii'] }).ruleIds).toEqual(['pii-payment-card', 'pii-iban', 'pii-us-ssn'])
  })
})
