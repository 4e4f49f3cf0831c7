// Bad credentials, sent raw to the local host: each is refused with 401 and the
// catalogue's code; tokens that fail the offline checksum never reach DynamoDB (proven
// by taking DynamoDB down: they still get 401, while a well-formed token gets 503).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { generateToken } from '../../lambda/src/contracts/token.js'
import type { LocalStack } from '../support/local-stack.js'
import { errorCode, head, rawExchange } from '../support/raw-http.js'
import { startBadInputStack } from './stack.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startBadInputStack()
})
afterAll(async () => {
  await stack?.close()
})
beforeEach(async () => {
  await stack.dynamoRelay.setMode('pass')
})

/** Changes one checksum character: same shape, wrong checksum. */
function withBadChecksum(token: string): string {
  const last = token.at(-1)!
  return token.slice(0, -1) + (last === 'a' ? 'b' : 'a')
}

const malformed: { name: string; lines: () => (string | Buffer)[] }[] = [
  { name: 'no Authorization header', lines: () => [] },
  { name: 'an empty Authorization header', lines: () => ['Authorization: '] },
  { name: 'Basic credentials', lines: () => ['Authorization: Basic dXNlcjpwYXNz'] },
  { name: 'a Bearer scheme without a token', lines: () => ['Authorization: Bearer'] },
  { name: 'a Bearer value with two tokens', lines: () => [`Authorization: Bearer ${stack.token} ${stack.token}`] },
  { name: 'two Authorization headers', lines: () => [`Authorization: Bearer ${stack.token}`, `Authorization: Bearer ${stack.token}`] },
  { name: 'two tokens joined by a comma', lines: () => [`Authorization: Bearer ${stack.token},${stack.token}`] },
  { name: 'non-ASCII bytes in the token', lines: () => [Buffer.concat([Buffer.from('Authorization: Bearer cxp_caf'), Buffer.from([0xe9, 0xff])])] },
]

const badTokens: { name: string; token: () => string }[] = [
  { name: 'a token with a bad checksum', token: () => withBadChecksum(stack.token) },
  { name: 'a token one character short', token: () => stack.token.slice(0, -1) },
  { name: 'a token with the wrong prefix', token: () => `sk-${stack.token.slice(4)}` },
  { name: 'an OpenAI key instead of a proxy token', token: () => `sk-proj-${'A'.repeat(48)}` },
  { name: 'an 8 KB token', token: () => 'cxp_' + 'A'.repeat(8 * 1024) },
]

function request(lines: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('GET /v1/models HTTP/1.1\r\nHost: x\r\n')]
  for (const l of lines) parts.push(Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\r\n'))
  parts.push(Buffer.from('\r\n'))
  return Buffer.concat(parts)
}

describe('malformed Authorization', () => {
  it.each(malformed)('refuses $name with 401 missing_authorization', async ({ lines }) => {
    const upstreamCalls = stack.upstream.requests.length
    const reply = await rawExchange(stack.proxy.port, request(lines()))
    expect(reply.status).toBe(401)
    expect(errorCode(reply)).toBe('missing_authorization')
    expect(stack.upstream.requests.length).toBe(upstreamCalls)
  })
})

describe('tokens that fail the offline check', () => {
  it.each(badTokens)('refuses $name with 401 invalid_token without a store lookup, even with DynamoDB down', async ({ token }) => {
    await stack.dynamoRelay.setMode('down')
    const reply = await rawExchange(stack.proxy.port, head('GET', '/v1/models', [`Authorization: Bearer ${token()}`]))
    // A lookup would have failed: 503 token_lookup_failed (next test).
    expect(reply.status).toBe(401)
    expect(errorCode(reply)).toBe('invalid_token')
  })

  it('looks a well-formed unknown token up in the store (so the check above is real)', async () => {
    await stack.dynamoRelay.setMode('down')
    const reply = await rawExchange(stack.proxy.port, head('GET', '/v1/models', [`Authorization: Bearer ${generateToken()}`]))
    expect(reply.status).toBe(503)
    expect(errorCode(reply)).toBe('token_lookup_failed')
  })
})
