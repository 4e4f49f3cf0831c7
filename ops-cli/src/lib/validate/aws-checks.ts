// The checks of a deployed stack that need CloudWatch, CloudWatch Logs, Lambda and
// Secrets Manager (the seed's validate.sh, plus provisioned concurrency and audit writes).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { GetFunctionConfigurationCommand, GetProvisionedConcurrencyConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { DescribeSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { METRIC, METRICS_NAMESPACE, METRIC_FUNCTION_DIMENSION } from '../../../../lambda/src/contracts/metrics.js'
import { STACK_OUTPUT } from '../../../../lambda/src/contracts/stack-outputs.js'
import { getMetricSeries, sumOf } from '../metric-data.js'
import { missingNameHint, type Target } from '../target.js'
import { type CheckOutcome, type CheckSpec, fail, pass } from './check.js'

const HOUR_MS = 3_600_000

export interface AwsCheckClients {
  cloudWatch: CloudWatchClient
  logs: CloudWatchLogsClient
  lambda: LambdaClient
  secrets: SecretsManagerClient
}

/** A check that cannot run because a resource is not named fails with what to set. */
const unnamed = (name: Parameters<typeof missingNameHint>[0]): CheckOutcome => fail('not named', missingNameHint(name))

async function metricTotal(cw: CloudWatchClient, namespace: string, metric: string, functionName: string, from: Date, to: Date): Promise<number> {
  const periodSeconds = Math.max(60, Math.ceil((to.getTime() - from.getTime()) / 60_000) * 60)
  const series = await getMetricSeries(cw, [{ id: 'total', namespace, metric, dimensions: { [METRIC_FUNCTION_DIMENSION]: functionName }, stat: 'Sum' }], { from, to, periodSeconds })
  return sumOf(series.get('total'))
}

