// Budgets through the Lambda entry, composed as deployed: DynamoDB and S3 are the real
// emulators, the alarm topic is a loopback fake of SNS's Publish (reached through
// AWS_ENDPOINT_URL_SNS, as the SDKs would be), Secrets Manager a loopback fake of GetSecretValue.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ENV } from '../../lambda/src/contracts/config.js'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { invokeStreamingHandler, functionUrlEvent, installAwslambdaStub } from '../support/awslambda-stub.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'
import { deployedLambdaEnv, TEST_SECRET_ARN } from '../support/lambda-env.js'
import { startTestStores, type TestStores } from '../support/stores.js'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'

installAwslambdaStub()
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:codex-proxy-alarms'

let upstream: FakeOpenAI
let stores: TestStores
let secrets: FakeSecretsManager
let sns: Server
const published: URLSearchParams[] = []
let handler: (event: LambdaFunctionURLEvent, stream: never, context: Context) => Promise<void>

// Resolves once the handler has (its record and alerts are written: waitUntil).
const invoke = (event: ReturnType<typeof functionUrlEvent>) => invokeStreamingHandler(handler as never, event)

beforeAll(async () => {
  sns = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (!String(req.headers.authorization).includes('/us-east-1/sns/aws4_request')) {
        res.statusCode = 403
        return res.end('<ErrorResponse><Error><Code>InvalidSignature</Code></Error></ErrorResponse>')
      }
      published.push(new URLSearchParams(body))
      res.end('<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>')
    })
  })
  await new Promise<void>((r) => sns.listen(0, '127.0.0.1', r))
  upstream = await startFakeOpenAI()
  stores = await startTestStores()
  secrets = await startFakeSecretsManager({ [TEST_SECRET_ARN]: 'sk-test' })
  Object.assign(process.env, deployedLambdaEnv(stores, upstream.url), {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    [ENV.alertTopicArn]: TOPIC,
    AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(sns.address() as AddressInfo).port}/`,
  })
  // EMF metric lines go to stdout in Lambda; keep them out of the test output.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  handler = (await import('../../lambda/src/hosts/lambda-entry.js')).handler as never
})
afterAll(async () => {
  vi.restoreAllMocks()
  await upstream.close()
  await stores.close()
  await secrets.close()
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
  sns.closeAllConnections()
  await new Promise((r) => sns.close(r))
})

describe('budgets through the Lambda entry', () => {
  it('answers with cost and remaining budget, refuses at the cap naming the level, and publishes one warn and one cap alert to the topic', async () => {
    const admin = new TokenAdmin(stores.doc, stores.names.tokensTable)
    const { token } = await admin.create({ user: 'lam' })
    // One request reserves ~$0.041 and costs $0.003375: 0.042 admits the first only.
    await admin.setBudgets('user', 'lam', { budget_daily_usd: 0.042 })
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const body = JSON.stringify({ model: 'gpt-5.1-codex', input: 'hi', stream: false })

    const first = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers, body }))
    expect(first.metadata.statusCode).toBe(200)
    expect(Number(first.metadata.headers!['x-codex-proxy-cost-usd'])).toBeCloseTo(0.003375, 6)
    expect(first.metadata.headers!['x-codex-proxy-budget-remaining']).toBe('0.038625; level=user; id=lam; period=day')

    const second = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers, body }))
    expect(second.metadata.statusCode).toBe(429)
    expect(JSON.parse(second.body).error.message).toMatch(/^budget exceeded: user lam daily budget of \$0\.04 reached/)
    await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers, body })) // refused again: no second cap alert

    expect(published.map((p) => [p.get('TopicArn'), p.get('Subject')])).toEqual([
      [TOPIC, 'codex-proxy budget warning: user lam daily'],
      [TOPIC, 'codex-proxy budget cap reached: user lam daily'],
    ])
    expect(JSON.parse(JSON.parse(published[1]!.get('Message')!).sqs).alert).toMatchObject({ kind: 'cap', level: 'user', id: 'lam', blocked: true, limit_usd: 0.042 })
  })
})
