import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { SECRETLINT_RULE_IDS } from '../../../lambda/src/secrets/secretlint-rule-ids.js'
import { presetRuleCreators, shortRuleName } from '../../../lambda/src/secrets/secretlint-rules.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'

const scanner = createSecretScanner()
const positives = positiveFixtures()

describe('rule coverage', () => {
  it.each(positives.map((p) => [p.rule_id, p]))('reports %s for a fake credential in context', (ruleId, fixture) => {
    const matches = scanner.scanText(fixture.text)
    const hit = matches.find((m) => m.rule_id === ruleId)
    expect(hit, `no ${ruleId} in ${JSON.stringify(matches)}`).toBeDefined()
    // The reported span covers the whole credential, so redacting it leaves nothing behind.
    const start = fixture.text.indexOf(fixture.secret)
    expect(hit!.start).toBeLessThanOrEqual(start)
    expect(hit!.end).toBeGreaterThanOrEqual(start + fixture.secret.length)
  })

  it('has a positive fixture for every rule id the scanner can report', () => {
    const covered = new Set(positives.map((p) => p.rule_id))
    expect(scanner.ruleIds.filter((id) => !covered.has(id))).toEqual([])
  })

  it('maps every message of the pinned secretlint preset to a named rule id', () => {
    const messages = presetRuleCreators().flatMap((rule) =>
      Object.keys(rule.messages).map((messageId) => `${shortRuleName(rule)}/${messageId}`),
    )
    expect(messages.filter((m) => !(m in SECRETLINT_RULE_IDS))).toEqual([])
  })

  it('does not run the secretlint rule that lets text switch detection off', () => {
    const names = presetRuleCreators().map(shortRuleName)
    expect(names).not.toContain('filter-comments')
    const fixture = positives.find((p) => p.rule_id === 'github-token')!
    const text = `// secretlint-disable\n${fixture.text}\n// secretlint-enable`
    expect(scanner.scanText(text).map((m) => m.rule_id)).toContain('github-token')
  })

  it('reports a proxy token only when its checksum is valid', () => {
    const token = positives.find((p) => p.rule_id === 'codex-proxy-token')!.secret
    const last = token.at(-1) === 'A' ? 'B' : 'A'
    const corrupted = token.slice(0, -1) + last
    expect(scanner.scanText(`CXP_TOKEN=${token}`).map((m) => m.rule_id)).toEqual(['codex-proxy-token'])
    expect(scanner.scanText(`CXP_TOKEN=${corrupted}`)).toEqual([])
  })

  it('reports AWS access key ids, which secretlint leaves off by default', () => {
    const fixture = positives.find((p) => p.rule_id === 'aws-access-key-id')!
    expect(scanner.scanText(`id: ${fixture.secret}`).map((m) => m.rule_id)).toEqual(['aws-access-key-id'])
  })

  it('does not report AWS account ids or IAM principal ids, which are identifiers, not secrets', () => {
    expect(scanner.scanText('aws_account_id = "1234-5678-9012"\nUserId: AIDAJQABLZS4A3QDU576Q')).toEqual([])
  })
})
