import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { isPlaceholder, shannonEntropy } from '../../../lambda/src/secrets/placeholder.js'
import { fakeRandom } from '../../fixtures/secrets/fake-random.js'

describe('placeholder suppression', () => {
  it.each([
    ['one repeated character', 'aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['a short repeating unit', 'abababababababababab'],
    ['a run of x', 'sk_test_xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['a run of X', 'AKIAXXXXXXXXXXXXXXXX'],
    ['stars', 'ghp_****************'],
    ['EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['your-…-here', 'your-api-key-here'],
    ['YOUR_TOKEN', 'YOUR_TOKEN'],
    ['<…>', '<paste your token>'],
    ['${…}', '${GITHUB_TOKEN}'],
    ['{{…}}', '{{ secrets.NPM_TOKEN }}'],
    ['a typed sequence', 'ghp_1234567890abcdefghij1234567890abcdef'],
    ['very low entropy', 'aabbaabbaabbabab'],
  ])('treats %s as a placeholder', (_what, value) => {
    expect(isPlaceholder(value)).toBe(true)
  })

  it('does not treat generated credentials as placeholders', () => {
    const r = fakeRandom(5)
    for (let i = 0; i < 500; i++) {
      expect(isPlaceholder(`ghp_${r.alnum(36)}`)).toBe(false)
      expect(isPlaceholder(r.hex(32))).toBe(false)
    }
  })

  it('suppresses the .env.example placeholder of issue 11', () => {
    expect(createSecretScanner().scanText('STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx')).toEqual([])
  })

  it('computes Shannon entropy in bits per character', () => {
    expect(shannonEntropy('')).toBe(0)
    expect(shannonEntropy('aaaa')).toBe(0)
    expect(shannonEntropy('abab')).toBe(1)
    expect(shannonEntropy('0123456789abcdef')).toBe(4)
  })
})
