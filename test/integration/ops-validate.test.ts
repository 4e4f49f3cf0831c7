// `codex-proxy validate`: DynamoDB and S3 are real (dynalite, s3rver behind the in-process
// local stack, records written by the proxy), the live probes hit real HTTP servers, and
// CloudWatch, Logs, Lambda and Secrets Manager are mocked.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { GetFunctionConfigurationCommand, GetProvisionedConcurrencyConfigCommand, LambdaClient, ProvisionedConcurrencyConfigNotFoundException } from '@aws-sdk/client-lambda'
import { DescribeSecretCommand, GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ENV } from '../../lambda/src/contracts/config.js'
import { METRIC, METRICS_NAMESPACE } from '../../lambda/src/contracts/metrics.js'
import { parseUpstreamPool, UPSTREAMS_ENV, upstreamPoolToEnv } from '../../lambda/src/contracts/upstreams.js'
import { startAzureFake } from '../support/fake-upstreams.js'
import { writeFile } from 'node:fs/promises'
import Validate, { type ValidateResult } from '../../ops-cli/src/commands/validate.js'
import { cli } from '../support/cli.js'
import { flat, runCommand } from '../support/in-process.js'
import { FUNCTION_NAME, type OpsStack, SECRET_ARN, startOpsStack } from '../support/ops-stack.js'

const SECRET_VALUE = 'sk-proj-never-print-this-value'
const cloudWatch = mockClient(CloudWatchClient)
const logs = mockClient(CloudWatchLogsClient)
const lambda = mockClient(LambdaClient)
const secrets = mockClient(SecretsManagerClient)

let stack: OpsStack
let outputsFile: string

/** CloudWatch answers: this many invocations in the hour, this many audit-write failures. */
function metrics(invocations: number, auditWriteFailures = 0) {
  cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const metric = input.MetricDataQueries![0]!.MetricStat!.Metric!
    const value = metric.Namespace === 'AWS/Lambda' && metric.MetricName === 'Invocations' ? invocations : metric.Namespace === METRICS_NAMESPACE && metric.MetricName === METRIC.auditWriteFailures ? auditWriteFailures : 0
    return { MetricDataResults: [{ Id: 'total', Timestamps: value ? [input.StartTime] : [], Values: value ? [value] : [] }] }
  })
}

function healthyAws() {
  for (const m of [cloudWatch, logs, lambda, secrets]) m.reset()
  metrics(42)
  logs.on(FilterLogEventsCommand).resolves({ events: [{ timestamp: Date.now() - 60_000, message: 'START RequestId: x' }] })
  // The environment as the Pulumi program writes it: the single upstream and its secret.
  lambda.on(GetFunctionConfigurationCommand).resolves({
    FunctionName: FUNCTION_NAME,
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    State: 'Active',
    Environment: { Variables: { [ENV.upstreamUrl]: stack.upstream.url, [ENV.secretArn]: SECRET_ARN } },
  })
  lambda.on(GetProvisionedConcurrencyConfigCommand).resolves({ Status: 'READY', RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 2 })
  secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, Name: 'codex-proxy-openai-key', LastChangedDate: new Date('2026-11-01T00:00:00Z') })
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET_VALUE })
}

const validate = (args: string[] = []) => runCommand(Validate, ['--stack-outputs', outputsFile, ...args])
const validateJson = async (args: string[] = []) => {
  const r = await validate([...args, '--json'])
  return { ...r, result: JSON.parse(r.stdout) as ValidateResult }
}
const row = (result: ValidateResult, id: string) => result.checks.find((c) => c.id === id)!

beforeAll(async () => {
  stack = await startOpsStack()
  const { token } = await stack.proxy.admin.create({ user: 'alice', team: 'eng' })
  await stack.request(token)
  outputsFile = await stack.writeOutputs()
})
afterAll(() => stack?.close())
beforeEach(healthyAws)

