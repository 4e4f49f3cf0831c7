// Composition of the local host: embedded stores (or real AWS tables/bucket), the proxy
// core, and the node:http adapter. `codex-proxy serve` is a thin CLI over this.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProxyConfig } from '../contracts/config.js'
import { DEFAULTS, defaultProxyConfig, ENV, parseBoolean } from '../contracts/config.js'
import { TOKENS_TABLE, USAGE_TABLE } from '../contracts/tables.js'
import { PROXY_VERSION } from '../contracts/version.js'
import type { Metrics } from '../core/ports.js'
import { noMetrics } from '../core/ports.js'
import { WebhookAlertSink } from '../alerts/webhook-alert-sink.js'
import { composeProxyDeps } from '../compose.js'
import type { UpstreamPoolConfig } from '../contracts/upstreams.js'
import { createProxy } from '../core/proxy.js'
import { upstreamPoolFactory } from '../core/upstreams/index.js'
import { localPoolKeys } from './pool-keys.js'
import { type CloseOptions, type NodeServerOptions, type RunningNodeServer, startNodeServer } from '../hosts/node-server.js'
import { nodeUpstreamFetch } from '../hosts/node-upstream-fetch.js'
import { type AwsTarget, s3Client } from '../stores/aws-clients.js'
import { dynamoHttpFor, HOT_PATH_LIMITS } from '../stores/dynamo-http.js'
import { dynamoClient, dynamoDocumentClient, sdkDynamoWire } from '../stores/dynamo-sdk.js'
import { S3ObjectStore } from '../stores/s3-object-store.js'
import { TokenAdmin } from '../stores/token-admin.js'
import { DrainingAuditSink } from './draining-audit-sink.js'
import { DumpDirSink } from './dump-sink.js'
import type { RunningStores, StoreEndpoints } from './embedded-stores.js'
import { FALLBACK_FILE_NAME, fallbackLineWriter } from './fallback-file.js'
import { FileObjectStore } from './file-object-store.js'
import { ensureBucket, ensureTables, type StackNames } from './provision.js'
import { refuseIfRunning } from './early-stores.js'
import { removeStackFile, writeStackFile } from './stack-file.js'
import { type SupervisedStores, type SupervisorOptions, superviseStores } from './store-supervisor.js'
import { WorkerBodyScanner } from './worker-scanner.js'
import { WriteBehindCounterStore } from './write-behind-counter-store.js'

export const LOCAL_NAMES: StackNames = {
  tokensTable: TOKENS_TABLE.defaultName,
  usageTable: USAGE_TABLE.defaultName,
  bucket: 'codex-proxy-logs',
}

export interface LocalProxyOptions {
  host?: string
  port?: number
  dataDir: string
  upstreamUrl?: string
  apiKey?: string | undefined
  /** An upstream pool (serve --upstreams FILE); keys from each upstream's key_env in `env`. Wins over upstreamUrl/apiKey. */
  upstreams?: UpstreamPoolConfig
  dumpDir?: string | undefined
  onShutdownRequest?: (() => void) | undefined
  /** Use these AWS resources instead of the embedded stores. */
  aws?: (StackNames & { region?: string | undefined }) | undefined
  /** Overrides of proxy settings (timeouts, caps). */
  config?: Partial<ProxyConfig>
  /** Run the embedded stores in this process (tests) instead of a supervised child process. */
  storesInProcess?: boolean
  /** Restart backoff of the store child (defaults in store-supervisor.ts). */
  storeSupervision?: Pick<SupervisorOptions, 'initialDelayMs' | 'maxDelayMs' | 'stableAfterMs'>
  /** The store child already being started for dataDir (early-stores.ts): used instead of starting one. */
  startedStores?: Promise<SupervisedStores>
  /**
   * Use dynalite/s3rver-compatible servers already running at these endpoints (tests put
   * a fault relay in front of them): provisioned like the embedded ones, never stopped.
   */
  storeEndpoints?: StoreEndpoints
  /**
   * With embedded stores (not --aws, not storeEndpoints): `direct` keeps usage counters in
   * this process, written behind to the table, and writes audit objects straight into the
   * data directory; `store-api` sends both through the store process's APIs. Default: the
   * environment's ENV.localStoreWrites, else `direct`.
   */
  storeWrites?: LocalStoreWrites
  /** Write-behind delay of the in-process usage counters (default 100 ms; write-behind-counter-store.ts). */
  counterFlushIntervalMs?: number
  /** Per-attempt timeout of DynamoDB and S3 calls (default 3 s and 5 s). */
  storeRequestTimeoutMs?: number
  /** Slow-client limits and header size of the HTTP listener (defaults in node-server). */
  http?: Pick<NodeServerOptions, 'headersTimeoutMs' | 'requestTimeoutMs' | 'maxHeaderBytes' | 'timeoutCheckIntervalMs'>
  /** Grace period and record wait of close() (defaults in node-server: 10 s each). */
  shutdown?: CloseOptions
  metrics?: Metrics
  log?: (message: string) => void
  /** Budget alerts are POSTed to this URL (`serve --alert-webhook`); default ENV.alertWebhookUrl. */
  alertWebhook?: string | undefined
  /** Environment for settings without an option (price overrides); default process.env. */
  env?: Record<string, string | undefined>
}

