import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'
import { codexBody, toolOutput } from './body-helpers.js'

const fixture = (ruleId: string) => positiveFixtures().find((p) => p.rule_id === ruleId)!
const github = fixture('github-pat')
const stripe = fixture('stripe-secret-key')
const body = codexBody([toolOutput(`${github.text}\n${stripe.text}`)])

describe('allow-list', () => {
  it('ignores a finding whose fingerprint is allow-listed', () => {
    const [first] = createSecretScanner().scanJsonBody(body, { redact: false }).findings
    const scanner = createSecretScanner({ allowlist: { fingerprints: [first!.fingerprint] } })
    const result = scanner.scanJsonBody(body, { redact: true })
    expect(result.findings.map((f) => f.rule_id)).toEqual(['stripe-secret-key'])
    expect(result.redacted).toContain(github.secret)
  })

  it('ignores matches whose text matches an allow-listed pattern', () => {
    const scanner = createSecretScanner({ allowlist: { patterns: ['^sk_live_FAKE'] } })
    expect(scanner.scanJsonBody(body, { redact: false }).findings.map((f) => f.rule_id)).toEqual(['github-pat'])
  })

  it('applies the allow-list to plain text scans too', () => {
    const scanner = createSecretScanner({ allowlist: { patterns: ['^ghp_FAKE'] } })
    expect(scanner.scanText(github.text)).toEqual([])
  })

  it('rejects an allow-list pattern that is not a valid regular expression', () => {
    expect(() => createSecretScanner({ allowlist: { patterns: ['(unclosed'] } })).toThrow(/invalid pattern "\(unclosed"/)
  })
})
