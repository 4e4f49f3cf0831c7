// Entry of the Lambda bundle (`npm run build` → dist/lambda/index.mjs, handler
// `index.handler`). Composes the core from environment configuration and AWS adapters.
// Module load only constructs clients (no network): provisioned concurrency runs it
// ahead of traffic, and the first request reads the key.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { ENV, LAMBDA_MAX_REQUEST_BYTES, parseBoolean, proxyConfigFromEnv } from '../contracts/config.js'
import { PROXY_VERSION } from '../contracts/version.js'
import { UPSTREAMS_ENV, upstreamPoolFromEnv } from '../contracts/upstreams.js'
import { createProxy, type Proxy } from '../core/proxy.js'
import { upstreamPoolFactory } from '../core/upstreams/index.js'
import { EmfMetrics } from '../observability/emf-metrics.js'
import { s3Client } from '../stores/aws-clients.js'
import { pricerFromEnv } from '../pricing/from-env.js'
import { secretScannerFromEnv } from '../secrets/from-env.js'
import { DynamoCounterStore } from '../stores/dynamo-counter-store.js'
import { dynamoHttpFor } from '../stores/dynamo-http.js'
import { DynamoTokenStore } from '../stores/dynamo-token-store.js'
import { ResilientAuditSink } from '../stores/resilient-audit-sink.js'
import { S3AuditSink } from '../stores/s3-audit-sink.js'
import { SecretsManagerKeySource } from '../stores/secrets-manager-key.js'
import { createStreamingHandler } from './lambda.js'

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set (the Pulumi program sets it)`)
  return value
}

let proxy: Proxy | undefined
const metrics = new EmfMetrics()

function buildProxy(): Proxy {
  const config = proxyConfigFromEnv(
    { [ENV.maxRequestBytes]: String(LAMBDA_MAX_REQUEST_BYTES), ...process.env },
    PROXY_VERSION,
  )
  const region = process.env.AWS_REGION
  // Bounded waits: a slow store must fail closed (503) well inside the Lambda timeout
  // (DynamoDB: the hot path's HOT_PATH_LIMITS).
  const dynamo = dynamoHttpFor({ region })
  const forcePathStyle = parseBoolean(ENV.s3ForcePathStyle, process.env[ENV.s3ForcePathStyle], false)
  const s3 = s3Client({ region, requestTimeoutMs: 5_000, maxAttempts: 3, forcePathStyle })
  // One Secrets Manager secret per upstream (the Pulumi program writes their ARNs into the
  // pool's env encoding); without a pool, the one secret of the single upstream.
  const secretsClient = new SecretsManagerClient({ region })
  const pool = upstreamPoolFromEnv(process.env, { upstreamUrl: config.upstreamUrl, secretArn: process.env[UPSTREAMS_ENV] ? undefined : requiredEnv(ENV.secretArn) })
  const upstreams = upstreamPoolFactory(pool, (u) => (u.secret_arn ? new SecretsManagerKeySource(secretsClient, u.secret_arn) : { get: async () => undefined }))
  return createProxy({
    config,
    tokens: new DynamoTokenStore(dynamo, requiredEnv(ENV.tokensTable)),
    counters: new DynamoCounterStore(dynamo, requiredEnv(ENV.usageTable)),
    pricer: pricerFromEnv(process.env),
    secretScanner: secretScannerFromEnv(process.env),
    audit: new ResilientAuditSink(new S3AuditSink(s3, requiredEnv(ENV.bucket)), (line) => void process.stdout.write(`${line}\n`), metrics),
    key: { get: async () => undefined }, // unused: every upstream has its key source in the pool
    upstreams,
    metrics,
  })
}

export const handler = createStreamingHandler(() => (proxy ??= buildProxy()), { afterInvocation: () => metrics.flush() })
