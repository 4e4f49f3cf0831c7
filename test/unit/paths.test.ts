import { describe, expect, it } from 'vitest'
import { checkTarget, normalisePath } from '../../lambda/src/core/paths.js'

describe('request target check', () => {
  it.each([
    ['/v1/responses', '/v1/responses', ''],
    ['/responses', '/responses', ''],
    ['/v1/models?limit=5&after=x', '/v1/models', 'limit=5&after=x'],
    ['/v1/files/file-abc/content', '/v1/files/file-abc/content', ''],
    ['/v1/responses?', '/v1/responses', ''],
  ])('accepts %s', (raw, path, query) => {
    const result = checkTarget(raw)
    expect(result).toEqual({ ok: true, target: { rawPath: path, query } })
  })

  it.each([
    ['a parent segment', '/v1/../admin'],
    ['a trailing parent segment', '/v1/responses/..'],
    ['a current-directory segment', '/v1/./responses'],
    ['an encoded slash', '/v1/files%2F..%2Fsecret'],
    ['an encoded lower-case slash', '/v1/files%2f'],
    ['an encoded backslash', '/v1/files%5Cx'],
    ['encoded dots', '/v1/%2e%2e/admin'],
    ['a backslash', '/v1\\responses'],
    ['an encoded NUL', '/v1/responses%00'],
    ['an encoded control character', '/v1/responses%0d%0aX-Injected:1'],
    ['a raw control character', '/v1/resp\u0001onses'],
    ['DEL', '/v1/resp\u007fonses'],
    ['an empty segment', '/v1//responses'],
    ['an absolute-form target', 'http://evil.example/v1/responses'],
    ['an asterisk-form target', '*'],
  ])('refuses %s', (_name, raw) => {
    expect(checkTarget(raw).ok).toBe(false)
  })

  it('names the reason for a refusal', () => {
    const result = checkTarget('/v1/../x')
    expect(result).toEqual({ ok: false, reason: 'dot segment in the path' })
  })
})

describe('path normalisation', () => {
  it.each([
    ['/responses', '/v1/responses'],
    ['/responses/compact', '/v1/responses/compact'],
    ['/models', '/v1/models'],
    ['/v1/responses', '/v1/responses'],
    ['/v1', '/v1'],
    ['/', '/v1'],
    ['/v10/x', '/v1/v10/x'],
  ])('%s → %s', (input, expected) => {
    expect(normalisePath(input)).toBe(expected)
  })
})

