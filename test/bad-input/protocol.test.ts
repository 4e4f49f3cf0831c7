// Malformed HTTP on the wire, sent raw to the local host: every case is answered with
// the catalogue's error in the OpenAI shape (or the parser's 400), never forwarded,
// never a crash; the proxy answers a normal request afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalStack } from '../support/local-stack.js'
import { errorCode, head, rawExchange } from '../support/raw-http.js'
import { LIMITS, startBadInputStack } from './stack.js'

let stack: LocalStack
let auth: string

beforeAll(async () => {
  stack = await startBadInputStack()
  auth = `Authorization: Bearer ${stack.token}`
})
afterAll(async () => {
  expect(stack.logLines.filter((l) => /internal error/.test(l))).toEqual([])
  await stack?.close()
})

interface Case {
  name: string
  request: () => string | Buffer
  status: number
  code: string
}

const cases: Case[] = [
  // Request targets: checked on the raw target, before authentication.
  { name: 'a dot-dot segment', request: () => head('GET', '/v1/../admin', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an encoded dot-dot segment', request: () => head('GET', '/v1/%2e%2e/admin', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an encoded slash', request: () => head('GET', '/v1/files%2F..%2Fsecrets', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an encoded backslash', request: () => head('GET', '/v1/files%5c..', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an encoded NUL', request: () => head('GET', '/v1/models%00', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an encoded CRLF', request: () => head('GET', '/v1/a%0d%0aSet-Cookie:x', [auth]), status: 400, code: 'invalid_path' },
  { name: 'a raw backslash', request: () => head('GET', '/v1\\..\\admin', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an empty segment', request: () => head('GET', '//v1/models', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an absolute-form target (open proxy probe)', request: () => head('GET', 'http://evil.example/v1/models', [auth]), status: 400, code: 'invalid_path' },
  { name: 'an asterisk target', request: () => head('OPTIONS', '*', [auth]), status: 400, code: 'invalid_path' },
  // Methods.
  { name: 'OPTIONS', request: () => head('OPTIONS', '/v1/models', [auth]), status: 405, code: 'method_not_allowed' },
  { name: 'PROPFIND', request: () => head('PROPFIND', '/v1/models', [auth]), status: 405, code: 'method_not_allowed' },
  { name: 'TRACE', request: () => head('TRACE', '/v1/models', [auth]), status: 405, code: 'method_not_allowed' },
  { name: 'CONNECT', request: () => 'CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n', status: 405, code: 'method_not_allowed' },
  { name: 'a method the parser does not know', request: () => head('FOO', '/v1/models', [auth]), status: 400, code: 'bad_request' },
  // Header syntax: llhttp refuses these before the proxy sees them (no smuggling, no injection).
  { name: 'a bare CR inside a header value', request: () => head('GET', '/v1/models', [auth, 'X-Note: a\rSet-Cookie: x']), status: 400, code: 'bad_request' },
  { name: 'a bare LF inside a header value', request: () => head('GET', '/v1/models', [auth, 'X-Note: a\nSet-Cookie: x']), status: 400, code: 'bad_request' },
  { name: 'a NUL inside a header value', request: () => head('GET', '/v1/models', [auth, 'X-Note: a\u0000b']), status: 400, code: 'bad_request' },
  { name: 'an obsolete folded header line', request: () => head('GET', '/v1/models', [auth, 'X-Note: a', ' folded']), status: 400, code: 'bad_request' },
  { name: 'a space in a header name', request: () => head('GET', '/v1/models', [auth, 'Bad Header: x']), status: 400, code: 'bad_request' },
  { name: 'a header section over the limit', request: () => head('GET', '/v1/models', [auth, `X-Big: ${'a'.repeat(LIMITS.maxHeaderBytes + 1024)}`]), status: 431, code: 'headers_too_large' },
  { name: 'many headers over the limit', request: () => head('GET', '/v1/models', [auth, ...Array.from({ length: 800 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}`)]), status: 431, code: 'headers_too_large' },
  // Framing.
  { name: 'Content-Length that overflows', request: () => head('POST', '/v1/responses', [auth, 'Content-Length: 99999999999999999999999999']), status: 400, code: 'bad_request' },
  { name: 'Content-Length that is not a number', request: () => head('POST', '/v1/responses', [auth, 'Content-Length: 12abc']), status: 400, code: 'bad_request' },
  { name: 'two different Content-Length headers', request: () => head('POST', '/v1/responses', [auth, 'Content-Length: 5', 'Content-Length: 6']) + 'hello', status: 400, code: 'bad_request' },
  { name: 'Content-Length with Transfer-Encoding', request: () => head('POST', '/v1/responses', [auth, 'Content-Length: 5', 'Transfer-Encoding: chunked']) + '0\r\n\r\n', status: 400, code: 'bad_request' },
  { name: 'a bad chunk size', request: () => head('POST', '/v1/responses', [auth, 'Transfer-Encoding: chunked']) + 'zz\r\nhello\r\n0\r\n\r\n', status: 400, code: 'bad_request' },
]

describe('malformed requests on the wire', () => {
  it.each(cases)('answers $name with $status $code and forwards nothing', async ({ request, status, code }) => {
    const upstreamCalls = stack.upstream.requests.length
    const reply = await rawExchange(stack.proxy.port, request())
    expect(reply.status).toBe(status)
    expect(reply.headers['content-type']).toBe('application/json')
    expect(errorCode(reply)).toBe(code)
    expect(stack.upstream.requests.length).toBe(upstreamCalls)
  })

  it('still answers a normal request after all of them', async () => {
    const reply = await rawExchange(stack.proxy.port, head('GET', '/v1/models', [auth, 'Connection: close']))
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.body).object).toBe('list')
  })
})

describe('slow clients', () => {
  const tick = () => new Promise((r) => setTimeout(r, 200))

  it('answers 408 to a connection that never sends a request', async () => {
    const reply = await rawExchange(stack.proxy.port, '', { write: () => {} })
    expect(reply.status).toBe(408)
    expect(errorCode(reply)).toBe('request_timeout')
  })

  it('answers 408 to headers trickled past the headers timeout', async () => {
    const reply = await rawExchange(stack.proxy.port, '', {
      write: async (socket) => {
        socket.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\n${auth}\r\n`)
        for (let i = 0; i < 100 && !socket.destroyed; i++) {
          await tick()
          socket.write(`X-Trickle-${i}: y\r\n`)
        }
      },
    })
    expect(reply.status).toBe(408)
    expect(errorCode(reply)).toBe('request_timeout')
    expect(reply.ms).toBeLessThan(LIMITS.headersTimeoutMs + 5_000)
  })

  it('answers 408 to a body trickled past the request timeout, without forwarding it', async () => {
    const upstreamCalls = stack.upstream.requests.length
    const reply = await rawExchange(stack.proxy.port, '', {
      write: async (socket) => {
        socket.write(head('POST', '/v1/responses', [auth, 'Content-Type: application/json', 'Content-Length: 100000']))
        for (let i = 0; i < 100 && !socket.destroyed; i++) {
          await tick()
          socket.write('{"a":1}')
        }
      },
    })
    expect(reply.status).toBe(408)
    expect(errorCode(reply)).toBe('request_timeout')
    expect(reply.ms).toBeLessThan(LIMITS.requestTimeoutMs + 5_000)
    expect(stack.upstream.requests.length).toBe(upstreamCalls)
  })
})
