// `codex-proxy report throttles` against mocked CloudWatch and Lambda, in process.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch'
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ProvisionedConcurrencyConfigNotFoundException,
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import ReportThrottles, { type ThrottleReport } from '../../ops-cli/src/commands/report/throttles.js'
import { cli } from '../support/cli.js'
import { flat, runCommand } from '../support/in-process.js'
import { FUNCTION_NAME, type OpsStack, startOpsStack } from '../support/ops-stack.js'

const cloudWatch = mockClient(CloudWatchClient)
const lambda = mockClient(LambdaClient)
const FROM = '2026-11-20T14:00:00Z'
const UNTIL = '2026-11-20T15:00:00Z'
const INCIDENT = ['--since', FROM, '--until', UNTIL]
const period = (i: number) => new Date(Date.parse(FROM) + i * 300_000)

/** Per query id, values for the 5-minute periods that have data (index → value). */
type Scenario = Record<string, Record<number, number>>

// An incident: from 14:30 all 25 reserved instances are busy and requests are refused.
const THROTTLED: Scenario = {
  invocations: { 0: 100, 1: 120, 6: 400, 7: 420 },
  throttles: { 6: 60, 7: 150 },
  errors: {},
  concurrency: { 0: 4, 1: 5, 6: 25, 7: 25 },
  duration_p99: { 0: 30_000, 1: 31_000, 6: 45_000, 7: 47_000 },
  duration_avg: { 0: 20_000, 1: 20_000, 6: 20_000, 7: 20_000 },
  spillover: { 6: 10, 7: 12 },
}

function answer(scenario: Scenario) {
  cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: input.MetricDataQueries!.map((q) => {
      const points = Object.entries(scenario[q.Id!] ?? {})
      return { Id: q.Id, Timestamps: points.map(([i]) => period(Number(i))), Values: points.map(([, v]) => v), StatusCode: 'Complete' }
    }),
  }))
}

let stack: OpsStack
let outputsFile: string

beforeAll(async () => {
  stack = await startOpsStack()
  outputsFile = await stack.writeOutputs()
})
afterAll(() => stack?.close())
beforeEach(() => {
  cloudWatch.reset()
  lambda.reset()
  answer(THROTTLED)
  lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 25 })
  lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FUNCTION_NAME, Timeout: 120 })
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 } })
  lambda.on(GetProvisionedConcurrencyConfigCommand).resolves({ Status: 'READY', RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 2 })
})

const report = (args: string[] = [], range = INCIDENT) => runCommand(ReportThrottles, ['--stack-outputs', outputsFile, ...range, ...args])
const reportJson = async (args: string[] = [], range = INCIDENT) => {
  const r = await report([...args, '--json'], range)
  return { ...r, result: JSON.parse(r.stdout) as ThrottleReport }
}

