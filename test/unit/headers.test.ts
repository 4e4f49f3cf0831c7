import { describe, expect, it } from 'vitest'
import { clientResponseHeaders, redactedHeaderMap, upstreamRequestHeaders } from '../../lambda/src/core/headers.js'

describe('headers forwarded upstream', () => {
  const incoming = new Headers({
    authorization: 'Bearer cxp_proxytoken',
    'api-key': 'cxp_proxytoken',
    'x-api-key': 'cxp_proxytoken',
    host: 'proxy.example',
    'content-length': '12',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'h2c',
    'proxy-authorization': 'Basic x',
    'proxy-foo': 'bar',
    'content-type': 'application/json',
    originator: 'codex_exec',
    'session-id': 's-1',
    'x-codex-turn-metadata': '{"turn":1}',
    accept: 'text/event-stream',
  })

  it('replaces the proxy credential with the real key', () => {
    const out = upstreamRequestHeaders(incoming, 'sk-real')
    expect(out.get('authorization')).toBe('Bearer sk-real')
    expect(out.get('api-key')).toBeNull()
    expect(out.get('x-api-key')).toBeNull()
  })

  it('sends no Authorization at all without a key', () => {
    expect(upstreamRequestHeaders(incoming, undefined).get('authorization')).toBeNull()
  })

  it('drops hop-by-hop headers, host and content-length', () => {
    const out = upstreamRequestHeaders(incoming, 'k')
    for (const name of ['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-authorization', 'proxy-foo']) {
      expect(out.get(name), name).toBeNull()
    }
  })

  it('forwards every other header verbatim', () => {
    const out = upstreamRequestHeaders(incoming, 'k')
    expect(out.get('content-type')).toBe('application/json')
    expect(out.get('originator')).toBe('codex_exec')
    expect(out.get('session-id')).toBe('s-1')
    expect(out.get('x-codex-turn-metadata')).toBe('{"turn":1}')
    expect(out.get('accept')).toBe('text/event-stream')
  })

  it('never lets the proxy token through under any header', () => {
    const out = upstreamRequestHeaders(incoming, 'sk-real')
    out.forEach((value) => expect(value).not.toContain('cxp_proxytoken'))
  })
})

describe('headers returned to the client', () => {
  const upstream = new Headers([
    ['content-type', 'text/event-stream'],
    ['content-encoding', 'gzip'],
    ['content-length', '999'],
    ['transfer-encoding', 'chunked'],
    ['connection', 'close'],
    ['x-request-id', 'req_up'],
    ['openai-processing-ms', '12'],
    ['set-cookie', 'a=1; Path=/'],
    ['set-cookie', 'b=2; Path=/'],
  ])

  it('adds the proxy request id', () => {
    expect(clientResponseHeaders(upstream, 'RID').get('x-codex-proxy-request-id')).toBe('RID')
  })

  it('drops hop-by-hop and the encoding/length of the already-decoded body', () => {
    const out = clientResponseHeaders(upstream, 'RID')
    for (const name of ['content-encoding', 'content-length', 'transfer-encoding', 'connection']) expect(out.get(name), name).toBeNull()
  })

  it('keeps upstream headers and each cookie separately', () => {
    const out = clientResponseHeaders(upstream, 'RID')
    expect(out.get('x-request-id')).toBe('req_up')
    expect(out.get('openai-processing-ms')).toBe('12')
    expect(out.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
  })
})

describe('headers in records', () => {
  it.each(['authorization', 'cookie', 'set-cookie', 'api-key', 'x-api-key', 'proxy-authorization', 'x-auth-token', 'x-my-api-key', 'openai-api-key', 'x-client-secret'])(
    'redacts %s',
    (name) => {
      expect(redactedHeaderMap(new Headers({ [name]: 'secret-value' }))[name]).toBe('[REDACTED]')
    },
  )

  it.each(['x-ratelimit-remaining-tokens', 'content-type', 'session-id', 'x-request-id', 'originator', 'x-codex-turn-metadata'])('keeps %s readable', (name) => {
    expect(redactedHeaderMap(new Headers({ [name]: 'v' }))[name]).toBe('v')
  })
})
