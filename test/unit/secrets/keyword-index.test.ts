import { describe, expect, it } from 'vitest'
import { buildKeywordIndex } from '../../../lambda/src/secrets/keyword-index.js'
import { fakeRandom } from '../../fixtures/secrets/fake-random.js'

/** Every occurrence by brute force: the reference the automaton is compared with. */
function naive(text: string, keywords: string[]): string[] {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const out: string[] = []
  for (let end = 1; end <= text.length; end++) {
    keywords.forEach((k, i) => {
      if (end >= k.length && lower.slice(end - k.length, end) === k) out.push(`${i}@${end}`)
    })
  }
  return out
}

function viaIndex(text: string, keywords: string[]): string[] {
  const out: string[] = []
  buildKeywordIndex(keywords).scan(text, (k, end) => out.push(`${k}@${end}`))
  return out.sort((a, b) => Number(a.split('@')[1]) - Number(b.split('@')[1]) || Number(a.split('@')[0]) - Number(b.split('@')[0]))
}

describe('keyword index (Aho–Corasick)', () => {
  it('finds overlapping and nested keywords, case-insensitively, at the right offsets', () => {
    const keywords = ['he', 'she', 'his', 'hers', 'ghp_', 'sk', 'sk_live_', 'k_l']
    const text = 'USHERS said sk_LIVE_ and ghp_ghp_ hishers'
    const sorted = (a: string[]) => [...a].sort((x, y) => Number(x.split('@')[1]) - Number(y.split('@')[1]) || Number(x.split('@')[0]) - Number(y.split('@')[0]))
    expect(viaIndex(text, keywords)).toEqual(sorted(naive(text, keywords)))
  })

  it('agrees with brute force on random text over a small alphabet', () => {
    const r = fakeRandom(99)
    const keywords = Array.from({ length: 30 }, () => r.from('abc_', 1 + Math.floor(r.next() * 5))).filter((k, i, a) => a.indexOf(k) === i)
    const text = r.from('abcABC_-', 5000)
    const sorted = (a: string[]) => [...a].sort((x, y) => Number(x.split('@')[1]) - Number(y.split('@')[1]) || Number(x.split('@')[0]) - Number(y.split('@')[0]))
    expect(viaIndex(text, keywords)).toEqual(sorted(naive(text, keywords)))
  })

  it('keeps offsets of the original text across non-ASCII characters', () => {
    // 'İ'.toLowerCase() is two UTF-16 units: lowering the whole text first would shift offsets.
    const text = 'İİ ghp_ ß ghp_'
    expect(viaIndex(text, ['ghp_'])).toEqual([`0@${text.indexOf('ghp_') + 4}`, `0@${text.length}`])
  })

  it('refuses keywords the automaton cannot hold', () => {
    expect(() => buildKeywordIndex(['GHP_'])).toThrow(/lowercase/)
    expect(() => buildKeywordIndex([''])).toThrow()
    expect(() => buildKeywordIndex(['clé'])).toThrow()
  })
})
