import { describe, expect, it } from 'vitest'
import { parseUpstreamPool, type Upstream } from '../../../lambda/src/contracts/upstreams.js'
import { affinityKeyOf, rankUpstreams } from '../../../lambda/src/core/upstreams/router.js'

const pool = (list: unknown[]): Upstream[] => parseUpstreamPool({ upstreams: list }, { source: 't', keys: 'none' }).upstreams

describe('upstream router', () => {
  const three = pool([
    { id: 'a', url: 'http://a', weight: 1 },
    { id: 'b', url: 'http://b', weight: 2 },
    { id: 'c', url: 'http://c', weight: 1, models: ['gpt-5*'] },
  ])

  it('gives a session the same ranking every time, whatever the config order (stateless across instances)', () => {
    const first = rankUpstreams(three, 'gpt-5', 'session-123').map((u) => u.id)
    expect(rankUpstreams([...three].reverse(), 'gpt-5', 'session-123').map((u) => u.id)).toEqual(first)
    expect(rankUpstreams(three, 'gpt-5', 'session-123').map((u) => u.id)).toEqual(first)
    expect(first).toHaveLength(3)
  })

  it('ranks only the upstreams that serve the model', () => {
    expect(rankUpstreams(three, 'o3', 's').map((u) => u.id).sort()).toEqual(['a', 'b'])
    expect(rankUpstreams(pool([{ id: 'x', url: 'http://x', models: ['o3'] }]), 'gpt-5', 's')).toEqual([])
  })

  it('shares new sessions out by weight', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 }
    const n = 20_000
    for (let i = 0; i < n; i++) counts[rankUpstreams(three, 'gpt-5', `s-${i}`)[0]!.id]!++
    // Expected shares 1/4, 2/4, 1/4; 20k draws keep each within ±2.5 points.
    expect(counts.a! / n).toBeGreaterThan(0.225)
    expect(counts.a! / n).toBeLessThan(0.275)
    expect(counts.b! / n).toBeGreaterThan(0.475)
    expect(counts.b! / n).toBeLessThan(0.525)
    expect(counts.c! / n).toBeGreaterThan(0.225)
    expect(counts.c! / n).toBeLessThan(0.275)
  })

  it('moves only the sessions of a removed upstream', () => {
    const without = three.filter((u) => u.id !== 'c')
    let moved = 0
    for (let i = 0; i < 5_000; i++) {
      const before = rankUpstreams(three, 'gpt-5', `s-${i}`)[0]!.id
      const after = rankUpstreams(without, 'gpt-5', `s-${i}`)[0]!.id
      if (before !== 'c') expect(after).toBe(before)
      else moved++
    }
    expect(moved).toBeGreaterThan(0)
  })

  it('spreads the sessions of a failed first choice over the rest by weight', () => {
    const counts: Record<string, number> = { a: 0, b: 0 }
    for (let i = 0; i < 20_000; i++) {
      const r = rankUpstreams(three, 'gpt-5', `s-${i}`)
      if (r[0]!.id === 'c') counts[r[1]!.id]!++
    }
    const share = counts.b! / (counts.a! + counts.b!)
    expect(share).toBeGreaterThan(0.6)
    expect(share).toBeLessThan(0.73)
  })

  it('keys on the session-id header, then prompt_cache_key, then the request id', () => {
    expect(affinityKeyOf(new Headers({ 'session-id': 'S' }), { prompt_cache_key: 'P' }, 'R')).toEqual({ key: 'S', source: 'session' })
    expect(affinityKeyOf(new Headers({ session_id: 'S2' }), undefined, 'R')).toEqual({ key: 'S2', source: 'session' })
    expect(affinityKeyOf(new Headers(), { prompt_cache_key: 'P' }, 'R')).toEqual({ key: 'P', source: 'prompt_cache_key' })
    expect(affinityKeyOf(new Headers(), { prompt_cache_key: 7 }, 'R')).toEqual({ key: 'R', source: 'request' })
    expect(affinityKeyOf(new Headers(), undefined, 'R')).toEqual({ key: 'R', source: 'request' })
  })
})
