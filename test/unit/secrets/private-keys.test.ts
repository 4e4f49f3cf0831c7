// Private keys made by the real tools (node:crypto, openssl, ssh-keygen, gpg, PuTTY's
// format), as they reach a prompt: as is, in an apply_patch diff, indented, with literal
// \n. Public keys and certificates made by the same tools are not findings.
import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { keyVariants, toolKeys } from '../../fixtures/secrets/tool-keys.js'
import { codexBody, toolOutput } from './body-helpers.js'

const scanner = createSecretScanner()
const keys = toolKeys()
const KEY_RULES = ['private-key', 'putty-private-key']

/** The base64 lines of a key file: what must not survive redaction. */
const bodyLines = (text: string): string[] => text.split('\n').filter((l) => /^[A-Za-z0-9+/=]{24,}$/.test(l))

describe('private keys made by real tools', () => {
  it('generates a corpus covering every tool and encoding', () => {
    const names = keys.privateKeys.map((k) => k.name).join('\n')
    for (const marker of ['SEC1', 'ed25519 (PKCS#8', 'ENCRYPTED PRIVATE KEY', 'Proc-Type', 'OPENSSH', 'PGP PRIVATE KEY BLOCK', 'SSH2', '.ppk', 'DSA']) {
      expect(names).toContain(marker)
    }
  })

  const cases = keys.privateKeys.flatMap(keyVariants).map((v) => [v.name, v] as const)
  it.each(cases)('finds %s as one finding covering the whole key', (_name, v) => {
    const matches = scanner.scanText(v.text)
    expect(matches.map((m) => m.rule_id)).toHaveLength(1)
    expect(KEY_RULES).toContain(matches[0]!.rule_id)
    const covered = v.text.slice(matches[0]!.start, matches[0]!.end)
    // Every body line of the original key lies inside the reported span.
    const original = keys.privateKeys.find((k) => v.name.startsWith(k.name))!
    for (const line of bodyLines(original.text)) expect(covered).toContain(line)
  })

  it.each(keys.privateKeys.map((k) => [k.name, k] as const))('redacts %s from a request body, leaving no body line', (_name, k) => {
    const raw = codexBody([toolOutput(`cat ~/.ssh/key\n${k.text}`)])
    const result = createSecretScanner().scanJsonBody(raw, { redact: true })
    expect(result.findings.map((f) => f.rule_id)).toHaveLength(1)
    const decoded = JSON.stringify(JSON.parse(result.redacted!))
    for (const line of bodyLines(k.text)) expect(decoded).not.toContain(line)
  })

  it.each(keys.publicMaterial.map((k) => [k.name, k] as const))('does not report %s', (_name, k) => {
    expect(scanner.scanText(k.text)).toEqual([])
  })

  it('does not report armour without a plausible body: elisions and placeholders', () => {
    const texts = [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----',
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${'x'.repeat(70)}\n-----END OPENSSH PRIVATE KEY-----`,
      'const HEADER = "-----BEGIN PRIVATE KEY-----"; const FOOTER = "-----END PRIVATE KEY-----"',
      'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n...\n',
    ]
    for (const t of texts) expect(scanner.scanText(t), t).toEqual([])
  })

  it('finds a key whose END line was cut off, when the body is long', () => {
    const rsa = keys.privateKeys.find((k) => k.name === 'openssl genpkey RSA (PKCS#8)')!
    const cut = rsa.text.split('\n').slice(0, 12).join('\n')
    expect(scanner.scanText(cut).map((m) => m.rule_id)).toEqual(['private-key'])
  })
})
