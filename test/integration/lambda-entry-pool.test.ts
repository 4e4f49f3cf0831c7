// The Lambda entry with an upstream pool, composed as deployed: the pool from its env
// encoding, one Secrets Manager secret per upstream (a loopback fake of GetSecretValue), DynamoDB and S3
// on the real emulators, upstreams on loopback.
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { ENV } from '../../lambda/src/contracts/config.js'
import { parseUpstreamPool, UPSTREAMS_ENV, upstreamPoolToEnv } from '../../lambda/src/contracts/upstreams.js'
import { rankUpstreams } from '../../lambda/src/core/upstreams/router.js'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { invokeStreamingHandler, functionUrlEvent, installAwslambdaStub } from '../support/awslambda-stub.js'
import { startAzureFake, startRateLimited, type FakeOpenAI } from '../support/fake-upstreams.js'
import { deployedLambdaEnv } from '../support/lambda-env.js'
import { startTestStores, type TestStores } from '../support/stores.js'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'

installAwslambdaStub()
const ARN_OA = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-upstream-oa-AAAAAA'
const ARN_AZ = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-upstream-az-BBBBBB'

let limited: FakeOpenAI & { limited: boolean }
let azure: FakeOpenAI
let stores: TestStores
let secrets: FakeSecretsManager
let token: string
let session: string
let handler: (event: LambdaFunctionURLEvent, stream: never, context: Context) => Promise<void>
const stdout: string[] = []

// Resolves once the handler has (its record and alerts are written: waitUntil).
const invoke = (event: ReturnType<typeof functionUrlEvent>) => invokeStreamingHandler(handler as never, event)

beforeAll(async () => {
  limited = await startRateLimited({ 'retry-after': '30' })
  azure = await startAzureFake({ key: 'az-secret-key', deployments: { 'gpt5-prod': 'gpt-5' } })
  stores = await startTestStores()
  token = (await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'pool-user' })).token
  const pool = parseUpstreamPool(
    {
      upstreams: [
        { id: 'oa', url: limited.url, secret_arn: ARN_OA },
        { id: 'az', kind: 'azure', url: azure.url, models: { 'gpt-5': 'gpt5-prod' }, secret_arn: ARN_AZ },
      ],
    },
    { source: 'test', keys: 'secret_arn' },
  )
  session = Array.from({ length: 1000 }, (_, i) => `sess-${i}`).find((s) => rankUpstreams(pool.upstreams, 'gpt-5', s)[0]!.id === 'oa')!
  const env = deployedLambdaEnv(stores, 'http://127.0.0.1:9')
  delete env[ENV.secretArn]
  Object.assign(process.env, env, { [UPSTREAMS_ENV]: upstreamPoolToEnv(pool) })
  delete process.env[ENV.secretArn]
  secrets = await startFakeSecretsManager({ [ARN_OA]: 'sk-oa', [ARN_AZ]: 'az-secret-key' })
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.url
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  })
  handler = (await import('../../lambda/src/hosts/lambda-entry.js')).handler as never
})
afterAll(async () => {
  vi.restoreAllMocks()
  delete process.env[UPSTREAMS_ENV]
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
  await Promise.all([limited.close(), azure.close(), stores.close(), secrets.close()])
})

describe('Lambda entry with an upstream pool', () => {
  it('fails a rate-limited session over to Azure, with each upstream its own secret, and records both attempts', async () => {
    const body = JSON.stringify({ model: 'gpt-5', stream: true, input: 'hi' })
    const res = await invoke(
      functionUrlEvent({ rawPath: '/v1/responses', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'session-id': session }, body }),
    )
    expect(res.metadata.statusCode).toBe(200)
    expect(res.body).toContain('"model":"gpt-5"')
    expect(res.body).not.toContain('gpt5-prod')
    expect(limited.requests[0]!.headers.authorization).toBe('Bearer sk-oa')
    expect(azure.requests[0]!.headers['api-key']).toBe('az-secret-key')

    const id = res.metadata.headers!['x-codex-proxy-request-id']!
    const records: AuditRecord[] = []
    await scanAuditRecords({ s3: stores.s3, bucket: stores.names.bucket, from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void records.push(r) })
    const record = records.find((r) => r.request_id === id)!
    expect(record.upstream_id).toBe('az')
    expect(record.upstream_attempts.map((a) => [a.upstream_id, a.status])).toEqual([
      ['oa', 429],
      ['az', 200],
    ])
    expect(record.response_model).toBe('gpt-5')
    expect(JSON.parse(record.request_body!).model).toBe('gpt-5')
    expect(JSON.parse(record.upstream_request_body!).model).toBe('gpt5-prod')
    const emf = stdout.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l))
    expect(emf.find((d) => d.Upstream === 'oa')?.UpstreamFailovers).toBe(1)
    expect(emf.find((d) => d.Upstream === 'oa')?.UpstreamRateLimited).toBe(1)
  })
})
