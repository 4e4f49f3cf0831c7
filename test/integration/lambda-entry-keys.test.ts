// When the Lambda entry reads the upstream keys: not at init (no network then; under
// provisioned concurrency a read frozen in flight would hold the first request), but as
// soon as the first invocation starts — before its token is even checked — so the read
// runs beside the token lookup rather than after admission. Once per container.
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'
import { functionUrlEvent, installAwslambdaStub, invokeStreamingHandler } from '../support/awslambda-stub.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'
import { deployedLambdaEnv, TEST_SECRET_ARN } from '../support/lambda-env.js'
import { startTestStores, type TestStores } from '../support/stores.js'

installAwslambdaStub()

let upstream: FakeOpenAI
let stores: TestStores
let secrets: FakeSecretsManager
let handler: (event: LambdaFunctionURLEvent, stream: never, context: Context) => Promise<void>
const invoke = (event: ReturnType<typeof functionUrlEvent>) => invokeStreamingHandler(handler as never, event)

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  stores = await startTestStores()
  secrets = await startFakeSecretsManager({ [TEST_SECRET_ARN]: 'sk-prefetched' })
  Object.assign(process.env, deployedLambdaEnv(stores, upstream.url), { AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url })
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  handler = (await import('../../lambda/src/hosts/lambda-entry.js')).handler as never
})
afterAll(async () => {
  vi.restoreAllMocks()
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
  await Promise.all([upstream.close(), stores.close(), secrets.close()])
})

const waitForCalls = async (n: number) => {
  for (let i = 0; i < 100 && secrets.calls.length < n; i++) await new Promise((r) => setTimeout(r, 20))
}

describe('upstream keys in the Lambda entry', () => {
  it('are not read at init, are asked for by the first invocation whatever it is, and are read once', async () => {
    expect(secrets.calls).toHaveLength(0)
    // A first request refused at the token check never needs the key; it is read anyway.
    const refused = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: { authorization: 'Bearer cxp_not-a-real-token', 'content-type': 'application/json' }, body: '{}' }))
    expect(refused.metadata.statusCode).toBe(401)
    await waitForCalls(1)
    expect(secrets.calls).toEqual([{ secretId: TEST_SECRET_ARN, signed: true }])

    const { token } = await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'keys-user' })
    const ok = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' }) }))
    expect(ok.metadata.statusCode).toBe(200)
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-prefetched')
    expect(secrets.calls).toHaveLength(1)
  })
})
