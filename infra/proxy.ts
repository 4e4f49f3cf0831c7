// The proxy itself: the Lambda function, its least-privilege role, its log group, the
// `live` alias with provisioned concurrency, the public Function URL and the secret that
// holds the OpenAI key.
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'
import { BODIES_PREFIX } from '../lambda/src/contracts/audit-bodies.js'
import { DEFAULTS, ENV, LAMBDA_MAX_REQUEST_BYTES, proxyConfigToEnv } from '../lambda/src/contracts/config.js'
import { KEYLESS_KINDS, UPSTREAMS_ENV, upstreamPoolToEnv } from '../lambda/src/contracts/upstreams.js'
import { LAMBDA_HANDLER, type InfraConfig } from './config.js'

/** The alias that serves traffic: provisioned concurrency and the Function URL hang off it. */
export const LIVE_ALIAS = 'live'

export interface ProxyFunctionArgs {
  config: InfraConfig
  tokensTable: aws.dynamodb.Table
  usageTable: aws.dynamodb.Table
  logsBucket: aws.s3.Bucket
  /** Firehose stream of the metadata records (infra/metadata-pipeline.ts). */
  metadataStream: aws.kinesis.FirehoseDeliveryStream
  /** The alarm topic: the function publishes budget alerts to it. */
  alertTopic: aws.sns.Topic
}

export interface PolicyStatement {
  Sid: string
  Effect: 'Allow' | 'Deny'
  Action: string[]
  Resource: string[]
}

/**
 * Everything the function may do, and nothing else. No statement needs `*` actions or a
 * `*` resource: metrics travel as Embedded Metric Format log lines, so the role has no
 * cloudwatch:PutMetricData (an action that only accepts Resource "*"); the secret and
 * the buckets use AWS-managed encryption keys, so no kms:* grant is needed either.
 */
export function proxyPolicyStatements(arns: {
  tokensTable: string
  usageTable: string
  logsBucket: string
  metadataStream: string
  /** The key secret(s): the single upstream's, or one per upstream of the pool. */
  secrets: string[]
  logGroup: string
  alertTopic: string
  /** The pool has Bedrock upstreams: Claude is invoked with the function's role. */
  bedrock?: boolean
}): PolicyStatement[] {
  return [
    ...(arns.bedrock
      ? [
          <PolicyStatement>{
            // Claude on Bedrock, streamed (InvokeModelWithResponseStream), in any region: the
            // foundation models and the cross-region inference profiles (`us.anthropic.…`)
            // of Anthropic's Claude only (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
            Sid: 'InvokeClaudeOnBedrock',
            Effect: 'Allow',
            Action: ['bedrock:InvokeModelWithResponseStream'],
            Resource: ['arn:aws:bedrock:*::foundation-model/anthropic.claude-*', 'arn:aws:bedrock:*:*:inference-profile/*anthropic.claude-*'],
          },
        ]
      : []),
    {
      // Token and team items are read by primary key. The by_user index serves the ops
      // CLI (run with the operator's credentials), so the function gets no Query.
      Sid: 'ReadTokens',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem'],
      Resource: [arns.tokensTable],
    },
    {
      Sid: 'CountUsage',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: [arns.usageTable],
    },
    {
      // Write-only, and only under the bodies prefix: the function can neither read nor
      // delete bodies. Conditional writes (If-None-Match) need nothing more than PutObject.
      Sid: 'WriteAuditBodies',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [`${arns.logsBucket}/${BODIES_PREFIX}*`],
    },
    {
      Sid: 'SendAuditMetadata',
      Effect: 'Allow',
      Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      Resource: [arns.metadataStream],
    },
    {
      Sid: 'ReadOpenAIKey',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: arns.secrets,
    },
    {
      // Budget alerts (warn threshold, cap) go to the alarm topic, and nowhere else.
      Sid: 'PublishBudgetAlerts',
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: [arns.alertTopic],
    },
    {
      // Log streams of its own log group only (`<group ARN>:*` covers the group's streams,
      // as in https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html).
      // The group exists already (created here with its retention), so no CreateLogGroup.
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [`${arns.logGroup}:*`],
    },
  ]
}

function withoutKeys(env: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !keys.includes(k)))
}

