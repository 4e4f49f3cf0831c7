// Recall and false positives over the fixture corpus (test/fixtures/secrets). The same
// numbers are printed by bench/secret-scan.bench.ts into bench/secret-scan-results.md.
import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { negativeDocuments } from '../../fixtures/secrets/negatives.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'
import { codexBody, toolOutput } from './body-helpers.js'

const scanner = createSecretScanner()
const positives = positiveFixtures()

function recall(detected: (p: (typeof positives)[number], i: number) => boolean): number {
  return positives.filter(detected).length / positives.length
}

describe('detection quality on the fixture corpus', () => {
  // Every positive is built to the documented format of its family, so each miss is a
  // regression in a rule or in decoding: the bar is all of them, in every encoding.
  it('finds every fake credential in plain text (recall 1.0)', () => {
    expect(recall((p) => scanner.scanText(p.text).some((m) => m.rule_id === p.rule_id))).toBe(1)
  })

  it('finds every fake credential inside a JSON request body (recall 1.0)', () => {
    const raw = codexBody(positives.map((p, i) => toolOutput(p.text, `call_${i}`)))
    const found = new Set(
      createSecretScanner()
        .scanJsonBody(raw, { redact: false })
        .findings.map((f) => `${f.location}/${f.rule_id}`),
    )
    expect(recall((p, i) => found.has(`input[${i}].output/${p.rule_id}`))).toBe(1)
  })

  it('finds every fake credential when the body escapes every non-space ASCII character (recall 1.0)', () => {
    const escapeAll = (s: string) => [...s].map((c) => (/[!-~]/.test(c) && c !== '"' && c !== '\\' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1))).join('')
    const raw = `{"input":[${positives.map((p) => `{"type":"function_call_output","output":"${escapeAll(p.text)}"}`).join(',')}]}`
    const result = createSecretScanner().scanJsonBody(raw, { redact: true })
    const found = new Set(result.findings.map((f) => `${f.location}/${f.rule_id}`))
    expect(recall((p, i) => found.has(`input[${i}].output/${p.rule_id}`))).toBe(1)
    for (const p of positives) expect(JSON.stringify(JSON.parse(result.redacted!))).not.toContain(p.secret)
  })

  // No generic "high-entropy assignment" rule is enabled, so every rule needs a vendor
  // prefix or a URL/PEM shape; zero false positives on ~3.7 MB of real source code, a
  // lock file and random-looking values is therefore the bar, not an aspiration. In block
  // mode a single false positive stops a developer's session.
  it('reports nothing on the negative corpus of source code, lock file, base64, UUIDs and hashes', () => {
    const flagged = negativeDocuments()
      .map((d) => ({ name: d.name, rules: scanner.scanText(d.text).map((m) => m.rule_id) }))
      .filter((d) => d.rules.length > 0)
    expect(flagged).toEqual([])
  })

  it('uses a negative corpus of meaningful size', () => {
    const docs = negativeDocuments()
    const chars = docs.reduce((n, d) => n + d.text.length, 0)
    expect(docs.length).toBeGreaterThan(50)
    expect(chars).toBeGreaterThan(3_000_000)
  })
})
