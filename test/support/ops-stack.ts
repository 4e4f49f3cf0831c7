// A real local stack in this process (dynalite + s3rver + the proxy over HTTP, upstream a
// fake OpenAI), presented to the ops CLI as a deployed stack: a `pulumi stack output
// --json` file names its tables and bucket, and the SDK's AWS_ENDPOINT_URL_* variables
// point DynamoDB and S3 at the embedded stores. CloudWatch, Logs, Lambda, Secrets Manager
// and Athena have no emulator: tests mock them with aws-sdk-client-mock.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { dayPartition, METADATA_PREFIX } from '../../lambda/src/contracts/audit-bodies.js'
import { ENV } from '../../lambda/src/contracts/config.js'
import { STACK_OUTPUT, type StackOutputs } from '../../lambda/src/contracts/stack-outputs.js'
import { type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.js'

export const FUNCTION_NAME = 'codex-proxy-prod'
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-openai-key-AbCdEf'

export interface OpsStack {
  proxy: LocalProxy
  upstream: FakeOpenAI
  dataDir: string
  /** Stack outputs as the Pulumi program exports them, for this stack. */
  outputs: StackOutputs
  /** Writes a stack-outputs file (the outputs, with overrides; undefined removes a key). */
  writeOutputs(overrides?: Partial<Record<keyof StackOutputs, string | undefined>>): Promise<string>
  /** Sends one authenticated request through the proxy and waits for its audit record. */
  request(token: string, body?: object): Promise<Response>
  close(): Promise<void>
}

const AWS_ENV_KEYS = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', ENV.s3ForcePathStyle, ENV.tokensTable, ENV.bucket, ENV.url] as const

export async function startOpsStack(): Promise<OpsStack> {
  const upstream = await startFakeOpenAI()
  const dataDir = await mkdtemp(join(tmpdir(), 'cxp-ops-'))
  const proxy = await startLocalProxy({ dataDir, port: 0, upstreamUrl: upstream.url, apiKey: 'sk-test', storesInProcess: true, log: () => {} })
  const saved = Object.fromEntries(AWS_ENV_KEYS.map((k) => [k, process.env[k]]))
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: proxy.target.local!.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: proxy.target.local!.s3Endpoint,
    // s3rver's fixed credentials; dynalite accepts any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    [ENV.s3ForcePathStyle]: 'true',
  })
  for (const k of [ENV.tokensTable, ENV.bucket, ENV.url]) delete process.env[k]
  const outputs: StackOutputs = {
    // Pulumi's functionUrl output ends with a slash.
    [STACK_OUTPUT.functionUrl]: `${proxy.url}/`,
    [STACK_OUTPUT.functionName]: FUNCTION_NAME,
    [STACK_OUTPUT.aliasName]: 'live',
    [STACK_OUTPUT.region]: 'us-east-1',
    [STACK_OUTPUT.tokensTable]: proxy.names.tokensTable,
    [STACK_OUTPUT.usageTable]: proxy.names.usageTable,
    [STACK_OUTPUT.logsBucket]: proxy.names.bucket,
    [STACK_OUTPUT.athenaWorkgroup]: 'codex-proxy-prod',
    [STACK_OUTPUT.athenaResultsBucket]: 'codex-proxy-athena-results',
    [STACK_OUTPUT.glueDatabase]: 'codex_proxy_prod',
    [STACK_OUTPUT.glueTable]: 'audit_records',
    [STACK_OUTPUT.secretArn]: SECRET_ARN,
    [STACK_OUTPUT.logGroup]: `/aws/lambda/${FUNCTION_NAME}`,
  }
  let files = 0
  return {
    proxy,
    upstream,
    dataDir,
    outputs,
    async writeOutputs(overrides = {}) {
      const file = join(dataDir, `stack-outputs-${++files}.json`)
      const merged: Record<string, string | undefined> = { ...outputs, ...overrides }
      await writeFile(file, JSON.stringify(Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)), null, 2))
      return file
    },
    async request(token, body = { model: 'gpt-5.1-codex', input: 'hi', stream: true }) {
      const res = await fetch(`${proxy.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      await res.text()
      // The record is written after the response ends: wait until it is listed.
      const requestId = res.headers.get('x-codex-proxy-request-id')
      const s3 = s3Client(proxy.target)
      for (let i = 0; i < 50 && requestId; i++) {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: proxy.names.bucket, Prefix: `${METADATA_PREFIX}${dayPartition(new Date())}` }))
        if (page.Contents?.some((o) => o.Key?.includes(requestId))) break
        await new Promise((r) => setTimeout(r, 50))
      }
      return res
    },
    async close() {
      await proxy.close()
      await upstream.close()
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
}