describe('validate against a deployed stack', () => {
  it('passes every check of a healthy stack and exits 0', async () => {
    const { code, result } = await validateJson()
    expect(code).toBe(0)
    expect(result.ok).toBe(true)
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ['function', 'pass'],
      ['provisioned', 'pass'],
      ['logs', 'pass'],
      ['audit-writes', 'pass'],
      ['secret', 'pass'],
      ['tokens', 'pass'],
      ['audit-today', 'pass'],
      ['upstream:default', 'pass'],
      ['healthz', 'pass'],
      ['auth-required', 'pass'],
    ])
  })

  it('prints a ✓/✗ table and a summary for humans', async () => {
    const { code, stdout, stderr } = await validate()
    expect(code, stdout + stderr).toBe(0)
    expect(stdout).toContain('✓')
    expect(stdout).toContain('Function exists and had invocations in the last hour')
    expect(stdout).toContain('42 invocations in the last hour')
    expect(stdout).toContain('All 10 checks passed.')
  })

  it('reads the real tokens table and audit bucket', async () => {
    const { result } = await validateJson()
    expect(row(result, 'tokens').detail).toBe('codex-proxy-tokens: 1 enabled of 1')
    expect(row(result, 'audit-today').detail).toMatch(/^\d+ records under s3:\/\/codex-proxy-logs\/bodies\/year=\d{4}\/month=\d\d\/day=\d\d\/records\/$/)
  })

  it('probes the live URL: /healthz and the catalogue 401 without a token', async () => {
    const { result } = await validateJson()
    expect(row(result, 'healthz').detail).toMatch(/^200 from http:\/\/127\.0\.0\.1:\d+\/healthz in \d+ ms, proxy version \d+\.\d+\.\d+/)
    expect(row(result, 'auth-required').detail).toBe('401 missing_authorization: "missing or invalid Authorization header"')
  })

  it('never prints the secret value, in the table or in --json', async () => {
    const human = await validate()
    const json = await validate(['--json'])
    expect(human.stdout + human.stderr + json.stdout + json.stderr).not.toContain(SECRET_VALUE)
  })

  it('fails the secret row with the put-secret-value command when the secret has no value, and exits 1', async () => {
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: {} }))
    const { code, result } = await validateJson()
    expect(code).toBe(1)
    expect(result.ok).toBe(false)
    expect(row(result, 'secret')).toMatchObject({ status: 'fail', detail: 'codex-proxy-openai-key exists but has no value' })
    expect(row(result, 'secret').hint).toContain(`aws secretsmanager put-secret-value --secret-id ${SECRET_ARN}`)
  })

  it('fails the function row when nothing invoked it in the last hour', async () => {
    metrics(0)
    const { code, result } = await validateJson()
    expect(code).toBe(1)
    expect(row(result, 'function')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no invocations in the last hour') })
  })

  it('fails the function row with a deploy hint when the function does not exist', async () => {
    lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('Function not found: arn:aws:lambda:us-east-1:1:function:codex-proxy-prod'), { name: 'ResourceNotFoundException' }))
    const { result } = await validateJson()
    expect(row(result, 'function').status).toBe('fail')
    expect(row(result, 'function').hint).toContain('pulumi up')
  })

  it('fails the provisioned row while allocation is IN_PROGRESS', async () => {
    lambda.on(GetProvisionedConcurrencyConfigCommand).resolves({ Status: 'IN_PROGRESS', RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 0 })
    const { result } = await validateJson()
    expect(row(result, 'provisioned')).toMatchObject({ status: 'fail', detail: 'IN_PROGRESS: 0 available, 0 of 2 allocated' })
  })

  it('fails the provisioned row when the alias has no provisioned concurrency', async () => {
    lambda.on(GetProvisionedConcurrencyConfigCommand).rejects(new ProvisionedConcurrencyConfigNotFoundException({ message: 'No Provisioned Concurrency Config found for this function', $metadata: {} }))
    const { result } = await validateJson()
    expect(row(result, 'provisioned').status).toBe('fail')
    expect(row(result, 'provisioned').hint).toContain('codex-proxy:provisionedConcurrency')
  })

  it('fails the logs row when the log group had no events in the last hour', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] })
    const { result } = await validateJson()
    expect(row(result, 'logs')).toMatchObject({ status: 'fail', detail: `/aws/lambda/${FUNCTION_NAME}: no events in the last hour` })
  })

  it('fails the audit-writes row when records went to fallback log lines', async () => {
    metrics(42, 3)
    const { result } = await validateJson()
    expect(row(result, 'audit-writes')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^3 records could not be written to S3/) })
  })

  it('names the flag, variable and stack output to set when the function is not named', async () => {
    const file = await stack.writeOutputs({ functionName: undefined, logGroupName: undefined })
    const r = await runCommand(Validate, ['--stack-outputs', file, '--json'])
    const result = JSON.parse(r.stdout) as ValidateResult
    expect(r.code).toBe(1)
    expect(row(result, 'function')).toMatchObject({ status: 'fail', detail: 'not named' })
    expect(row(result, 'function').hint).toBe('no Lambda function name: pass --function, set CODEX_PROXY_FUNCTION, or use --stack-outputs FILE with "functionName" (pulumi stack output --json > FILE)')
  })
})

