// The scan budget the core enforces per request: a scan past its deadline stops, says
// so, and caches nothing (the next scan of the same body starts over).
import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'
import { codexBody, toolOutput } from './body-helpers.js'

const github = positiveFixtures().find((p) => p.rule_id === 'github-pat')!
const raw = codexBody([toolOutput(github.text, 'a'), toolOutput(`more ${github.text}`, 'b')])

describe('scan deadline', () => {
  it('reports timedOut and caches nothing when the deadline has passed', () => {
    const scanner = createSecretScanner()
    const late = scanner.scanJsonBody(raw, { redact: true, deadline: Date.now() - 1 })
    expect(late.timedOut).toBe(true)
    expect(late.findings).toEqual([])
    const next = scanner.scanJsonBody(raw, { redact: true })
    expect(next.timedOut).toBeUndefined()
    expect(next.stats.unitsFromCache).toBe(0)
    expect(next.findings.map((f) => f.rule_id)).toEqual(['github-pat', 'github-pat'])
  })

  it('does not report timedOut when the scan finished in time', () => {
    const result = createSecretScanner().scanJsonBody(raw, { redact: false, deadline: Date.now() + 60_000 })
    expect(result.timedOut).toBeUndefined()
    expect(result.findings).toHaveLength(2)
  })

  it('does the same for free text and for a body that is not JSON', () => {
    const scanner = createSecretScanner()
    expect(scanner.scanTextWithin(github.text, { deadline: Date.now() - 1 })).toEqual({ matches: [], timedOut: true })
    expect(scanner.scanTextWithin(github.text, {}).timedOut).toBe(false)
    expect(scanner.scanJsonBody(`not json ${github.text}`, { redact: true, deadline: Date.now() - 1 }).timedOut).toBe(true)
  })

  it('keeps cached units usable when a later scan times out', () => {
    const scanner = createSecretScanner()
    scanner.scanJsonBody(raw, { redact: false })
    const cachedOnly = scanner.scanJsonBody(raw, { redact: false, deadline: Date.now() - 1 })
    // Every unit came from the cache, so no rule had to run: complete, not timed out.
    expect(cachedOnly.timedOut).toBeUndefined()
    expect(cachedOnly.findings).toHaveLength(2)
  })
})
