// Entry of the Lambda bundle (`npm run build` → dist/lambda/index.mjs, handler
// `index.handler`). Composes the core from environment configuration and AWS adapters.
// Module load only constructs clients (no network): provisioned concurrency runs it
// ahead of traffic, and the first request reads the key.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { ENV, LAMBDA_MAX_REQUEST_BYTES, parseBoolean, proxyConfigFromEnv } from '../contracts/config.js'
import { PROXY_VERSION } from '../contracts/version.js'
import { createProxy, type Proxy } from '../core/proxy.js'
import { EmfMetrics } from '../observability/emf-metrics.js'
import { s3Client } from '../stores/aws-clients.js'
import { pricerFromEnv } from '../pricing/from-env.js'
import { secretScannerFromEnv } from '../secrets/from-env.js'
import { DynamoCounterStore } from '../stores/dynamo-counter-store.js'
import { dynamoHttpFor } from '../stores/dynamo-http.js'
import { DynamoTokenStore } from '../stores/dynamo-token-store.js'
import { ResilientAuditSink } from '../stores/resilient-audit-sink.js'
import { BodyWriter } from '../bodies/body-writer.js'
import { AuditStoreSink } from '../stores/audit-store-sink.js'
import { credentialsFromEnv } from '../stores/dynamo-http.js'
import { FirehoseHttp } from '../stores/firehose-http.js'
import { FirehoseMetadataSink, type MetadataSink, ObjectMetadataSink } from '../stores/metadata-sinks.js'
import { S3ObjectStore } from '../stores/s3-object-store.js'
import { SecretsManagerKeySource } from '../stores/secrets-manager-key.js'
import { createStreamingHandler } from './lambda.js'

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set (the Pulumi program sets it)`)
  return value
}

/**
 * Audit v2: bodies into the audit bucket (content-addressed, conditional writes), metadata
 * through Firehose to Parquet when the stack names a stream, else as JSON objects beside
 * the bodies. The body writer lives as long as the instance: its session state makes
 * each warm turn a delta.
 */
function auditStoreSink(s3: ReturnType<typeof s3Client>, region: string | undefined): AuditStoreSink {
  const objects = new S3ObjectStore(s3, requiredEnv(ENV.bucket), 'if-none-match')
  const stream = process.env[ENV.metadataStream]
  const metadata: MetadataSink =
    stream && region
      ? new FirehoseMetadataSink(new FirehoseHttp({ region, credentials: credentialsFromEnv(), requestTimeoutMs: 5_000, maxAttempts: 3 }), stream)
      : new ObjectMetadataSink(objects)
  return new AuditStoreSink(new BodyWriter(objects), metadata)
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
  return createProxy({
    config,
    tokens: new DynamoTokenStore(dynamo, requiredEnv(ENV.tokensTable)),
    counters: new DynamoCounterStore(dynamo, requiredEnv(ENV.usageTable)),
    pricer: pricerFromEnv(process.env),
    secretScanner: secretScannerFromEnv(process.env),
    audit: new ResilientAuditSink(auditStoreSink(s3, region), (line) => void process.stdout.write(`${line}\n`), metrics),
    key: new SecretsManagerKeySource(new SecretsManagerClient({ region }), requiredEnv(ENV.secretArn)),
    metrics,
  })
}

export const handler = createStreamingHandler(() => (proxy ??= buildProxy()), { afterInvocation: () => metrics.flush() })