describe('validate probes against a misbehaving URL', () => {
  let server: Server
  let respond: (path: string) => { status: number; body: string }
  beforeAll(async () => {
    server = createServer((req, res) => {
      const { status, body } = respond(req.url ?? '/')
      res.writeHead(status, { 'content-type': 'application/json' }).end(body)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  it('fails urgently when a request without a token is answered 200', async () => {
    respond = (path) => ({ status: 200, body: path === '/healthz' ? '{"status":"ok","version":"9.9.9"}' : '{"data":[]}' })
    const { code, result } = await validateJson(['--url', url()])
    expect(code).toBe(1)
    expect(row(result, 'auth-required')).toMatchObject({ status: 'fail', detail: '200: a request without a token was answered' })
    expect(row(result, 'auth-required').hint).toMatch(/^URGENT/)
  })

  it("explains a Function URL 403 as AWS's missing public-invoke permissions", async () => {
    // The body AWS's Function URL layer sends (awsdocs/aws-lambda-developer-guide#494).
    respond = () => ({ status: 403, body: '{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}' })
    const { result } = await validateJson(['--url', url()])
    expect(row(result, 'healthz').status).toBe('fail')
    expect(row(result, 'healthz').hint).toContain('lambda:InvokeFunctionUrl and lambda:InvokeFunction')
  })

  it('fails both probes with the reason when the URL does not answer', async () => {
    const { result } = await validateJson(['--url', 'http://127.0.0.1:9'])
    expect(row(result, 'healthz')).toMatchObject({ status: 'fail', hint: expect.stringContaining('cannot reach http://127.0.0.1:9') })
    expect(row(result, 'auth-required').status).toBe('fail')
  })
})

describe('validate probes every upstream of the pool', () => {
  const OTHER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-upstream-spare-AbCdEf'

  it('reads the deployed pool from the function, probes each upstream with its own secret, and names the one that fails', async () => {
    const revoked = await startAzureFake({ key: 'the-right-key', deployments: { d: 'gpt-5' } })
    try {
      const pool = parseUpstreamPool(
        { upstreams: [{ id: 'main', url: stack.upstream.url, secret_arn: SECRET_ARN }, { id: 'spare', kind: 'azure', url: revoked.url, secret_arn: OTHER_ARN }] },
        { source: 't', keys: 'secret_arn' },
      )
      lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FUNCTION_NAME, State: 'Active', Environment: { Variables: { [UPSTREAMS_ENV]: upstreamPoolToEnv(pool) } } })
      secrets.on(GetSecretValueCommand, { SecretId: OTHER_ARN }).resolves({ SecretString: 'az-revoked-key-value' })
      const { code, result } = await validateJson()
      expect(code).toBe(1)
      expect(row(result, 'upstream:main')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^200 from http:\/\/127\.0\.0\.1:\d+\/v1\/models in \d+ ms, 4 models$/) })
      expect(row(result, 'upstream:spare')).toMatchObject({
        status: 'fail',
        check: 'Upstream spare (azure) answers GET /v1/models with its key',
        detail: expect.stringMatching(/^401 from http:\/\/127\.0\.0\.1:\d+\/openai\/v1\/models: Access denied due to invalid subscription key/),
        hint: `the key was refused: put the right key: aws secretsmanager put-secret-value --secret-id ${OTHER_ARN} --secret-string "$KEY"`,
      })
      expect(JSON.stringify(result)).not.toContain('az-revoked-key-value')
      // Azure got its key in api-key, on the v1 path.
      expect(revoked.requests[0]).toMatchObject({ url: '/openai/v1/models', headers: expect.objectContaining({ 'api-key': 'az-revoked-key-value' }) })
    } finally {
      await revoked.close()
    }
  })

  it('probes the pool file of serve --upstreams with the keys its key_env variables hold', async () => {
    const azure = await startAzureFake({ key: 'az-local-key', deployments: { 'gpt5-prod': 'gpt-5' } })
    const file = join(await mkdtemp(join(tmpdir(), 'cxp-validate-pool-')), 'upstreams.json')
    await writeFile(file, JSON.stringify({ upstreams: [{ id: 'az', kind: 'azure', url: azure.url, key_env: 'CXP_VALIDATE_AZ_KEY' }, { id: 'nokey', url: stack.upstream.url, key_env: 'CXP_VALIDATE_UNSET' }] }))
    process.env.CXP_VALIDATE_AZ_KEY = 'az-local-key'
    try {
      const { stdout } = await runCommand(Validate, ['--local', '--data-dir', stack.dataDir, '--upstreams', file, '--json'])
      const result = JSON.parse(stdout) as ValidateResult
      expect(row(result, 'upstream:az')).toMatchObject({ status: 'pass', detail: expect.stringContaining('/openai/v1/models') })
      expect(row(result, 'upstream:nokey')).toMatchObject({ status: 'fail', detail: 'its key is not set', hint: 'set CXP_VALIDATE_UNSET to the right key (the variable serve reads)' })
    } finally {
      delete process.env.CXP_VALIDATE_AZ_KEY
      await azure.close()
    }
  })

  it('says why when the pool file cannot be read', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'cxp-validate-pool-')), 'upstreams.json')
    await writeFile(file, '{"upstreams":[{"id":"x"}]}')
    const { stdout } = await runCommand(Validate, ['--local', '--data-dir', stack.dataDir, '--upstreams', file, '--json'])
    expect(row(JSON.parse(stdout) as ValidateResult, 'upstreams')).toMatchObject({ status: 'fail', detail: expect.stringContaining('upstreams[0].url: is required') })
  })
})

