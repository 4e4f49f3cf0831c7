// Entry of the Lambda bundle (`npm run build` → dist/lambda/index.mjs and its chunks/,
// handler `index.handler`). Composes the core (compose.ts) from environment configuration
// and AWS adapters: DynamoDB, S3 and Secrets Manager through signed HTTP without the SDK
// (stores/signed-http.ts). Module load builds the proxy and primes its request path with an
// in-process dry run (lambda-prime.ts), touching no network: provisioned concurrency runs
// it ahead of traffic; the first invocation starts the upstream key reads.
import { alertSinkFromEnv } from '../alerts/from-env.js'
import { ENV, LAMBDA_MAX_REQUEST_BYTES, parseBoolean, proxyConfigFromEnv } from '../contracts/config.js'
import { PROXY_VERSION } from '../contracts/version.js'
import { UPSTREAMS_ENV, upstreamPoolFromEnv } from '../contracts/upstreams.js'
import { createProxy, type Proxy, type ProxyDeps } from '../core/proxy.js'
import { upstreamPoolFactory } from '../core/upstreams/index.js'
import { composeProxyDeps } from '../compose.js'
import type { ProxyConfig } from '../contracts/config.js'
import { EmfMetrics } from '../observability/emf-metrics.js'
import { dynamoHttpFor } from '../stores/dynamo-http.js'
import { S3HttpObjectStore, s3Endpoint } from '../stores/s3-http.js'
import { SecretsManagerHttp } from '../stores/secrets-manager-http.js'
import { SecretsManagerKeySource } from '../stores/secrets-manager-key.js'
import { credentialsFromEnv, regionFromEnv } from '../stores/signed-http.js'
import { createStreamingHandler } from './lambda.js'
import { primeRequestPath } from './lambda-prime.js'

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set (the Pulumi program sets it)`)
  return value
}

let proxy: Proxy | undefined
let keys: SecretsManagerKeySource[] = []
let keysRequested = false
const metrics = new EmfMetrics()

function buildProxy(): { proxy: Proxy; deps: ProxyDeps; config: ProxyConfig; keys: SecretsManagerKeySource[] } {
  const env = process.env
  const config = proxyConfigFromEnv({ [ENV.maxRequestBytes]: String(LAMBDA_MAX_REQUEST_BYTES), ...env }, PROXY_VERSION)
  const region = regionFromEnv(env)
  const credentials = credentialsFromEnv(env)
  // Bounded waits: a slow store must fail closed (503) well inside the Lambda timeout
  // (DynamoDB: the hot path's HOT_PATH_LIMITS).
  const forcePathStyle = parseBoolean(ENV.s3ForcePathStyle, env[ENV.s3ForcePathStyle], false)
  // One Secrets Manager secret per upstream (the Pulumi program writes their ARNs into the
  // pool's env encoding); without a pool, the one secret of the single upstream.
  const secrets = new SecretsManagerHttp({ region, credentials, requestTimeoutMs: 5_000, maxAttempts: 3 })
  const names = { tokensTable: requiredEnv(ENV.tokensTable), usageTable: requiredEnv(ENV.usageTable), bucket: requiredEnv(ENV.bucket) }
  const keys: SecretsManagerKeySource[] = []
  const pool = upstreamPoolFromEnv(env, { upstreamUrl: config.upstreamUrl, secretArn: env[UPSTREAMS_ENV] ? undefined : requiredEnv(ENV.secretArn) })
  const deps = composeProxyDeps({
    config,
    env,
    dynamo: dynamoHttpFor({ region }),
    names,
    // The audit bucket through the lean S3 store (s3-http.ts): no SDK in the bundle for it.
    objects: new S3HttpObjectStore({ bucket: names.bucket, region, endpoint: s3Endpoint(region, env), forcePathStyle, credentials, requestTimeoutMs: 5_000, maxAttempts: 3 }),
    alerts: alertSinkFromEnv(env),
    // Unused: every upstream of the pool has its own key source.
    key: { get: async () => undefined },
    upstreams: upstreamPoolFactory(pool, (u) => {
      if (!u.secret_arn) return { get: async () => undefined }
      const key = new SecretsManagerKeySource(secrets, u.secret_arn)
      keys.push(key)
      return key
    }),
    writeFallbackLine: (line) => void process.stdout.write(`${line}\n`),
    metrics,
    log: (m) => console.error(m),
  })
  return { proxy: createProxy(deps), deps, config, keys }
}

function getProxy(): Proxy {
  if (!proxy) ({ proxy, keys } = buildProxy())
  // The first invocation asks for the upstream keys at once, so their Secrets Manager reads
  // run beside the request's token lookup instead of after admission. Not at init: under
  // provisioned concurrency the environment is frozen after init, and a read frozen in
  // flight would hold the first request until its timeout. A failed read is not cached
  // (the request's own read tries again).
  if (!keysRequested) {
    keysRequested = true
    for (const key of keys) void key.get().catch(() => {})
  }
  return proxy
}

export const handler = createStreamingHandler(getProxy, {
  afterInvocation: () => metrics.flush(),
  // Under a Lambda runtime only (not when a test imports this module): hold a fatal
  // error's exit until the records in flight are written (hosts/lambda.ts).
  processGuard: process.env.AWS_LAMBDA_RUNTIME_API ? process : undefined,
})

// Init: build the proxy now and run the dry request, so the first real request pays only
// its network calls (bench/lambda-lean-results.md). A failure here is logged and left to
// the first request, which builds the proxy again and answers as it always did (a bad
// configuration: 500 with the cause in the log), rather than failing the init phase.
try {
  const built = buildProxy()
  ;({ proxy, keys } = built)
  const primed = await primeRequestPath(built.deps, built.config)
  if (primed.status !== 200) console.error(`lambda init: the priming dry run answered ${primed.status}; the request path is only partly primed`)
} catch (err) {
  console.error(`lambda init: not primed: ${err instanceof Error ? err.message : String(err)}`)
}
