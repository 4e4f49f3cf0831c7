// The program with every figure changed from its default: each value must come from
// config, not from a constant that happens to equal the seed figure.
import { beforeAll, describe, expect, it } from 'vitest'
import { ENV } from '../../lambda/src/contracts/config.js'
import { type BuiltStack, FIXTURE_LAMBDA_DIR, T, buildStack, prodStackConfig } from './support/pulumi-harness.js'

let stack: BuiltStack

beforeAll(async () => {
  stack = await buildStack({
    ...prodStackConfig(),
    'aws:region': 'eu-west-1',
    'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR,
    'codex-proxy:timeoutSeconds': '300',
    'codex-proxy:memoryMb': '1024',
    'codex-proxy:reservedConcurrency': '10',
    'codex-proxy:provisionedConcurrency': '0',
    'codex-proxy:logRetentionDays': '30',
    'codex-proxy:alarmEmail': 'oncall@example.com',
    'codex-proxy:objectLockMode': 'compliance',
    'codex-proxy:objectLockRetentionDays': '30',
    'codex-proxy:logsExpiryDays': '365',
    'codex-proxy:metadataExpiryDays': '1000',
    'codex-proxy:athenaResultsExpiryDays': '3',
    'codex-proxy:endpoints': 'codex,embeddings',
    'codex-proxy:secretScanMode': 'block',
    'codex-proxy:upstreamUrl': 'https://gateway.example.com/v1',
    'codex-proxy:auditBodyCapBytes': '1048576',
    'codex-proxy:tokenCacheMs': '2000',
    'codex-proxy:priceOverrides': '{"models":{"gpt-5*":{"input_per_mtok":1,"cached_input_per_mtok":0.1,"output_per_mtok":8}}}',
    'codex-proxy:secretAllowlist': '{"fingerprints":["0123456789ab"]}',
    'codex-proxy:secretFingerprintKey': 'fingerprint-key-for-tests',
  })
})

const fn = () => stack.one(T.function)
const alarmThreshold = (metricName: string) =>
  stack.ofType(T.alarm).find((a) => a.inputs.metricName === metricName)!.inputs.threshold

describe('the program with every figure overridden', () => {
  it('sizes the function from config', () => {
    expect(fn().inputs).toMatchObject({ timeout: 300, memorySize: 1024, reservedConcurrentExecutions: 10 })
  })

  it('creates no provisioned concurrency when it is set to 0', () => {
    expect(stack.ofType(T.provisioned)).toEqual([])
  })

  it('passes the proxy settings to the function environment', () => {
    expect(fn().inputs.environment.variables).toMatchObject({
      [ENV.endpoints]: 'codex,embeddings',
      [ENV.secretScan]: 'block',
      [ENV.upstreamUrl]: 'https://gateway.example.com',
      [ENV.bodyCapBytes]: '1048576',
      [ENV.tokenCacheMs]: '2000',
      [ENV.upstreamTimeoutMs]: '290000',
    })
  })

  it('passes price overrides, the scanner allow-list and the fingerprint key to the function', () => {
    expect(fn().inputs.environment.variables).toMatchObject({
      [ENV.priceOverrides]: '{"models":{"gpt-5*":{"input_per_mtok":1,"cached_input_per_mtok":0.1,"output_per_mtok":8}}}',
      [ENV.secretAllowlist]: '{"fingerprints":["0123456789ab"]}',
      [ENV.secretFingerprintKey]: 'fingerprint-key-for-tests',
    })
  })

  it('keeps the fingerprint key a Pulumi secret, never plain state', () => {
    // Pulumi marks the whole environment input secret once one variable is.
    expect(fn().rawInputs.environment).toMatchObject({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270' })
  })

  it('keeps function logs for the configured retention', () => {
    expect(stack.one(T.logGroup).inputs.retentionInDays).toBe(30)
  })

  it('scales the concurrency and duration alarms with reserved concurrency and timeout', () => {
    expect(alarmThreshold('ConcurrentExecutions')).toBe(8)
    expect(alarmThreshold('Duration')).toBe(270_000)
  })

  it('subscribes the alarm e-mail to the alarm topic', () => {
    expect(stack.one(T.subscription).inputs).toEqual({
      topic: stack.one(T.topic).state.arn,
      protocol: 'email',
      endpoint: 'oncall@example.com',
    })
  })

  it('locks audit records in compliance mode for the configured days', () => {
    const lock = stack.one(T.bucketObjectLock)
    const logsBucket = stack.referencedBy(T.bucket, fn().inputs.environment.variables[ENV.bucket])!
    expect(lock.inputs).toMatchObject({
      bucket: logsBucket.id,
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', days: 30 } },
    })
  })

  it('expires audit records and query results after the configured days', () => {
    const expiries = stack
      .ofType(T.bucketLifecycle)
      .map((l) => l.inputs.rules[0].expiration.days)
      .sort((a: number, b: number) => a - b)
    expect(expiries).toEqual([3, 365, 1000])
  })

  it('reports the configured region and builds the dashboard for it', () => {
    expect(stack.outputs.region).toBe('eu-west-1')
    const body = JSON.parse(stack.one(T.dashboard).inputs.dashboardBody)
    expect(new Set(body.widgets.map((w: { properties: { region: string } }) => w.properties.region))).toEqual(
      new Set(['eu-west-1']),
    )
  })
})
