// Odd request bodies through the local host: forwarded byte for byte and recorded, or
// refused with 413 when over the request limit (a lying Content-Length is refused
// before any body byte is read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import type { LocalStack } from '../support/local-stack.js'
import { errorCode, head, rawExchange } from '../support/raw-http.js'
import { LIMITS, startBadInputStack } from './stack.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startBadInputStack()
})
afterAll(async () => {
  await stack?.close()
})

async function post(body: Uint8Array | string | ReadableStream<Uint8Array>, contentType = 'application/json') {
  const upstreamCalls = stack.upstream.requests.length
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': contentType },
    body,
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  } as RequestInit)
  const text = await response.text()
  const id = response.headers.get('x-codex-proxy-request-id')!
  const { s3 } = await stack.waitForRecords([id])
  const forwarded = stack.upstream.requests.length > upstreamCalls ? stack.upstream.requests.at(-1)! : undefined
  return { response, text, record: s3.find((r) => r.request_id === id) as AuditRecord, forwarded }
}

describe('bodies that are forwarded intact and recorded', () => {
  it('forwards non-UTF-8 bytes unchanged and records them with replacement characters', async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"gpt-5","input":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('"}')])
    const { response, record, forwarded } = await post(bytes)
    expect(response.status).toBe(200)
    expect(forwarded!.body.equals(bytes)).toBe(true)
    expect(record.request_body_bytes).toBe(bytes.length)
    expect(record.request_body).toContain('\uFFFD')
  })

  it('forwards invalid JSON unchanged and records it', async () => {
    const { record, forwarded } = await post('{"model": "gpt-5", "input": [unterminated')
    expect(forwarded!.body.toString()).toBe('{"model": "gpt-5", "input": [unterminated')
    expect(record).toMatchObject({ request_body: '{"model": "gpt-5", "input": [unterminated', model: null, origin: 'upstream' })
  })

  it('forwards JSON nested 100 000 levels deep without falling over', async () => {
    const deep = `{"model":"gpt-5","input":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const { response, forwarded, record } = await post(deep)
    expect(response.status).toBe(200)
    expect(forwarded!.body.toString()).toBe(deep)
    expect(record.request_body_bytes).toBe(deep.length)
  })

  it('forwards fields of unexpected types and records no model', async () => {
    const { forwarded, record } = await post('{"model":42,"stream":"yes","input":null}')
    expect(forwarded!.body.toString()).toBe('{"model":42,"stream":"yes","input":null}')
    expect(record).toMatchObject({ model: null, stream: null })
  })

  it('forwards a body over the audit cap whole, and records it cut and flagged', async () => {
    const body = JSON.stringify({ model: 'gpt-5', input: 'x'.repeat(LIMITS.bodyCapBytes * 4) })
    const { response, forwarded, record } = await post(body)
    expect(response.status).toBe(200)
    expect(forwarded!.body.toString()).toBe(body)
    expect(record.truncated.request_body).toBe(true)
    expect(record.request_body_bytes).toBe(body.length)
    expect(Buffer.byteLength(record.request_body!)).toBeLessThanOrEqual(LIMITS.bodyCapBytes)
  })
})

describe('bodies over the request limit', () => {
  it('answers 413 request_too_large to a declared length over the limit, without forwarding', async () => {
    const { response, text, record, forwarded } = await post(new Uint8Array(LIMITS.maxRequestBytes + 1).fill(0x61))
    expect(response.status).toBe(413)
    expect(JSON.parse(text).error.code).toBe('request_too_large')
    expect(forwarded).toBeUndefined()
    expect(record).toMatchObject({ status: 413, error_code: 'request_too_large', origin: 'proxy' })
  })

  it('closes the connection after refusing a body it did not read, so the next request does not hang', async () => {
    const refused = await fetch(`${stack.proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}` },
      body: new Uint8Array(LIMITS.maxRequestBytes + 1),
    })
    await refused.text()
    expect(refused.status).toBe(413)
    expect(refused.headers.get('connection')).toBe('close')
    await new Promise((r) => setTimeout(r, 300)) // the client pool would now reuse the connection
    const next = await fetch(`${stack.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${stack.token}` } })
    expect(next.status).toBe(200)
  })

  it('answers 413 to a chunked body that grows past the limit, without forwarding', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x62)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ * chunk.length > LIMITS.maxRequestBytes * 4) controller.close()
        else controller.enqueue(chunk)
      },
    })
    const { response, forwarded } = await post(stream)
    expect(response.status).toBe(413)
    expect(forwarded).toBeUndefined()
  })

  it('answers 413 to an absurd Content-Length at once, before any body byte is sent', async () => {
    // No body follows: a proxy that waited for it would answer 408 at the request timeout.
    const reply = await rawExchange(stack.proxy.port, head('POST', '/v1/responses', [`Authorization: Bearer ${stack.token}`, 'Content-Type: application/json', 'Content-Length: 1000000000000']))
    expect(reply.status).toBe(413)
    expect(errorCode(reply)).toBe('request_too_large')
  })
})