export function awsChecks(target: Target, clients: AwsCheckClients, now: Date): CheckSpec[] {
  const { functionName, aliasName, logGroup, secretArn } = target.deployment
  return [
    {
      id: 'function',
      check: 'Function exists and had invocations in the last hour',
      async run() {
        if (!functionName) return unnamed('functionName')
        const config = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
        if (config.State && config.State !== 'Active') {
          return fail(`${functionName} is ${config.State}${config.StateReason ? `: ${config.StateReason}` : ''}`, 'wait for the deployment to finish, or run `pulumi up` again')
        }
        // AWS/Lambda metrics carry the same FunctionName dimension as the proxy's own.
        const invocations = await metricTotal(clients.cloudWatch, 'AWS/Lambda', 'Invocations', functionName, new Date(now.getTime() - HOUR_MS), now)
        const what = `${functionName} (${config.Runtime ?? 'runtime ?'}, ${config.Architectures?.join('/') ?? 'arch ?'}, ${config.State ?? 'state ?'})`
        if (invocations === 0) {
          return fail(`${what}: no invocations in the last hour`, "no request reached the function: check developers' Codex base_url (printed by `tokens add`) and the live probe rows below")
        }
        return pass(`${what}: ${invocations} invocations in the last hour`)
      },
      onError: (err) =>
        err.name === 'ResourceNotFoundException' ? `no function named ${functionName} in this region: check --region/--function, or deploy with \`pulumi up\`` : 'check AWS credentials and --region',
    },
    {
      id: 'provisioned',
      check: `Provisioned concurrency on alias ${aliasName} is READY`,
      async run() {
        if (!functionName) return unnamed('functionName')
        const pc = await clients.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: aliasName }))
        const counts = `${pc.AvailableProvisionedConcurrentExecutions ?? 0} available, ${pc.AllocatedProvisionedConcurrentExecutions ?? 0} of ${pc.RequestedProvisionedConcurrentExecutions ?? 0} allocated`
        if (pc.Status === 'READY') return pass(`READY: ${counts}`)
        if (pc.Status === 'IN_PROGRESS') return fail(`IN_PROGRESS: ${counts}`, 'allocation takes a few minutes after a deployment: run validate again shortly')
        return fail(`${pc.Status ?? 'unknown status'}: ${pc.StatusReason ?? counts}`, 'fix the reason above (often the account concurrency quota), then `pulumi up`')
      },
      onError: (err) =>
        err.name === 'ProvisionedConcurrencyConfigNotFoundException'
          ? `no provisioned concurrency on alias ${aliasName}: set codex-proxy:provisionedConcurrency (default 2) and \`pulumi up\``
          : err.name === 'ResourceNotFoundException'
            ? `no alias ${aliasName} on ${functionName}: pass --alias, or check the "${STACK_OUTPUT.aliasName}" stack output`
            : 'check AWS credentials and --region',
    },
    {
      id: 'logs',
      check: 'Log group has events from the last hour',
      async run() {
        if (!logGroup) return unnamed('logGroup')
        const startTime = now.getTime() - HOUR_MS
        // FilterLogEvents may answer a page with no events and a token while it searches
        // the streams; a few pages are enough to find one event.
        let nextToken: string | undefined
        for (let page = 0; page < 5; page++) {
          const res = await clients.logs.send(new FilterLogEventsCommand({ logGroupName: logGroup, startTime, endTime: now.getTime(), limit: 1, nextToken }))
          const first = res.events?.[0]
          if (first) return pass(`${logGroup}: events in the last hour (e.g. ${new Date(first.timestamp ?? startTime).toISOString().slice(11, 19)} UTC)`)
          nextToken = res.nextToken
          if (!nextToken) break
        }
        return fail(`${logGroup}: no events in the last hour`, 'the function did not run or cannot write logs: check the invocations row and the role (WriteOwnLogs)')
      },
      onError: (err) => (err.name === 'ResourceNotFoundException' ? `no log group ${logGroup}: pass --log-group, or check the "${STACK_OUTPUT.logGroup}" stack output` : 'check AWS credentials and --region'),
    },
    {
      id: 'audit-writes',
      check: 'No audit-write failures in the last 24 h',
      async run() {
        if (!functionName) return unnamed('functionName')
        const failures = await metricTotal(clients.cloudWatch, METRICS_NAMESPACE, METRIC.auditWriteFailures, functionName, new Date(now.getTime() - 24 * HOUR_MS), now)
        if (failures === 0) return pass(`${METRICS_NAMESPACE}/${METRIC.auditWriteFailures} = 0`)
        return fail(
          `${failures} records could not be written to S3; they are fallback lines in ${logGroup ?? 'the log group'}`,
          "check the bucket and the function's s3:PutObject permission; `check-origin` also searches the fallback lines",
        )
      },
    },
    {
      id: 'secret',
      check: 'OpenAI key secret exists and has a value',
      async run() {
        if (!secretArn) return unnamed('secretArn')
        const described = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretArn }))
        const name = described.Name ?? secretArn
        if (described.DeletedDate) {
          return fail(`${name} is scheduled for deletion (${described.DeletedDate.toISOString()})`, `restore it: aws secretsmanager restore-secret --secret-id ${secretArn}`)
        }
        const putValue = `aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string "$OPENAI_API_KEY"`
        try {
          // The value is read only to see that it is not empty; it never reaches output.
          const value = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))
          const length = value.SecretString?.length ?? value.SecretBinary?.length ?? 0
          if (length === 0) return fail(`${name} has an empty value`, putValue)
        } catch (err) {
          // No AWSCURRENT version yet: the secret was created empty (the Pulumi program does).
          if ((err as Error).name === 'ResourceNotFoundException') return fail(`${name} exists but has no value`, putValue)
          throw err
        }
        const changed = described.LastChangedDate ? `, last changed ${described.LastChangedDate.toISOString().slice(0, 10)}` : ''
        return pass(`${name} has a value${changed}`)
      },
      onError: (err) => (err.name === 'ResourceNotFoundException' ? `no secret ${secretArn}: check --secret or the "${STACK_OUTPUT.secretArn}" stack output` : 'check AWS credentials, --region, and secretsmanager:GetSecretValue on the secret'),
    },
  ]
}
