import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { KeyFormatError, MAX_KEY_BYTES, parseKey, readKeyStream, resolveApiKey } from '../../lambda/src/local/read-key.js'

describe('API key parsing (as codex responses-api-proxy read_api_key)', () => {
  it.each([
    ['a plain key', 'sk-proj-abc_DEF-123', 'sk-proj-abc_DEF-123'],
    ['a key with a trailing LF (echo)', 'sk-abc\n', 'sk-abc'],
    ['a key with CRLF', 'sk-abc\r\n', 'sk-abc'],
    ['surrounding spaces', '  sk-abc  ', 'sk-abc'],
  ])('accepts %s', (_n, raw, key) => {
    expect(parseKey(raw)).toBe(key)
  })

  it.each([['empty', ''], ['only a newline', '\n']])('treats %s as no key', (_n, raw) => {
    expect(parseKey(raw)).toBeUndefined()
  })

  it.each([
    ['an inner space', 'sk abc'],
    ['a quote', 'sk-"abc"'],
    ['two lines', 'sk-a\nsk-b'],
  ])('refuses %s', (_n, raw) => {
    expect(() => parseKey(raw)).toThrow(KeyFormatError)
  })

  it('refuses an oversized key', () => {
    expect(() => parseKey('k'.repeat(MAX_KEY_BYTES + 1))).toThrow(/longer than 1024 bytes/)
  })
})

describe('reading the key from a stream', () => {
  it('joins short reads until EOF', async () => {
    const s = new PassThrough()
    const read = readKeyStream(s, 1000)
    for (const part of ['sk-', 'ab', 'c\n']) s.write(part)
    s.end()
    expect(await read).toBe('sk-abc\n')
  })

  it('gives up after the timeout when stdin stays open without data', async () => {
    const s = new PassThrough()
    const started = Date.now()
    expect(await readKeyStream(s, 50)).toBe('')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('stops reading past the size limit', async () => {
    const s = new PassThrough()
    const read = readKeyStream(s, 5000)
    s.write('k'.repeat(MAX_KEY_BYTES + 10))
    expect((await read).length).toBeGreaterThan(MAX_KEY_BYTES)
  })
})

describe('key origin', () => {
  it('prefers piped stdin over the environment', async () => {
    const s = new PassThrough()
    s.end('sk-from-stdin')
    expect(await resolveApiKey({ stdin: s, stdinPiped: true, env: { OPENAI_API_KEY: 'sk-from-env' } })).toEqual({ key: 'sk-from-stdin', origin: 'stdin' })
  })

  it('falls back to OPENAI_API_KEY when stdin is empty', async () => {
    const s = new PassThrough()
    s.end('')
    expect(await resolveApiKey({ stdin: s, stdinPiped: true, env: { OPENAI_API_KEY: 'sk-from-env' } })).toEqual({ key: 'sk-from-env', origin: 'env' })
  })

  it('reports no key when neither is there', async () => {
    expect(await resolveApiKey({ stdin: new PassThrough(), stdinPiped: false, env: {} })).toEqual({ key: undefined, origin: 'none' })
  })
})
