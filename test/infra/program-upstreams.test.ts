// The program with an upstream pool: one secret per upstream, IAM for exactly those
// secrets, the pool in the function's environment through its contract, and the
// sustained-failover alarm.
import { beforeAll, describe, expect, it } from 'vitest'
import { ENV } from '../../lambda/src/contracts/config.js'
import { METRIC } from '../../lambda/src/contracts/metrics.js'
import { STACK_OUTPUT } from '../../lambda/src/contracts/stack-outputs.js'
import { UPSTREAMS_ENV, upstreamPoolFromEnv } from '../../lambda/src/contracts/upstreams.js'
import { FAILOVER_ALARM } from '../../infra/alarms.js'
import { type BuiltStack, FIXTURE_LAMBDA_DIR, T, buildStack, prodStackConfig, type Json } from './support/pulumi-harness.js'

let stack: BuiltStack

const POOL = {
  upstreams: [
    { id: 'oa-main', url: 'https://api.openai.com', weight: 3, org: 'acme' },
    { id: 'oa-spare', url: 'https://api.openai.com', org: 'acme-2' },
    { id: 'azure-se', kind: 'azure', url: 'https://acme-se.openai.azure.com', models: { 'gpt-5': 'gpt5-prod' } },
  ],
}

beforeAll(async () => {
  stack = await buildStack({ ...prodStackConfig(), 'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR, 'codex-proxy:upstreams': JSON.stringify(POOL) })
})

const env = () => stack.one(T.function).inputs.environment.variables as Record<string, string>
const secretArnOf = (id: string) => stack.ofType(T.secret).find((s) => s.name === `codex-proxy-upstream-${id}`)!.state.arn as string

describe('the program with an upstream pool', () => {
  it('creates one key secret per upstream and no single-upstream secret', () => {
    expect(stack.ofType(T.secret).map((s) => s.name).sort()).toEqual(['codex-proxy-upstream-azure-se', 'codex-proxy-upstream-oa-main', 'codex-proxy-upstream-oa-spare'])
    expect(stack.ofType(T.secret).every((s) => s.inputs.secretString === undefined)).toBe(true)
  })

  it('lets the function read exactly those secrets', () => {
    // The function's role policy (the Firehose delivery role has its own).
    const fnRole = stack.ofType(T.role).find((r) => r.name.endsWith('-function'))!
    const policy = JSON.parse(stack.ofType(T.rolePolicy).find((p) => p.inputs.role === fnRole.id)!.inputs.policy) as { Statement: Json[] }
    const reads = policy.Statement.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
    expect(reads).toHaveLength(1)
    expect([reads[0].Resource].flat().sort()).toEqual(['azure-se', 'oa-main', 'oa-spare'].map(secretArnOf).sort())
  })

  it('hands the pool to the function through its env encoding, each upstream with its secret', () => {
    const variables = env()
    expect(variables[ENV.secretArn]).toBeUndefined()
    expect(variables[ENV.upstreamUrl]).toBeUndefined()
    const pool = upstreamPoolFromEnv(variables, { upstreamUrl: 'http://unused' })
    expect(pool.upstreams.map((u) => [u.id, u.kind, u.weight, u.org, u.secret_arn])).toEqual([
      ['oa-main', 'openai', 3, 'acme', secretArnOf('oa-main')],
      ['oa-spare', 'openai', 1, 'acme-2', secretArnOf('oa-spare')],
      ['azure-se', 'azure', 1, 'azure-se', secretArnOf('azure-se')],
    ])
    expect(pool.upstreams[2]!.url).toBe('https://acme-se.openai.azure.com/openai')
    expect(variables[UPSTREAMS_ENV]!.length).toBeLessThan(2_500)
  })

  it('exports the secret ARNs by upstream id, for ops to set the values', () => {
    expect(JSON.parse(stack.outputs[STACK_OUTPUT.upstreamSecretArns] as string)).toEqual({
      'oa-main': secretArnOf('oa-main'),
      'oa-spare': secretArnOf('oa-spare'),
      'azure-se': secretArnOf('azure-se'),
    })
  })

  it('alarms on sustained failover', () => {
    const alarm = stack.ofType(T.alarm).find((a) => a.inputs.metricName === METRIC.upstreamFailovers)!
    expect(alarm.inputs).toMatchObject({
      namespace: 'CodexProxy',
      statistic: 'Sum',
      period: FAILOVER_ALARM.periodSeconds,
      evaluationPeriods: FAILOVER_ALARM.periods,
      threshold: FAILOVER_ALARM.perPeriod,
      comparisonOperator: 'GreaterThanThreshold',
      dimensions: { FunctionName: 'codex-proxy-prod' },
    })
  })

  it('graphs each upstream on the dashboard', () => {
    const body = JSON.parse(stack.one(T.dashboard).inputs.dashboardBody) as { widgets: { properties: { title: string; metrics: Json[] } }[] }
    const widget = body.widgets.find((w) => w.properties.title.startsWith('Upstream requests'))!
    expect(widget.properties.metrics.filter((m: Json[]) => m[1] === METRIC.upstreamRequests).map((m: Json[]) => m[5])).toEqual(['oa-main', 'oa-spare', 'azure-se'])
  })
})

describe('the program with a Bedrock upstream in the pool', () => {
  let withBedrock: BuiltStack
  const BEDROCK_POOL = {
    upstreams: [
      { id: 'claude-direct', kind: 'anthropic', url: 'https://api.anthropic.com', models: ['claude-*'] },
      { id: 'claude-bedrock', kind: 'bedrock', url: 'https://bedrock-runtime.us-east-1.amazonaws.com', models: { 'claude-sonnet-4-5': 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' } },
    ],
  }
  beforeAll(async () => {
    withBedrock = await buildStack({ ...prodStackConfig(), 'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR, 'codex-proxy:upstreams': JSON.stringify(BEDROCK_POOL) })
  })

  it('creates no key secret for the Bedrock upstream (it signs with the function role)', () => {
    expect(withBedrock.ofType(T.secret).map((s) => s.name)).toEqual(['codex-proxy-upstream-claude-direct'])
    const pool = upstreamPoolFromEnv(withBedrock.one(T.function).inputs.environment.variables as Record<string, string>, { upstreamUrl: 'http://unused' })
    expect(pool.upstreams.map((u) => [u.id, u.kind, u.secret_arn === undefined])).toEqual([
      ['claude-direct', 'anthropic', false],
      ['claude-bedrock', 'bedrock', true],
    ])
  })

  it('lets the function stream Claude models on Bedrock, and nothing else there', () => {
    const fnRole = withBedrock.ofType(T.role).find((r) => r.name.endsWith('-function'))!
    const policy = JSON.parse(withBedrock.ofType(T.rolePolicy).find((p) => p.inputs.role === fnRole.id)!.inputs.policy) as { Statement: Json[] }
    const bedrock = policy.Statement.filter((s) => JSON.stringify(s.Action).includes('bedrock:'))
    expect(bedrock).toEqual([
      {
        Sid: 'InvokeClaudeOnBedrock',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModelWithResponseStream'],
        Resource: ['arn:aws:bedrock:*::foundation-model/anthropic.claude-*', 'arn:aws:bedrock:*:*:inference-profile/*anthropic.claude-*'],
      },
    ])
    // The OpenAI-only pool above got no Bedrock grant.
    expect(stack.ofType(T.rolePolicy).map((p) => p.inputs.policy as string).join('\n')).not.toContain('bedrock:')
  })
})
