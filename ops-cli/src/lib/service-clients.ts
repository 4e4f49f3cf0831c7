// AWS clients that only the ops CLI uses (CloudWatch, CloudWatch Logs, Lambda, Secrets
// Manager, Athena). Kept out of lambda/src so the function bundle stays lean; commands
// import this module lazily so that `--help` does not load the SDKs.
import { AthenaClient } from '@aws-sdk/client-athena'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { Target } from './target.js'

const config = (target: Target) => ({ region: target.aws.region })

export const cloudWatchClient = (target: Target) => new CloudWatchClient(config(target))
export const logsClient = (target: Target) => new CloudWatchLogsClient(config(target))
export const lambdaClient = (target: Target) => new LambdaClient(config(target))
export const secretsClient = (target: Target) => new SecretsManagerClient(config(target))
export const athenaClient = (target: Target) => new AthenaClient(config(target))
