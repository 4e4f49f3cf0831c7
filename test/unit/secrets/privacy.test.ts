import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'
import { codexBody, toolOutput } from './body-helpers.js'

const positives = positiveFixtures()

describe('findings never carry the secret', () => {
  it('holds no matched text in any finding field, for every fixture', () => {
    const raw = codexBody(positives.map((p, i) => toolOutput(p.text, `call_${i}`)))
    const { findings } = createSecretScanner().scanJsonBody(raw, { redact: false })
    expect(findings.length).toBeGreaterThanOrEqual(positives.length)
    const serialised = JSON.stringify(findings)
    for (const p of positives) expect(serialised).not.toContain(p.secret)
  })

  it('uses 12 hex characters as fingerprint, equal for equal secrets and keyed by fingerprintKey', () => {
    const p = positives.find((f) => f.rule_id === 'github-pat')!
    const raw = codexBody([toolOutput(p.text, 'a'), toolOutput(`again: ${p.secret}`, 'b')])
    const [a, b] = createSecretScanner().scanJsonBody(raw, { redact: false }).findings
    expect(a!.fingerprint).toMatch(/^[0-9a-f]{12}$/)
    expect(b!.fingerprint).toBe(a!.fingerprint)
    const [keyed] = createSecretScanner({ fingerprintKey: 'deployment-key' }).scanJsonBody(raw, { redact: false }).findings
    expect(keyed!.fingerprint).not.toBe(a!.fingerprint)
  })
})
