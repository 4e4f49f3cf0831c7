import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { LruCache } from '../../../lambda/src/secrets/lru-cache.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'
import { codexBody, toolOutput, userMessage } from './body-helpers.js'

const github = positiveFixtures().find((p) => p.rule_id === 'github-pat')!
const turn1 = [userMessage('fix the build'), toolOutput(github.text)]
const turn2 = [...turn1, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] }, userMessage('thanks')]

describe('per-unit findings cache', () => {
  it('does not scan a unit again when the same body is scanned twice', () => {
    const scanner = createSecretScanner()
    const body = codexBody(turn1)
    const first = scanner.scanJsonBody(body, { redact: false })
    const second = scanner.scanJsonBody(body, { redact: false })
    expect(first.stats.unitsScanned).toBe(first.stats.units)
    expect(second.stats).toMatchObject({ unitsScanned: 0, unitsFromCache: first.stats.units, charsScanned: 0 })
    expect(second.findings).toEqual(first.findings)
  })

  it('scans only the items that are new in the next turn', () => {
    const scanner = createSecretScanner()
    scanner.scanJsonBody(codexBody(turn1), { redact: false })
    const next = scanner.scanJsonBody(codexBody(turn2), { redact: false })
    expect(next.stats.unitsScanned).toBe(2)
    expect(next.findings.map((f) => f.location)).toEqual(['input[1].output'])
  })

  it('reports a cached finding at the item index it has in the current body', () => {
    const scanner = createSecretScanner()
    scanner.scanJsonBody(codexBody([toolOutput(github.text)]), { redact: false })
    const shifted = scanner.scanJsonBody(codexBody([userMessage('first'), toolOutput(github.text)]), { redact: false })
    expect(shifted.stats.unitsFromCache).toBeGreaterThan(0)
    expect(shifted.findings).toMatchObject([{ location: 'input[1].output', item: 'input[1] (function_call_output)' }])
  })

  it('redacts from cached findings as well as from fresh ones', () => {
    const scanner = createSecretScanner()
    const body = codexBody(turn1)
    const fresh = scanner.scanJsonBody(body, { redact: true })
    const cached = scanner.scanJsonBody(body, { redact: true })
    expect(cached.stats.unitsScanned).toBe(0)
    expect(cached.redacted).toBe(fresh.redacted)
    expect(cached.redacted).not.toContain(github.secret)
  })

  it('scans everything again when the cache is disabled', () => {
    const scanner = createSecretScanner({ cacheEntries: 0 })
    const body = codexBody(turn1)
    scanner.scanJsonBody(body, { redact: false })
    const again = scanner.scanJsonBody(body, { redact: false })
    expect(again.stats.unitsFromCache).toBe(0)
  })

  it('treats an item as new when a single character of it changes', () => {
    const scanner = createSecretScanner()
    scanner.scanJsonBody(codexBody(turn1), { redact: false })
    const changed = scanner.scanJsonBody(codexBody([turn1[0], toolOutput(`${github.text}!`)]), { redact: false })
    expect(changed.stats.unitsScanned).toBe(1)
  })

  it('evicts the least recently used entry when full', () => {
    const lru = new LruCache<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    lru.get('a')
    lru.set('c', 3)
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3])
    expect(lru.size).toBe(2)
  })
})