/** Lambda function names allow letters, digits, hyphens and underscores (64 at most). */
export function lambdaFunctionName(project: string, stack: string): string {
  return `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64)
}

export class ProxyFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function
  readonly alias: aws.lambda.Alias
  readonly url: aws.lambda.FunctionUrl
  /** The single upstream's key secret; with a pool, the first upstream's. */
  readonly secret: aws.secretsmanager.Secret
  /** With a pool: one key secret per upstream, by upstream id. */
  readonly upstreamSecrets: Record<string, aws.secretsmanager.Secret> = {}
  readonly logGroup: aws.cloudwatch.LogGroup
  readonly role: aws.iam.Role

  constructor(name: string, args: ProxyFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('codex-proxy:infra:ProxyFunction', name, {}, opts)
    const parent = { parent: this }
    const { config } = args
    const functionName = lambdaFunctionName(config.project, config.stack)

    // The value is never in Pulumi state or config: ops put it with
    // `aws secretsmanager put-secret-value` (README "Deploy to AWS"). A pool gets one
    // secret per upstream (README "Upstream pool"), and the function may read exactly those.
    const pool = config.upstreams
    // Bedrock upstreams sign with the function's role: no key, no secret.
    const keyed = pool ? pool.upstreams.filter((u) => !KEYLESS_KINDS.has(u.kind)) : []
    if (pool && keyed.length > 0) {
      for (const u of keyed) {
        this.upstreamSecrets[u.id] = new aws.secretsmanager.Secret(
          `${name}-upstream-${u.id}`,
          { description: `Key of upstream "${u.id}" (${u.kind}, ${u.url}) that ${functionName} forwards with. Value set out of band.` },
          parent,
        )
      }
      this.secret = this.upstreamSecrets[keyed[0]!.id]!
    } else {
      this.secret = new aws.secretsmanager.Secret(
        `${name}-openai-key`,
        { description: `OpenAI API key that ${functionName} forwards upstream. Value set out of band.` },
        parent,
      )
    }
    const secretArns = keyed.length > 0 ? keyed.map((u) => this.upstreamSecrets[u.id]!.arn) : [this.secret.arn]
    // The pool's env encoding, with each keyed upstream's secret ARN (contracts/upstreams.ts).
    const poolEnv = pool
      ? pulumi.all(secretArns).apply((arns) =>
          upstreamPoolToEnv({ ...pool, upstreams: pool.upstreams.map((u) => (KEYLESS_KINDS.has(u.kind) ? u : { ...u, secret_arn: arns[keyed.indexOf(u)]! })) }),
        )
      : undefined

    // Created before the function so that Lambda does not create it with infinite retention.
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-function`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: config.logRetentionDays },
      parent,
    )

    this.role = new aws.iam.Role(
      `${name}-function`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      },
      parent,
    )

    const policy = new aws.iam.RolePolicy(
      `${name}-function`,
      {
        role: this.role.id,
        policy: pulumi
          .output({
            tokensTable: args.tokensTable.arn,
            usageTable: args.usageTable.arn,
            logsBucket: args.logsBucket.arn,
            metadataStream: args.metadataStream.arn,
            secrets: pulumi.all(secretArns),
            logGroup: this.logGroup.arn,
            alertTopic: args.alertTopic.arn,
            bedrock: pool?.upstreams.some((u) => u.kind === 'bedrock') ?? false,
          })
          .apply((arns) => JSON.stringify({ Version: '2012-10-17', Statement: proxyPolicyStatements(arns) })),
      },
      parent,
    )

    this.function = new aws.lambda.Function(
      name,
      {
        name: functionName,
        role: this.role.arn,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ['arm64'],
        handler: LAMBDA_HANDLER,
        code: new pulumi.asset.FileArchive(config.lambdaCodePath),
        memorySize: config.memoryMb,
        timeout: config.timeoutSeconds,
        // Caps the function's share of the account's concurrency (and its upstream spend
        // rate); throttles beyond it are alarmed on.
        reservedConcurrentExecutions: config.reservedConcurrency,
        // Every deployment publishes a version; the `live` alias moves to it.
        publish: true,
        environment: {
          variables: {
            [ENV.tokensTable]: args.tokensTable.name,
            [ENV.usageTable]: args.usageTable.name,
            [ENV.bucket]: args.logsBucket.bucket,
            [ENV.metadataStream]: args.metadataStream.name,
            // With a pool, the pool's env encoding names every upstream and its secret; the
            // single-upstream URL and secret are left out.
            ...(poolEnv ? { [UPSTREAMS_ENV]: poolEnv } : { [ENV.secretArn]: this.secret.arn }),
            ...withoutKeys(
              proxyConfigToEnv({
                upstreamUrl: config.upstreamUrl,
                endpoints: config.endpoints,
                scanBudgetMs: DEFAULTS.scanBudgetMs,
                upstreamTimeoutMs: config.upstreamTimeoutMs,
                bodyCapBytes: config.auditBodyCapBytes,
                // AWS refuses larger invocation payloads before the function runs.
                maxRequestBytes: LAMBDA_MAX_REQUEST_BYTES,
                tokenCacheMs: config.tokenCacheMs,
                secretScanMode: config.secretScanMode,
              }),
              poolEnv ? [ENV.upstreamUrl] : [],
            ),
            [ENV.alertTopicArn]: args.alertTopic.arn,
            ...(config.priceOverrides && { [ENV.priceOverrides]: config.priceOverrides }),
            ...(config.secretAllowlist && { [ENV.secretAllowlist]: config.secretAllowlist }),
            ...(config.secretFingerprintKey && { [ENV.secretFingerprintKey]: config.secretFingerprintKey }),
          },
        },
        // Text format: EMF metric lines must reach the log stream as bare JSON objects,
        // which the JSON log format would wrap in its own envelope.
        loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      },
      { ...parent, dependsOn: [policy, this.logGroup] },
    )

    this.alias = new aws.lambda.Alias(
      `${name}-${LIVE_ALIAS}`,
      { name: LIVE_ALIAS, functionName: this.function.name, functionVersion: this.function.version },
      parent,
    )

    // Pre-initialised instances on the alias: the first request after a quiet spell does
    // not pay the cold start. Must not exceed reserved concurrency (validated in config).
    if (config.provisionedConcurrency > 0) {
      new aws.lambda.ProvisionedConcurrencyConfig(
        `${name}-${LIVE_ALIAS}`,
        {
          functionName: this.function.name,
          qualifier: this.alias.name,
          provisionedConcurrentExecutions: config.provisionedConcurrency,
        },
        parent,
      )
    }

    // Auth NONE: the proxy token is the identity and the function checks it. No CORS:
    // Codex is not a browser, and browsers must not read the answers cross-origin.
    // RESPONSE_STREAM sends SSE events as the upstream produces them.
    this.url = new aws.lambda.FunctionUrl(
      `${name}-${LIVE_ALIAS}`,
      {
        functionName: this.function.name,
        qualifier: this.alias.name,
        authorizationType: 'NONE',
        invokeMode: 'RESPONSE_STREAM',
      },
      parent,
    )

    // A public Function URL needs both permissions since October 2025
    // (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). The AWS provider adds
    // them when it creates the URL but never removes them; declaring them here keeps the
    // public surface visible and owned. The InvokeFunction grant only holds for calls
    // that come through the Function URL, so the function cannot be invoked directly.
    new aws.lambda.Permission(
      `${name}-url-public`,
      {
        function: this.function.name,
        qualifier: this.alias.name,
        action: 'lambda:InvokeFunctionUrl',
        principal: '*',
        functionUrlAuthType: 'NONE',
      },
      { ...parent, dependsOn: [this.url] },
    )
    new aws.lambda.Permission(
      `${name}-url-invoke`,
      {
        function: this.function.name,
        qualifier: this.alias.name,
        action: 'lambda:InvokeFunction',
        principal: '*',
        invokedViaFunctionUrl: true,
      },
      { ...parent, dependsOn: [this.url] },
    )

    this.registerOutputs({
      functionName: this.function.name,
      aliasName: this.alias.name,
      functionUrl: this.url.functionUrl,
      secretArn: this.secret.arn,
      upstreamSecretArns: this.upstreamSecretArns(),
      logGroupName: this.logGroup.name,
    })
  }

  /** `{"<upstream id>": "<secret ARN>"}` as JSON (`{}` without a pool), for ops to set the values. */
  upstreamSecretArns(): pulumi.Output<string> {
    const ids = Object.keys(this.upstreamSecrets)
    return pulumi.all(ids.map((id) => this.upstreamSecrets[id]!.arn)).apply((arns) => JSON.stringify(Object.fromEntries(ids.map((id, i) => [id, arns[i]]))))
  }
}