export type LocalStoreWrites = 'direct' | 'store-api'
const STORE_WRITES: readonly LocalStoreWrites[] = ['direct', 'store-api']

export interface LocalProxy {
  url: string
  port: number
  names: StackNames
  target: AwsTarget
  admin: TokenAdmin
  server: RunningNodeServer
  /** The supervised store child process (absent with --aws, in-process or given stores). */
  storeProcess: SupervisedStores | undefined
  /** The in-process usage counters (storeWrites `direct` with embedded stores), else undefined. */
  counters: WriteBehindCounterStore | undefined
  /**
   * Graceful stop (SIGTERM, SIGINT, /shutdown): no new exchanges, the running ones get the
   * grace period, then every record is written (S3, else the fallback file and stderr),
   * then the stores close.
   */
  close(shutdown?: CloseOptions): Promise<ShutdownReport>
}

export interface ShutdownReport {
  /** Exchanges cut at the end of the grace period (each still has its record). */
  endedExchanges: number
  /** Records whose store write had not finished in time: written as fallback lines. */
  recordsToFallback: number
}

export async function startLocalProxy(options: LocalProxyOptions): Promise<LocalProxy> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`))
  const host = options.host ?? DEFAULTS.host
  // Checked before any store starts: a missing key_env variable is a startup error.
  const upstreams = options.upstreams && upstreamPoolFactory(options.upstreams, localPoolKeys(options.upstreams, options.env ?? process.env))
  const storeWrites = localStoreWrites(options)
  await mkdir(options.dataDir, { recursive: true })

  let stores: RunningStores | undefined
  let supervised: SupervisedStores | undefined
  let target: AwsTarget
  let names: StackNames
  if (options.aws) {
    names = { tokensTable: options.aws.tokensTable, usageTable: options.aws.usageTable, bucket: options.aws.bucket }
    const env = options.env ?? process.env
    target = { region: options.aws.region, forcePathStyle: parseBoolean(ENV.s3ForcePathStyle, env[ENV.s3ForcePathStyle], false) }
  } else if (options.storeEndpoints) {
    stores = { ...options.storeEndpoints, close: async () => {} }
    names = LOCAL_NAMES
    target = { local: options.storeEndpoints }
  } else {
    // dynalite and s3rver load only here: normally they run in the store child, and
    // importing them would cost serve ~1.3 MB of modules at start and in memory.
    if (options.startedStores) stores = supervised = await options.startedStores
    else {
      await refuseIfRunning(options.dataDir)
      if (options.storesInProcess) stores = await (await import('./embedded-stores.js')).startStoreServers({ dataDir: options.dataDir, host: '127.0.0.1' })
      else stores = supervised = await superviseStores({ dataDir: options.dataDir, log, ...(options.metrics && { metrics: options.metrics }), ...options.storeSupervision })
    }
    names = LOCAL_NAMES
    target = { local: { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint } }
  }

  try {
    // Bounded waits, as in Lambda: a hung table must fail closed (503), not hold requests.
    const dynamoLimits = { ...HOT_PATH_LIMITS, ...(options.storeRequestTimeoutMs !== undefined && { requestTimeoutMs: options.storeRequestTimeoutMs }) }
    const sdk = dynamoClient({ ...target, ...dynamoLimits })
    const doc = dynamoDocumentClient(target, sdk)
    // The embedded stores get the lean client the Lambda uses; a deployed stack (--aws)
    // keeps the SDK, whose credential chain knows the developer's profiles and SSO.
    const dynamo = target.local ? dynamoHttpFor(target, dynamoLimits) : sdkDynamoWire(sdk)
    const s3 = s3Client({ ...target, maxAttempts: 3, requestTimeoutMs: options.storeRequestTimeoutMs ?? 5_000 })
    if (stores) {
      await Promise.all([ensureTables(sdk, names), ensureBucket(s3, names.bucket)])
    }
    const metrics = options.metrics ?? noMetrics
    // Embedded stores that this process owns (their data directory is ours): counters and
    // audit objects skip the store process's APIs (write-behind-counter-store.ts,
    // file-object-store.ts). Given endpoints (fault tests) and --aws keep the API paths.
    const direct = storeWrites === 'direct' && !options.aws && !options.storeEndpoints
    const counters = direct ? new WriteBehindCounterStore(dynamo, names.usageTable, { metrics, log, ...(options.counterFlushIntervalMs !== undefined && { flushIntervalMs: options.counterFlushIntervalMs }) }) : undefined
    // Locally the "log stream" is stderr plus a file next to the stores.
    const writeFallbackLine = fallbackLineWriter(join(options.dataDir, FALLBACK_FILE_NAME))
    const apiKey = options.apiKey
    const settingsEnv = options.env ?? process.env
    const alertWebhook = options.alertWebhook ?? settingsEnv[ENV.alertWebhookUrl]
    const fallbackFingerprintKey = await localFingerprintKey(options.dataDir)
    let scanner: WorkerBodyScanner | undefined
    const deps = composeProxyDeps({
      config: { ...defaultProxyConfig(PROXY_VERSION), ...options.config, ...(options.upstreamUrl && { upstreamUrl: options.upstreamUrl }) },
      env: settingsEnv,
      dynamo,
      names,
      ...(counters && { counters }),
      // s3rver ignores If-None-Match on PUT (lambda/src/stores/s3-object-store.ts).
      objects: direct ? new FileObjectStore(join(options.dataDir, 's3'), names.bucket) : new S3ObjectStore(s3, names.bucket, target.local ? 'head-then-put' : 'if-none-match'),
      key: { get: async () => apiKey },
      ...(upstreams && { upstreams }),
      writeFallbackLine,
      ...(options.dumpDir && { extraSinks: [new DumpDirSink(options.dumpDir)] }),
      fallbackFingerprintKey,
      // Large bodies are scanned in worker threads: one body cannot stall other requests.
      runScanner: (s, scannerEnv) => (scanner = new WorkerBodyScanner(s, { env: scannerEnv, fallbackFingerprintKey })),
      ...(alertWebhook && { alerts: new WebhookAlertSink(alertWebhook) }),
      metrics,
      log,
      ...(supervised && { health: () => supervised.health() }),
    })
    // At shutdown, records whose store write is still running become fallback lines
    // before the stores close (draining-audit-sink.ts).
    const audit = new DrainingAuditSink(deps.audit, writeFallbackLine, metrics)
    // Upstream calls over node:http on a kept-alive agent rather than undici's fetch: the
    // relay was the core's largest CPU share (bench/relay-results.md).
    const relay = nodeUpstreamFetch()
    const proxy = createProxy({ ...deps, audit, fetch: relay })
    const server = await startNodeServer(proxy, {
      host,
      port: options.port ?? DEFAULTS.port,
      onShutdownRequest: options.onShutdownRequest,
      ...options.http,
    })
    if (stores) {
      await writeStackFile(options.dataDir, {
        pid: process.pid,
        url: server.url,
        dynamodb_endpoint: stores.dynamodbEndpoint,
        s3_endpoint: stores.s3Endpoint,
        tokens_table: names.tokensTable,
        usage_table: names.usageTable,
        bucket: names.bucket,
        started_at: new Date().toISOString(),
        version: PROXY_VERSION,
      })
    }
    let closing: Promise<ShutdownReport> | undefined
    return {
      url: server.url,
      port: server.port,
      names,
      target,
      admin: new TokenAdmin(doc, names.tokensTable),
      server,
      storeProcess: supervised,
      counters,
      close: (shutdown) =>
        (closing ??= (async () => {
          // Order matters: every record is produced and written (or turned into a fallback
          // line) before the stores go away.
          const { endedExchanges } = await server.close({ ...options.shutdown, ...shutdown })
          const recordsToFallback = audit.abandon()
          // The counters' last changes reach the table while it is still there.
          await counters?.close()
          relay.close()
          await scanner?.close()
          if (stores) {
            await removeStackFile(options.dataDir)
            await stores.close()
          }
          return { endedExchanges, recordsToFallback }
        })()),
    }
  } catch (err) {
    await stores?.close()
    throw err
  }
}

function localStoreWrites(options: LocalProxyOptions): LocalStoreWrites {
  const value = options.storeWrites ?? (options.env ?? process.env)[ENV.localStoreWrites] ?? 'direct'
  if (!(STORE_WRITES as readonly string[]).includes(value)) {
    throw new Error(`${ENV.localStoreWrites} must be one of ${STORE_WRITES.join(', ')} (got ${JSON.stringify(value)})`)
  }
  return value as LocalStoreWrites
}

/**
 * The local host's fingerprint key: random, kept in the data directory (0600) so that
 * fingerprints stay comparable across restarts without being guessable.
 */
async function localFingerprintKey(dataDir: string): Promise<string> {
  const file = join(dataDir, 'fingerprint.key')
  const existing = await readFile(file, 'utf8').catch(() => '')
  if (existing.trim()) return existing.trim()
  const key = randomBytes(32).toString('base64url')
  await writeFile(file, `${key}\n`, { mode: 0o600 })
  return key
}
