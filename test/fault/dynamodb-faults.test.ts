// DynamoDB (tokens table) down or hung, on the local host with real dynalite behind a
// fault relay: the proxy fails closed with 503 token_lookup_failed, never calls the
// upstream, records the refusal, and serves again once the table is back.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type LocalStack, startLocalStack, streamingBody } from '../support/local-stack.js'

let stack: LocalStack

beforeAll(async () => {
  stack = await startLocalStack()
})
afterAll(async () => {
  await stack?.close()
})
beforeEach(async () => {
  await stack.dynamoRelay.setMode('pass')
})

/** A token the proxy has never seen, so its token cache cannot answer for the store. */
const freshToken = () => stack.newToken(`user${Math.random().toString(36).slice(2, 8)}`)

async function send(token: string) {
  const startedAt = performance.now()
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: streamingBody(),
    // Generous: only there so a hang fails the test instead of the suite.
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  return { response, text, ms: performance.now() - startedAt, id: response.headers.get('x-codex-proxy-request-id')! }
}

describe('DynamoDB unavailable', () => {
  it('answers 503 token_lookup_failed and never calls the upstream', async () => {
    const token = await freshToken()
    const upstreamCalls = stack.upstream.requests.length
    await stack.dynamoRelay.setMode('down')
    const { response, text } = await send(token)
    expect(response.status).toBe(503)
    expect(JSON.parse(text).error).toEqual({ message: 'token lookup failed', type: 'codex_proxy_error', code: 'token_lookup_failed' })
    expect(stack.upstream.requests.length).toBe(upstreamCalls)
  })

  it('records the refusal in S3', async () => {
    await stack.dynamoRelay.setMode('down')
    const { id } = await send(await freshToken())
    const { s3 } = await stack.waitForRecords([id])
    expect(s3.find((r) => r.request_id === id)).toMatchObject({ status: 503, origin: 'proxy', error_code: 'token_lookup_failed', user_id: null })
  })

  it('serves the same token again once DynamoDB is back', async () => {
    const token = await freshToken()
    await stack.dynamoRelay.setMode('down')
    expect((await send(token)).response.status).toBe(503)
    await stack.dynamoRelay.setMode('pass')
    const { response, text } = await send(token)
    expect(response.status).toBe(200)
    expect(text).toBe(stack.upstream.lastStreamBody)
  })

  it('fails closed within seconds when DynamoDB accepts connections but never answers', async () => {
    const token = await freshToken()
    await stack.dynamoRelay.setMode('hang')
    const { response, ms } = await send(token)
    console.log(`hung DynamoDB: 503 after ${ms.toFixed(0)} ms`)
    expect(response.status).toBe(503)
    expect(stack.upstream.requests.some((r) => r.headers.authorization === `Bearer ${token}`)).toBe(false)
  })
})
