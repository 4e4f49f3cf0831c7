import { describe, expect, it } from 'vitest'
import { matchCatalogue, PROXY_ERRORS, proxyErrorBody, proxyErrorMessage } from '../../lambda/src/contracts/errors.js'

describe('proxy error catalogue', () => {
  it.each([
    ['missing_authorization', 401, 'missing or invalid Authorization header'],
    ['invalid_token', 401, 'invalid or disabled token'],
    ['token_lookup_failed', 503, 'token lookup failed'],
    ['upstream_request_failed', 502, 'upstream request failed'],
    ['internal_error', 500, 'internal error'],
  ] as const)("keeps the seed's %s message verbatim (runbooks match on it)", (code, status, message) => {
    expect(PROXY_ERRORS[code]).toMatchObject({ status, message })
  })

  it('uses the OpenAI error shape', () => {
    expect(proxyErrorBody('invalid_token')).toEqual({
      error: { message: 'invalid or disabled token', type: 'codex_proxy_error', code: 'invalid_token' },
    })
  })

  it('appends details after the fixed prefix', () => {
    expect(proxyErrorMessage('upstream_request_failed', 'connection refused')).toBe('upstream request failed: connection refused')
  })

  it('has a status, meaning and action for every code', () => {
    for (const [code, entry] of Object.entries(PROXY_ERRORS)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400)
      expect(entry.meaning.length, code).toBeGreaterThan(10)
      expect(entry.action.length, code).toBeGreaterThan(5)
    }
  })

  it('has unique messages, so text identifies the code', () => {
    const messages = Object.values(PROXY_ERRORS).map((e) => e.message)
    expect(new Set(messages).size).toBe(messages.length)
  })

  it('recognises a proxy error inside the text Codex prints', () => {
    const text = 'ERROR: unexpected status 401 Unauthorized: invalid or disabled token, url: http://127.0.0.1:8787/v1/responses'
    expect(matchCatalogue(text)?.code).toBe('invalid_token')
  })

  it('recognises a message with capitals, whatever the case of the text', () => {
    expect(matchCatalogue('ERROR: unexpected status 401 Unauthorized: missing or invalid Authorization header')?.code).toBe('missing_authorization')
    expect(matchCatalogue('MISSING OR INVALID AUTHORIZATION HEADER')?.code).toBe('missing_authorization')
  })

  it('does not claim an upstream error', () => {
    expect(matchCatalogue("We're currently experiencing high demand, which may cause temporary errors.")).toBeUndefined()
  })
})
