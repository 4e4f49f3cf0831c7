import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { ibanValid, luhnValid, ssnValid } from '../../../lambda/src/secrets/rules/pii.js'

const pii = createSecretScanner({ pii: true })
const ids = (text: string) => pii.scanText(text).map((m) => m.rule_id)

describe('PII detectors (checksum-validated, opt-in)', () => {
  it('validates Luhn, IBAN mod-97 and SSN ranges', () => {
    expect(luhnValid('4111111111111111')).toBe(true)
    expect(luhnValid('4111111111111112')).toBe(false)
    expect(luhnValid('378282246310005')).toBe(true) // Amex test number
    expect(ibanValid('GB82WEST12345698765432')).toBe(true)
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false)
    expect(ibanValid('FR1420041010050500013M02606')).toBe(true)
    expect(ssnValid('123-45-6789')).toBe(true)
    for (const bad of ['000-12-3456', '666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000', '078-05-1120']) expect(ssnValid(bad), bad).toBe(false)
  })

  it('finds cards of the major schemes in their usual spellings', () => {
    expect(ids('visa 4111111111111111.')).toEqual(['pii-payment-card'])
    expect(ids('amex 3782 822463 10005')).toEqual(['pii-payment-card'])
    expect(ids('mc: 5555-5555-5555-4444')).toEqual(['pii-payment-card'])
  })

  it('does not report digit runs that fail the checks or the shape', () => {
    for (const text of [
      'order 4111111111111112',
      'ts 1700000000000000',
      'mixed 4111 1111-1111 1111',
      'phone 0000 0000 0000 0000',
      'version 1.2.3-45-6789',
      'isbn 978-3-16-148410-0',
      'IBAN GB00 WEST 1234 5698 7654 32',
      'SSN 987-65-4321',
    ]) {
      expect(ids(text), text).toEqual([])
    }
  })

  it('is off unless asked for', () => {
    expect(createSecretScanner().scanText('visa 4111111111111111, SSN 123-45-6789, IBAN DE89370400440532013000')).toEqual([])
  })

  it('reports PII findings with their category, and redacts them only when asked for that category', () => {
    const raw = JSON.stringify({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'card 4111111111111111 and ghp_FAKEq8Zr2LmT9vXw4Nc7Ks1Hd5Gp3Yb6Fj0a' }] }] })
    const secretsOnly = pii.scanJsonBody(raw, { redact: ['credential'] })
    expect(secretsOnly.findings.map((f) => [f.rule_id, f.category])).toEqual([['pii-payment-card', 'pii'], ['github-pat', 'credential']])
    expect(secretsOnly.redacted).toContain('card 4111111111111111 and [REDACTED:github-pat]')
    expect(pii.scanJsonBody(raw, { redact: true }).redacted).toContain('card [REDACTED:pii-payment-card] and [REDACTED:github-pat]')
    expect(pii.scanJsonBody(raw, { redact: false }).redacted).toBeUndefined()
  })
})