describe('validate --local', () => {
  it('runs the local checks against the running local stack', async () => {
    const { code, stdout } = await runCommand(Validate, ['--local', '--data-dir', stack.dataDir, '--json'])
    const result = JSON.parse(stdout) as ValidateResult
    expect(code).toBe(0)
    expect(result.checks.map((c) => c.id)).toEqual(['local-stack', 'tokens', 'audit-today', 'healthz', 'auth-required'])
    expect(result.checks.every((c) => c.status === 'pass')).toBe(true)
  })

  it('exits 1 with how to start the stack when none is running (the real binary)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cxp-validate-'))
    const r = await cli(['validate', '--local', '--data-dir', empty])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗')
    expect(flat(r.stdout)).toContain('fix: start it with `npm start`')
    expect(r.stdout).toContain('1 of 5 checks failed, 4 not run.')
  })

  it('fails with the ways to name a target when there is none', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cxp-validate-'))
    const r = await cli(['validate', '--data-dir', empty], { env: { CODEX_PROXY_STACK_OUTPUTS: '' } })
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('no target: use --local')
    expect(flat(r.stderr)).toContain('pulumi stack output --json > stack-outputs.json')
  })

  it('--help shows examples', async () => {
    const r = await cli(['validate', '--help'])
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('codex-proxy validate --stack-outputs stack-outputs.json')
  })
})
