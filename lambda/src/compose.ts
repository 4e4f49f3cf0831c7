// The composition root: the proxy's dependencies built the same way for both hosts. The
// Lambda entry (hosts/lambda-entry.ts) and the local host (local/local-proxy.ts) pass what
// differs — the store transports, the key source, where fallback lines go, how the
// scanner runs — and get a proxy.
import type { AlertSink, AuditSink, BodyScanner, CounterStore, HealthCheck, KeySource, Metrics } from './core/ports.js'
import { createProxy, type Proxy, type ProxyDeps } from './core/proxy.js'
import type { UpstreamPoolFactory } from './core/upstreams/index.js'
import { inlineBodyScanner } from './core/scanners.js'
import { pricerFromEnv } from './pricing/from-env.js'
import type { SecretScanner } from './secrets/index.js'
import { secretScannerFromEnv } from './secrets/from-env.js'
import { DynamoCounterStore } from './stores/dynamo-counter-store.js'
import type { DynamoWire } from './stores/dynamo-wire.js'
import { DynamoTokenStore } from './stores/dynamo-token-store.js'
import { ResilientAuditSink } from './stores/resilient-audit-sink.js'
import { BodyWriter } from './bodies/body-writer.js'
import type { ObjectStore } from './bodies/object-store.js'
import { ENV, type ProxyConfig } from './contracts/config.js'
import { AuditStoreSink } from './stores/audit-store-sink.js'
import { credentialsFromEnv } from './stores/dynamo-http.js'
import { FirehoseHttp } from './stores/firehose-http.js'
import { FirehoseMetadataSink, type MetadataSink, ObjectMetadataSink } from './stores/metadata-sinks.js'
import { TeeAuditSink } from './stores/tee-audit-sink.js'

export interface ProxyWiring {
  config: ProxyConfig
  /** Settings without a ProxyConfig field: price overrides, the scanner allow-list and key. */
  env: Record<string, string | undefined>
  dynamo: DynamoWire
  /** The write-once store of the audit bucket (bodies, blocks, metadata objects): each host picks its transport. */
  objects: ObjectStore
  names: { tokensTable: string; usageTable: string; bucket: string }
  /** The usage counters; default DynamoDB conditional updates over `dynamo` (the local host keeps them in process). */
  counters?: CounterStore
  key: KeySource
  /** The upstream pool with its key sources; without one, `key` and config.upstreamUrl. */
  upstreams?: UpstreamPoolFactory
  /** Where a record goes when S3 fails: the log stream (Lambda), stderr and a file (local). */
  writeFallbackLine: (line: string) => void
  /** Best-effort extra copies of each record (dump files). */
  extraSinks?: AuditSink[]
  /** Fingerprint key when the environment sets none (local: kept in the data directory). */
  fallbackFingerprintKey?: string
  /** How the scanner runs; default in the calling thread. */
  runScanner?: (scanner: SecretScanner, scannerEnv: Record<string, string | undefined>) => BodyScanner
  health?: HealthCheck
  /** Where budget alerts go: the alarm SNS topic (Lambda), a webhook (`serve --alert-webhook`). */
  alerts?: AlertSink | undefined
  metrics: Metrics
  log: (message: string) => void
}

export function composeProxyDeps(w: ProxyWiring): ProxyDeps {
  const storeSink = auditStoreSink(w)
  const primary = w.extraSinks?.length ? new TeeAuditSink(storeSink, w.extraSinks, w.log) : storeSink
  // The PII detectors run when the resolved config's PII mode (env or flag) is not off.
  // Only the scanner's own settings: this environment is also handed to the local host's
  // worker threads, which have no business holding the process's other variables (keys).
  const scannerEnv = {
    [ENV.secretAllowlist]: w.env[ENV.secretAllowlist],
    [ENV.secretFingerprintKey]: w.env[ENV.secretFingerprintKey],
    [ENV.piiScan]: w.config.piiScanMode,
  }
  const scanner = secretScannerFromEnv(scannerEnv, w.fallbackFingerprintKey)
  return {
    config: w.config,
    tokens: new DynamoTokenStore(w.dynamo, w.names.tokensTable),
    counters: w.counters ?? new DynamoCounterStore(w.dynamo, w.names.usageTable),
    pricer: pricerFromEnv(w.env),
    scanner: w.runScanner ? w.runScanner(scanner, scannerEnv) : inlineBodyScanner(scanner),
    audit: new ResilientAuditSink(primary, w.writeFallbackLine, w.metrics),
    key: w.key,
    ...(w.upstreams && { upstreams: w.upstreams }),
    metrics: w.metrics,
    log: w.log,
    ...(w.health && { health: w.health }),
    ...(w.alerts && { alerts: w.alerts }),
  }
}

export function composeProxy(w: ProxyWiring): Proxy {
  return createProxy(composeProxyDeps(w))
}

/**
 * Audit v2 (contracts/audit-bodies.ts): bodies into the audit bucket, content-addressed;
 * metadata through Firehose to Parquet when the environment names a stream (the Pulumi
 * program does), else as JSON objects under metadata/ in the same bucket (local host).
 * The body writer lives as long as the host: its session state makes each warm turn a delta.
 */
export function auditStoreSink(w: Pick<ProxyWiring, 'objects' | 'env'>): AuditStoreSink {
  const objects = w.objects
  const stream = w.env[ENV.metadataStream]
  const region = w.env.AWS_REGION
  const metadata: MetadataSink =
    stream && region
      ? new FirehoseMetadataSink(new FirehoseHttp({ region, credentials: credentialsFromEnv(w.env as NodeJS.ProcessEnv), requestTimeoutMs: 5_000, maxAttempts: 3 }), stream)
      : new ObjectMetadataSink(objects)
  return new AuditStoreSink(new BodyWriter(objects), metadata)
}
