// The Lambda bundle's entry composed as deployed, at cold start, when its dependencies
// fail: Secrets Manager (a loopback fake of GetSecretValue: no emulator) unavailable, DynamoDB (real dynalite
// behind a fault relay) hung. Each fails closed with a clear 5xx before the upstream is
// called, and the next request retries.
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { captureStream, functionUrlEvent, installAwslambdaStub } from '../support/awslambda-stub.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'
import { startTestStores, type TestStores } from '../support/stores.js'
import { hostPort, startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js'
import { deployedLambdaEnv, TEST_SECRET_ARN } from '../support/lambda-env.js'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'

installAwslambdaStub()

let upstream: FakeOpenAI
let stores: TestStores
let secrets: FakeSecretsManager
let dynamoRelay: TcpFaultProxy
let admin: TokenAdmin
let handler: (event: LambdaFunctionURLEvent, stream: never, context: Context) => Promise<void>

async function invoke(token: string) {
  const { stream, done } = captureStream()
  const startedAt = performance.now()
  const event = functionUrlEvent({ rawPath: '/v1/responses', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' }) })
  const finished = handler(event as unknown as LambdaFunctionURLEvent, stream as never, {} as Context)
  const res = await done
  await finished
  return { ...res, ms: performance.now() - startedAt }
}

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  stores = await startTestStores()
  dynamoRelay = await startTcpFaultProxy(hostPort(stores.target.local!.dynamodbEndpoint))
  admin = new TokenAdmin(stores.doc, stores.names.tokensTable)
  secrets = await startFakeSecretsManager({})
  Object.assign(process.env, deployedLambdaEnv(stores, upstream.url, { dynamodb: dynamoRelay.url }), { AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url })
  // EMF lines and fallback lines go to stdout in Lambda; keep the test output readable.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  handler = (await import('../../lambda/src/hosts/lambda-entry.js')).handler as never
})
afterAll(async () => {
  vi.restoreAllMocks()
  await dynamoRelay.close()
  await upstream.close()
  await stores.close()
  await secrets.close()
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
})
beforeEach(async () => {
  secrets.calls.length = 0
  secrets.fail(0)
  await dynamoRelay.setMode('pass')
})

const newToken = async () => (await admin.create({ user: `u${Math.random().toString(36).slice(2, 8)}` })).token

describe('Secrets Manager unavailable at cold start', () => {
  it('answers 503 key_unavailable without calling the upstream, then serves once the key can be read', async () => {
    const token = await newToken()
    const calls = upstream.requests.length
    secrets.secrets.set(TEST_SECRET_ARN, 'sk-after-outage')
    // Every attempt of the first read fails (the client makes 3).
    secrets.fail(3)

    const first = await invoke(token)
    expect(first.metadata.statusCode).toBe(503)
    expect(JSON.parse(first.body).error).toEqual({ message: 'upstream key unavailable', type: 'codex_proxy_error', code: 'key_unavailable' })
    expect(upstream.requests.length).toBe(calls)

    const second = await invoke(token)
    expect(second.metadata.statusCode).toBe(200)
    expect(second.body).toContain('response.completed')
    expect(secrets.calls).toHaveLength(4)
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-after-outage')
  })
})

describe('DynamoDB hung at cold start', () => {
  it('fails closed with 503 token_lookup_failed well inside the Lambda timeout', async () => {
    secrets.secrets.set(TEST_SECRET_ARN, 'sk-key')
    const token = await newToken()
    await dynamoRelay.setMode('hang')
    const res = await invoke(token)
    console.log(`Lambda, hung DynamoDB: 503 after ${res.ms.toFixed(0)} ms (function timeout 120 s)`)
    expect(res.metadata.statusCode).toBe(503)
    expect(JSON.parse(res.body).error.code).toBe('token_lookup_failed')
    expect(upstream.requests.some((r) => r.headers.authorization === 'Bearer sk-key')).toBe(false)
  })

  it('serves the next request once DynamoDB answers again', async () => {
    secrets.secrets.set(TEST_SECRET_ARN, 'sk-key')
    const token = await newToken()
    await dynamoRelay.setMode('hang')
    expect((await invoke(token)).metadata.statusCode).toBe(503)
    await dynamoRelay.setMode('pass')
    expect((await invoke(token)).metadata.statusCode).toBe(200)
  })
})