describe('report throttles', () => {
  it('gives one row per 5-minute period of the hour, with missing data as zero or null', async () => {
    const { code, result } = await reportJson()
    expect(code).toBe(0)
    expect(result.period_seconds).toBe(300)
    expect(result.periods).toHaveLength(12)
    expect(result.periods[7]).toEqual({
      start: '2026-11-20T14:35:00.000Z',
      invocations: 420,
      throttles: 150,
      errors: 0,
      peak_concurrency: 25,
      spillover: 12,
      p99_duration_ms: 47_000,
      avg_duration_ms: 20_000,
    })
    expect(result.periods[3]).toMatchObject({ invocations: 0, throttles: 0, peak_concurrency: null, p99_duration_ms: null })
  })

  it('totals the period and reads the concurrency settings from Lambda', async () => {
    const { result } = await reportJson()
    expect(result.totals).toEqual({ invocations: 1040, throttles: 210, errors: 0, spillover: 22, peak_concurrency: 25, worst_p99_duration_ms: 47_000 })
    expect(result).toMatchObject({ reserved_concurrency: 25, account_concurrency_limit: 1000, unreserved_concurrency: 900, timeout_seconds: 120, provisioned: { requested: 2, allocated: 2, status: 'READY' } })
  })

  it('says the function was throttled and how far to raise reserved concurrency', async () => {
    const { result } = await reportJson()
    // Peak period: 25 running + 150 refused / 300 s × 20 s = 35 → 35 / 0.8 → 44.
    expect(result.verdict).toMatchObject({ level: 'throttled', estimated_peak_demand: 35 })
    expect(result.verdict.recommendations[0]!.action).toBe('Raise reserved concurrency from 25 to 44: pulumi config set codex-proxy:reservedConcurrency 44 && pulumi up')
  })

  it('asks CloudWatch for the function metrics and the spillover of its alias', async () => {
    await reportJson()
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input
    expect(input.StartTime).toEqual(new Date(FROM))
    const metrics = input.MetricDataQueries!.map((q) => [q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat, q.MetricStat!.Period, q.MetricStat!.Metric!.Dimensions])
    expect(metrics).toContainEqual(['Throttles', 'Sum', 300, [{ Name: 'FunctionName', Value: FUNCTION_NAME }]])
    expect(metrics).toContainEqual(['ConcurrentExecutions', 'Maximum', 300, [{ Name: 'FunctionName', Value: FUNCTION_NAME }]])
    expect(metrics).toContainEqual(['Duration', 'p99', 300, [{ Name: 'FunctionName', Value: FUNCTION_NAME }]])
    expect(metrics).toContainEqual([
      'ProvisionedConcurrencySpilloverInvocations',
      'Sum',
      300,
      [
        { Name: 'FunctionName', Value: FUNCTION_NAME },
        { Name: 'Resource', Value: `${FUNCTION_NAME}:live` },
      ],
    ])
  })

  it('follows GetMetricData pagination', async () => {
    const firstHalf = (id: string) => ({ Id: id, Timestamps: id === 'invocations' ? [period(0)] : [], Values: id === 'invocations' ? [100] : [] })
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: ['invocations'].map(firstHalf), NextToken: 'page-2' })
      .resolves({ MetricDataResults: [{ Id: 'invocations', Timestamps: [period(1)], Values: [120] }] })
    const { result } = await reportJson()
    expect(result.periods.slice(0, 2).map((p) => p.invocations)).toEqual([100, 120])
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('page-2')
  })

  it('prints the periods, the settings, the verdict and the recommendation for humans', async () => {
    const { code, stdout } = await report()
    expect(code).toBe(0)
    expect(stdout).toContain('Throttles of codex-proxy-prod (alias live), 2026-11-20 14:00 → 2026-11-20 15:00 UTC, per 5 min')
    expect(stdout).toContain('2026-11-20 14:35')
    expect(stdout).toContain('25 / 25')
    expect(stdout).toContain('Reserved concurrency 25 · provisioned 2 on live (READY, 2 allocated) · timeout 120 s · account limit 1000 (900 unreserved)')
    expect(stdout).toContain('✗ Throttled: 210 requests refused by AWS in 2 of 12 periods; peak 25 concurrent of reserved 25 (100%).')
    expect(stdout).toContain('1. Raise reserved concurrency from 25 to 44')
  })

  it('says no change is needed when there were no throttles and peaks stayed low', async () => {
    answer({ ...THROTTLED, throttles: {}, spillover: {}, concurrency: { 0: 4, 1: 5, 6: 6, 7: 7 } })
    const { stdout } = await report()
    expect(stdout).toContain('✓ No throttling: peak 7 concurrent of reserved 25 (28%). No change needed.')
  })

  it('reports an alias without provisioned concurrency', async () => {
    lambda.on(GetProvisionedConcurrencyConfigCommand).rejects(new ProvisionedConcurrencyConfigNotFoundException({ message: 'No Provisioned Concurrency Config found', $metadata: {} }))
    const { result } = await reportJson()
    expect(result.provisioned).toBeNull()
  })

  it('uses hourly periods for a day', async () => {
    const { result } = await reportJson([], ['--since', '2026-11-19T15:00:00Z', '--until', UNTIL])
    expect(result.period_seconds).toBe(3600)
    expect(result.periods).toHaveLength(24)
  })
})

describe('report throttles: failures', () => {
  it('names the flag, variable and stack output when the function is not named', async () => {
    const file = await stack.writeOutputs({ functionName: undefined })
    const { code, stderr } = await runCommand(ReportThrottles, ['--stack-outputs', file])
    expect(code).toBe(1)
    expect(flat(stderr)).toContain('no Lambda function name: pass --function, set CODEX_PROXY_FUNCTION, or use --stack-outputs FILE with "functionName"')
  })

  it('refuses the local stack, which has no CloudWatch metrics', async () => {
    const { code, stderr } = await runCommand(ReportThrottles, ['--local', '--data-dir', stack.dataDir])
    expect(code).toBe(1)
    expect(flat(stderr)).toContain('the local stack has no throttling')
  })

  it('refuses a period that is not whole minutes', async () => {
    const { code, stderr } = await report(['--period', '90'])
    expect(code).toBe(1)
    expect(stderr).toContain('--period must be a multiple of 60 seconds')
  })

  it('turns an AWS error into a one-line message and exit 1 (the real binary)', async () => {
    const r = await cli(['report', 'throttles', '--function', 'codex-proxy-prod', '--region', 'us-east-1'], {
      env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).not.toContain('    at ')
  })

  it('--help shows examples', async () => {
    const r = await cli(['report', 'throttles', '--help'])
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('codex-proxy report throttles --stack-outputs stack-outputs.json')
  })
})
