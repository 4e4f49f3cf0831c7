// The Lambda bundle's entry, composed exactly as deployed: DynamoDB and S3 are the real
// emulators (reached through AWS_ENDPOINT_URL_*), Secrets Manager a loopback fake of
// GetSecretValue (no emulator package; the fake checks the request is signed).
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { invokeStreamingHandler, functionUrlEvent, installAwslambdaStub } from '../support/awslambda-stub.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'
import { startTestStores, type TestStores } from '../support/stores.js'
import { deployedLambdaEnv, TEST_SECRET_ARN } from '../support/lambda-env.js'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'

installAwslambdaStub()

let upstream: FakeOpenAI
let stores: TestStores
let secrets: FakeSecretsManager
let token: string
let handler: (event: LambdaFunctionURLEvent, stream: never, context: Context) => Promise<void>
let stdout: string[] = []

// Resolves once the handler has (its record and alerts are written: waitUntil).
const invoke = (event: ReturnType<typeof functionUrlEvent>) => invokeStreamingHandler(handler as never, event)

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  stores = await startTestStores()
  token = (await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'lambda-user', team: 'ops' })).token
  secrets = await startFakeSecretsManager({})
  Object.assign(process.env, deployedLambdaEnv(stores, upstream.url), { AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url })
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  })
  handler = (await import('../../lambda/src/hosts/lambda-entry.js')).handler as never
})
afterAll(async () => {
  vi.restoreAllMocks()
  await upstream.close()
  await stores.close()
  await secrets.close()
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
})

const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
const body = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' })

describe('Lambda entry (deployed composition)', () => {
  it('reads the key from Secrets Manager lazily, once, and uses it upstream', async () => {
    secrets.secrets.set(TEST_SECRET_ARN, 'sk-from-secrets-manager\n')
    expect(secrets.calls).toHaveLength(0) // nothing at module load
    const first = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body }))
    await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body }))
    expect(first.metadata.statusCode).toBe(200)
    expect(secrets.calls).toEqual([{ secretId: TEST_SECRET_ARN, signed: true }])
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-from-secrets-manager')
  })

  it('writes the audit record to S3 and emits EMF metrics on stdout', async () => {
    stdout = []
    const res = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body }))
    const id = res.metadata.headers!['x-codex-proxy-request-id']!
    const records: AuditRecord[] = []
    await scanAuditRecords({ s3: stores.s3, bucket: stores.names.bucket, from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void records.push(r) })
    expect(records.find((r) => r.request_id === id)).toMatchObject({ user_id: 'lambda-user', team: 'ops', usage_status: 'reported', total_tokens: 1500 })
    const emf = stdout.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l))
    expect(emf.find((d) => d.Origin === 'upstream')?.Requests).toBe(1)
    expect(emf.some((d) => d.InputTokens === 1200)).toBe(true)
  })

  it('re-reads the key once when the upstream rejects it (rotation)', async () => {
    secrets.calls.length = 0
    secrets.secrets.set(TEST_SECRET_ARN, 'sk-rotated')
    upstream.override = (req, res) => {
      if (req.headers.authorization === 'Bearer sk-rotated') return false
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}')
      return true
    }
    vi.useFakeTimers({ toFake: ['performance'] })
    vi.advanceTimersByTime(60_000) // past the re-read floor
    const res = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body }))
    vi.useRealTimers()
    upstream.override = undefined
    expect(res.metadata.statusCode).toBe(200)
    expect(secrets.calls).toHaveLength(1)
  })
})
