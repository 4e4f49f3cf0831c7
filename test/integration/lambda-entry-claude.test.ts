// The Lambda entry with Claude upstreams, composed as deployed: the pool from its env
// encoding with an Anthropic upstream (its key from its Secrets Manager secret, mocked) and
// a keyless Bedrock upstream (signed with the credential chain, as the function role would);
// DynamoDB and S3 on the real emulators; the strict fake Anthropic/Bedrock on loopback.
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { ENV } from '../../lambda/src/contracts/config.js'
import { parseUpstreamPool, UPSTREAMS_ENV, upstreamPoolToEnv } from '../../lambda/src/contracts/upstreams.js'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { invokeStreamingHandler, functionUrlEvent, installAwslambdaStub } from '../support/awslambda-stub.js'
import { type FakeAnthropic, startFakeAnthropic } from '../support/fake-anthropic.js'
import { deployedLambdaEnv } from '../support/lambda-env.js'
import { startTestStores, type TestStores } from '../support/stores.js'

installAwslambdaStub()
let secrets: FakeSecretsManager
const ARN_CLAUDE = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-upstream-claude-CCCCCC'

let fake: FakeAnthropic
let stores: TestStores
let token: string
let handler: (event: LambdaFunctionURLEvent, stream: never, context: Context) => Promise<void>

// Resolves once the handler has (its record and alerts are written: waitUntil).
const invoke = (event: ReturnType<typeof functionUrlEvent>) => invokeStreamingHandler(handler as never, event)

async function recordOf(id: string): Promise<AuditRecord> {
  const records: AuditRecord[] = []
  await scanAuditRecords({ s3: stores.s3, bucket: stores.names.bucket, from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void records.push(r) })
  return records.find((r) => r.request_id === id)!
}

beforeAll(async () => {
  fake = await startFakeAnthropic({ script: () => ({ blocks: [{ type: 'thinking', thinking: 'on it' }, { type: 'text', text: 'Claude via Lambda.' }] }) })
  stores = await startTestStores()
  token = (await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'claude-user' })).token
  const pool = parseUpstreamPool(
    {
      upstreams: [
        { id: 'claude', kind: 'anthropic', url: fake.url, models: ['claude-sonnet-*'], secret_arn: ARN_CLAUDE },
        { id: 'claude-bedrock', kind: 'bedrock', url: fake.h2url, region: 'us-east-1', models: { 'claude-haiku-4-5': 'us.anthropic.claude-haiku-4-5-20251001-v1:0' } },
      ],
    },
    { source: 'test', keys: 'secret_arn' },
  )
  const env = deployedLambdaEnv(stores, 'http://127.0.0.1:9')
  Object.assign(process.env, env, { [UPSTREAMS_ENV]: upstreamPoolToEnv(pool) })
  delete process.env[ENV.secretArn]
  secrets = await startFakeSecretsManager({ [ARN_CLAUDE]: fake.key })
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.url
  handler = (await import('../../lambda/src/hosts/lambda-entry.js')).handler as never
}, 60_000)
afterAll(async () => {
  delete process.env[UPSTREAMS_ENV]
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
  await Promise.all([fake.close(), stores.close(), secrets.close()])
})

const codexBody = (model: string) =>
  JSON.stringify({ model, stream: true, reasoning: { effort: 'low' }, include: ['reasoning.encrypted_content'], input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] })

describe('Lambda entry with Claude upstreams', () => {
  it.each([
    ['claude-sonnet-4-5', 'claude', 'messages'],
    ['claude-haiku-4-5', 'claude-bedrock', 'bedrock'],
  ])('streams %s from upstream %s in Responses events and records both sides', async (model, upstreamId, flavour) => {
    const before = fake.requests.length
    const res = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', originator: 'codex_exec' }, body: codexBody(model) }))
    expect(res.metadata.statusCode).toBe(200)
    expect(res.body).toContain('event: response.output_text.delta')
    expect(res.body).toContain('Claude via Lambda.')
    expect(res.body).toContain('event: response.completed')
    const sent = fake.requests[before]!
    expect(sent.flavour).toBe(flavour)
    if (flavour === 'messages') expect(sent.headers['x-api-key']).toBe(fake.key)
    else expect(String(sent.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 /)
    expect(fake.rejections).toEqual([])

    const record = await recordOf(res.metadata.headers!['x-codex-proxy-request-id']!)
    expect(record).toMatchObject({ upstream_id: upstreamId, model, usage_status: 'reported', cache_write_input_tokens: 800, cached_input_tokens: 4_000 })
    expect(record.cost_usd).toBeGreaterThan(0)
    expect(record.upstream_request_body).toBe(sent.raw)
    expect(record.upstream_response_body).toContain('"type":"message_start"')
    expect(JSON.stringify(record)).not.toContain(fake.key)
  })
})
