import { describe, expect, it } from 'vitest'
import {
  generateToken,
  hashToken,
  isWellFormedToken,
  TOKEN_ID_PATTERN,
  TOKEN_LENGTH,
  TOKEN_PATTERN,
  TOKEN_PREFIX,
  tokenIdFromHash,
} from '../../lambda/src/contracts/token.js'

describe('proxy token format', () => {
  it('generates tokens of the fixed shape: cxp_ prefix, 36 base62 characters', () => {
    for (let i = 0; i < 200; i++) {
      const token = generateToken()
      expect(token).toMatch(/^cxp_[0-9A-Za-z]{36}$/)
      expect(token.length).toBe(TOKEN_LENGTH)
    }
  })

  it('accepts every generated token as well-formed', () => {
    for (let i = 0; i < 500; i++) expect(isWellFormedToken(generateToken())).toBe(true)
  })

  it('generates distinct tokens', () => {
    const seen = new Set(Array.from({ length: 1000 }, generateToken))
    expect(seen.size).toBe(1000)
  })

  it('rejects a token with any single character changed (checksum)', () => {
    const token = generateToken()
    let rejected = 0
    let tried = 0
    for (let i = TOKEN_PREFIX.length; i < token.length; i++) {
      const replacement = token[i] === 'a' ? 'b' : 'a'
      const mutated = token.slice(0, i) + replacement + token.slice(i + 1)
      tried += 1
      if (!isWellFormedToken(mutated)) rejected += 1
    }
    expect(rejected).toBe(tried)
  })

  it.each([
    ['empty', ''],
    ['wrong prefix', `ghp_${'a'.repeat(36)}`],
    ['too short', 'cxp_abc'],
    ['non-base62 characters', `cxp_${'-'.repeat(36)}`],
    ['an OpenAI key', 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789'],
  ])('rejects %s', (_name, candidate) => {
    expect(isWellFormedToken(candidate)).toBe(false)
  })

  it('hashes with SHA-256 (hex), checked against the FIPS 180-2 test vector', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('derives a short token id from the hash that reveals nothing of the token', () => {
    const token = generateToken()
    const id = tokenIdFromHash(hashToken(token))
    expect(id).toMatch(TOKEN_ID_PATTERN)
    expect(token).not.toContain(id.slice(4))
  })

  it('finds a leaked token inside text with the scanner pattern', () => {
    const token = generateToken()
    const text = `export OPENAI_API_KEY="${token}" # oops`
    expect(text.match(TOKEN_PATTERN)).toEqual([token])
  })
})
