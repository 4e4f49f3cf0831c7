import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { positiveFixtures, type PositiveFixture } from '../../fixtures/secrets/positives.js'
import { codexBody, lexJson, toolOutput, userMessage } from './body-helpers.js'

const positives = positiveFixtures()
const fixture = (ruleId: string) => positives.find((p) => p.rule_id === ruleId)!

function redact(raw: string): string {
  const { redacted } = createSecretScanner().scanJsonBody(raw, { redact: true })
  expect(redacted).toBeDefined()
  return redacted!
}

/** Asserts that only string literals that held a secret differ, and that they now hold a marker. */
function expectChangedOnlyInSecretLiterals(raw: string, redacted: string, secrets: string[]): void {
  const before = lexJson(raw)
  const after = lexJson(redacted)
  expect(after.length).toBe(before.length)
  for (let i = 0; i < before.length; i++) {
    const b = before[i]!
    const a = after[i]!
    if (a.text === b.text) continue
    expect(b.literal && a.literal).toBe(true)
    const decoded = JSON.parse(b.text) as string
    expect(secrets.some((s) => decoded.includes(s))).toBe(true)
    expect(a.text).toMatch(/\[REDACTED:[a-z0-9,-]+\]/)
  }
}

function expectSecretGone(redacted: string, secret: string): void {
  expect(redacted).not.toContain(secret)
  expect(JSON.stringify(JSON.parse(redacted))).not.toContain(secret)
  // Decoded values, where escapes no longer hide anything.
  const decodedStrings: string[] = []
  JSON.parse(redacted, (_key, value: unknown) => {
    if (typeof value === 'string') decodedStrings.push(value)
    return value
  })
  for (const s of decodedStrings) expect(s).not.toContain(secret)
}

describe('redaction', () => {
  it.each(positives.map((p): [string, PositiveFixture] => [p.rule_id, p]))(
    'removes a %s from the body and keeps the rest byte-identical',
    (_ruleId, p) => {
      const raw = codexBody([userMessage('context'), toolOutput(`before\n${p.text}\nafter`)])
      const redacted = redact(raw)
      expectSecretGone(redacted, p.secret)
      expectChangedOnlyInSecretLiterals(raw, redacted, [p.secret])
    },
  )

  it('puts a marker naming the rule where the secret was', () => {
    const p = fixture('github-pat')
    const redacted = JSON.parse(redact(codexBody([userMessage(`token ${p.secret} here`)]))) as { input: { content: { text: string }[] }[] }
    expect(redacted.input[0]!.content[0]!.text).toBe('token [REDACTED:github-pat] here')
  })

  it('replaces the raw span of a secret written with \\u escapes, leaving no escaped remnant', () => {
    const p = fixture('github-pat')
    const raw = codexBody([userMessage(`a\tb ${p.secret} c`)]).replace('ghp_', '\\u0067\\u0068p_')
    const redacted = redact(raw)
    expect(redacted).toContain('"a\\tb [REDACTED:github-pat] c"')
    expectSecretGone(redacted, p.secret)
    expect(redacted).not.toContain('\\u0067')
  })

  it('replaces a PEM block across its \\n escapes and keeps the escapes around it', () => {
    const p = fixture('private-key')
    const raw = codexBody([toolOutput(`key:\n${p.text}\ndone`)])
    const redacted = redact(raw)
    expect(redacted).toContain('"key:\\n[REDACTED:private-key]\\n')
    for (const line of p.secret.split('\n')) expect(redacted).not.toContain(line)
  })

  it('keeps tool call arguments valid JSON when a connection string in them is redacted', () => {
    const p = fixture('postgresql-connection-string')
    const call = { type: 'function_call', name: 'shell', call_id: 'c', arguments: JSON.stringify({ command: ['psql', p.text.split('=')[1]], workdir: '/w' }) }
    const redacted = JSON.parse(redact(codexBody([call]))) as { input: { arguments: string }[] }
    const args = JSON.parse(redacted.input[0]!.arguments) as { command: string[]; workdir: string }
    expect(args.workdir).toBe('/w')
    // Only the password is replaced: the URL around it stays readable and the inner JSON valid.
    expect(args.command[1]).toBe('postgres://app:[REDACTED:postgresql-connection-string]@db.internal:5432/app')
  })

  it('redacts every secret when one string holds several', () => {
    const secrets = ['github-pat', 'aws-access-key-id', 'stripe-secret-key'].map((id) => fixture(id).secret)
    const raw = codexBody([toolOutput(secrets.join(' and '))])
    const redacted = redact(raw)
    for (const s of secrets) expectSecretGone(redacted, s)
    expectChangedOnlyInSecretLiterals(raw, redacted, secrets)
  })

  it('redacts thousands of secrets in one escaped string value', () => {
    const p = fixture('github-pat')
    const raw = codexBody([toolOutput(Array.from({ length: 3_000 }, (_, i) => `line\t${i} ${p.secret}`).join('\n'))])
    const result = createSecretScanner().scanJsonBody(raw, { redact: true })
    expect(result.findings).toHaveLength(3_000)
    expectSecretGone(result.redacted!, p.secret)
    expect(result.redacted!.split('[REDACTED:github-pat]')).toHaveLength(3_001)
  })

  it('merges overlapping matches of different rules into one marker naming both', () => {
    // A secret access key value that begins with something shaped like an access key id.
    const value = `AKIAFAKEQWERTY234567/${'Zx9'.repeat(6)}q`
    const redacted = redact(codexBody([toolOutput(`aws_secret_access_key = ${value}`)]))
    expect(redacted).toContain('aws_secret_access_key = [REDACTED:aws-secret-access-key,aws-access-key-id]')
  })

  it('names only the more specific rule when two rules report the same span', () => {
    // x-oauth-basic URL around a ghp_ token: github-pat, not also github-x-oauth-url or basic-auth-url.
    const token = fixture('github-pat').secret
    const redacted = redact(codexBody([toolOutput(`https://${token}:x-oauth-basic@github.com/acme/app.git`)]))
    expect(redacted).toContain('https://[REDACTED:github-pat]:x-oauth-basic@github.com')
  })

  it('does not return a redacted body when redaction was not requested', () => {
    const raw = codexBody([userMessage(fixture('github-pat').text)])
    expect(createSecretScanner().scanJsonBody(raw, { redact: false }).redacted).toBeUndefined()
  })
})
