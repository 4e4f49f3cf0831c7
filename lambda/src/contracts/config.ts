// Configuration names and defaults shared by the proxy hosts, the ops CLI and the
// Pulumi program (which sets these environment variables on the Lambda function).
// The proxy's settings travel as environment variables through one pair of functions,
// proxyConfigToEnv (infra writes) and proxyConfigFromEnv (the Lambda reads).
import { DEFAULT_ENDPOINT_GROUPS, type EndpointGroup, parseEndpointGroups } from './endpoints.js'

export const ENV = {
  tokensTable: 'CODEX_PROXY_TABLE',
  usageTable: 'CODEX_PROXY_USAGE_TABLE',
  bucket: 'CODEX_PROXY_BUCKET',
  region: 'CODEX_PROXY_REGION',
  upstreamUrl: 'CODEX_PROXY_UPSTREAM_URL',
  /** Comma-separated endpoint groups the deployment forwards (contracts/endpoints.ts); default `codex`. */
  endpoints: 'CODEX_PROXY_ENDPOINTS',
  /** Deprecated alias: `true` means endpoints=codex (what it always meant). */
  strict: 'CODEX_PROXY_STRICT',
  /** Time budget of one request's secret scan (ms). */
  scanBudgetMs: 'CODEX_PROXY_SCAN_BUDGET_MS',
  upstreamTimeoutMs: 'CODEX_PROXY_UPSTREAM_TIMEOUT_MS',
  bodyCapBytes: 'CODEX_PROXY_BODY_CAP_BYTES',
  maxRequestBytes: 'CODEX_PROXY_MAX_REQUEST_BYTES',
  tokenCacheMs: 'CODEX_PROXY_TOKEN_CACHE_MS',
  secretArn: 'CODEX_PROXY_SECRET_ARN',
  secretScan: 'CODEX_PROXY_SECRET_SCAN',
  /** JSON `{"fingerprints":[…],"patterns":[…]}`: known test fixtures the scanner ignores. */
  secretAllowlist: 'CODEX_PROXY_SECRET_ALLOWLIST',
  /** HMAC key of finding fingerprints (a deployment secret; see lambda/src/secrets/README.md). */
  secretFingerprintKey: 'CODEX_PROXY_SECRET_FINGERPRINT_KEY',
  /** PII detectors (payment cards, IBAN, US SSN): a SecretScanMode of their own, `off` by default. */
  piiScan: 'CODEX_PROXY_PII_SCAN',
  dataDir: 'CODEX_PROXY_DATA_DIR',
  url: 'CODEX_PROXY_URL',
  stackOutputs: 'CODEX_PROXY_STACK_OUTPUTS',
  /** Negotiated prices: the override JSON itself (Lambda), or a path to it (local host). */
  priceOverrides: 'CODEX_PROXY_PRICE_OVERRIDES',
  priceOverridesFile: 'CODEX_PROXY_PRICE_OVERRIDES_FILE',
  /**
   * Firehose delivery stream of the metadata records (audit v2; infra/metadata-pipeline.ts). Unset:
   * metadata is written as JSON objects under `metadata/` in the audit bucket instead.
   */
  metadataStream: 'CODEX_PROXY_METADATA_STREAM',
  /** Budget alerts go to this SNS topic (the stack's alarm topic; the Pulumi program sets it). */
  alertTopicArn: 'CODEX_PROXY_ALERT_TOPIC_ARN',
  /** Budget alerts are POSTed as JSON to this URL (`serve --alert-webhook`; Slack incoming webhooks accept it). */
  alertWebhookUrl: 'CODEX_PROXY_ALERT_WEBHOOK_URL',
  /** Path-style S3 addressing, for S3-compatible stores (MinIO, s3rver) behind AWS_ENDPOINT_URL_S3. */
  s3ForcePathStyle: 'CODEX_PROXY_S3_FORCE_PATH_STYLE',
  /**
   * Local host with embedded stores: `direct` (default) keeps usage counters in serve's
   * process (written behind to the table) and writes audit objects straight into the data
   * directory; `store-api` sends both through the DynamoDB and S3 APIs of the store process.
   */
  localStoreWrites: 'CODEX_PROXY_LOCAL_STORE_WRITES',
} as const

/**
 * Names only the ops CLI reads (targets of `validate`, `report throttles`, Athena); the
 * proxy never does. The secret ARN reuses ENV.secretArn.
 */
export const CLI_ENV = {
  functionName: 'CODEX_PROXY_FUNCTION',
  aliasName: 'CODEX_PROXY_ALIAS',
  logGroup: 'CODEX_PROXY_LOG_GROUP',
  athenaWorkgroup: 'CODEX_PROXY_ATHENA_WORKGROUP',
  glueDatabase: 'CODEX_PROXY_GLUE_DATABASE',
  glueTable: 'CODEX_PROXY_GLUE_TABLE',
} as const

/** The variable the printed Codex setup stores the developer's proxy token in (env_key). */
export const CODEX_TOKEN_ENV_VAR = 'CODEX_PROXY_TOKEN'

const MiB = 1024 * 1024

export const DEFAULTS = {
  upstreamUrl: 'https://api.openai.com',
  /** Seed figure: the HTTP client timeout equals the Lambda timeout, 120 s. */
  upstreamTimeoutMs: 120_000,
  /** Bodies are kept whole in audit records up to this size (each). */
  bodyCapBytes: 10 * MiB,
  /**
   * Largest request body the local host accepts. Codex bodies with inline images reach
   * 10–20 MB; the Lambda host is capped lower by AWS (see LAMBDA_MAX_REQUEST_BYTES).
   */
  maxRequestBytes: 64 * MiB,
  /** How long a token lookup is cached: a disabled token stops working within this. */
  tokenCacheMs: 5_000,
  host: '127.0.0.1',
  port: 8787,
  endpoints: DEFAULT_ENDPOINT_GROUPS,
  /**
   * A request's secret scan may take this long; past it, block/redact refuse the request
   * (`scan_incomplete`) and flag forwards it recorded as unscanned. Linear-time rules scan
   * a 5 MB body in well under this on one Lambda vCPU share (bench/secret-scan-results.md).
   */
  scanBudgetMs: 2_000,
} as const

/** AWS Lambda refuses invocation payloads over 6 MB (synchronous invoke quota). */
export const LAMBDA_MAX_REQUEST_BYTES = 6 * MiB

/**
 * Secret-scan modes (SPEC "Secret detection"). The Lambda reads one from ENV.secretScan;
 * the Pulumi program validates its config against the same list.
 */
export const SECRET_SCAN_MODES = ['off', 'flag', 'redact', 'block'] as const
export type SecretScanMode = (typeof SECRET_SCAN_MODES)[number]
export const DEFAULT_SECRET_SCAN_MODE: SecretScanMode = 'flag'
/** PII scanning is opt-in: personal data in prompts is the deployment's policy to decide. */
export const DEFAULT_PII_SCAN_MODE: SecretScanMode = 'off'

export function parseSecretScanMode(name: string, raw: string | undefined, fallback: SecretScanMode): SecretScanMode {
  if (raw === undefined || raw === '') return fallback
  if ((SECRET_SCAN_MODES as readonly string[]).includes(raw)) return raw as SecretScanMode
  throw new ConfigError(`${name} must be one of ${SECRET_SCAN_MODES.join(', ')}, got "${raw}"`)
}

export interface ProxyConfig {
  /** Base URL of the upstream API, without `/v1` (the proxy appends the request path). */
  upstreamUrl: string
  /** Endpoint groups forwarded for every caller (teams and tokens may add groups). */
  endpoints: readonly EndpointGroup[]
  /** Time budget of one request's secret scan. */
  scanBudgetMs: number
  upstreamTimeoutMs: number
  bodyCapBytes: number
  maxRequestBytes: number
  tokenCacheMs: number
  /** Secret scanning of request bodies; tokens and teams may override it. */
  secretScanMode: SecretScanMode
  /** PII detectors (cards, IBAN, SSN): their own mode, deployment-wide, `off` by default. */
  piiScanMode: SecretScanMode
  /** Reported by /healthz and stamped on every record. */
  version: string
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function parsePositiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`)
  return n
}

export function parseBoolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

export function normaliseUpstreamUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(`upstream URL is not a valid URL: "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`upstream URL must be http(s): "${raw}"`)
  }
  if (url.search || url.hash) throw new ConfigError(`upstream URL must not carry a query or fragment: "${raw}"`)
  // The proxy appends `/v1/...`; accept a base that already ends in /v1 as a courtesy.
  return url.toString().replace(/\/+$/, '').replace(/\/v1$/, '')
}

/** Endpoint groups from ENV.endpoints, else the deprecated ENV.strict alias, else the default. */
export function parseEndpointsSetting(env: Record<string, string | undefined>): EndpointGroup[] {
  const raw = env[ENV.endpoints]
  if (raw !== undefined && raw !== '') {
    try {
      const groups = parseEndpointGroups(raw, ENV.endpoints)
      if (groups.length === 0) throw new ConfigError(`${ENV.endpoints} names no endpoint group`)
      return groups
    } catch (err) {
      throw err instanceof ConfigError ? err : new ConfigError((err as Error).message)
    }
  }
  parseBoolean(ENV.strict, env[ENV.strict], true) // still validated; both values now mean Codex-only
  return [...DEFAULTS.endpoints]
}

/** Proxy settings from environment variables (Lambda host), with defaults. */
export function proxyConfigFromEnv(env: Record<string, string | undefined>, version: string): ProxyConfig {
  return {
    upstreamUrl: normaliseUpstreamUrl(env[ENV.upstreamUrl] || DEFAULTS.upstreamUrl),
    endpoints: parseEndpointsSetting(env),
    scanBudgetMs: parsePositiveInt(ENV.scanBudgetMs, env[ENV.scanBudgetMs], DEFAULTS.scanBudgetMs),
    upstreamTimeoutMs: parsePositiveInt(ENV.upstreamTimeoutMs, env[ENV.upstreamTimeoutMs], DEFAULTS.upstreamTimeoutMs),
    bodyCapBytes: parsePositiveInt(ENV.bodyCapBytes, env[ENV.bodyCapBytes], DEFAULTS.bodyCapBytes),
    maxRequestBytes: parsePositiveInt(ENV.maxRequestBytes, env[ENV.maxRequestBytes], DEFAULTS.maxRequestBytes),
    tokenCacheMs: parsePositiveInt(ENV.tokenCacheMs, env[ENV.tokenCacheMs], DEFAULTS.tokenCacheMs),
    secretScanMode: parseSecretScanMode(ENV.secretScan, env[ENV.secretScan], DEFAULT_SECRET_SCAN_MODE),
    piiScanMode: parseSecretScanMode(ENV.piiScan, env[ENV.piiScan], DEFAULT_PII_SCAN_MODE),
    version,
  }
}


/** The environment that makes proxyConfigFromEnv return `config` (the Pulumi program writes it). */
export function proxyConfigToEnv(config: Omit<ProxyConfig, 'version'>): Record<string, string> {
  return {
    [ENV.upstreamUrl]: config.upstreamUrl,
    [ENV.endpoints]: config.endpoints.join(','),
    [ENV.scanBudgetMs]: String(config.scanBudgetMs),
    [ENV.upstreamTimeoutMs]: String(config.upstreamTimeoutMs),
    [ENV.bodyCapBytes]: String(config.bodyCapBytes),
    [ENV.maxRequestBytes]: String(config.maxRequestBytes),
    [ENV.tokenCacheMs]: String(config.tokenCacheMs),
    [ENV.secretScan]: config.secretScanMode,
    [ENV.piiScan]: config.piiScanMode,
  }
}

/** Defaults for every setting, the base that env and flags override (resolved once). */
export function defaultProxyConfig(version: string): ProxyConfig {
  return proxyConfigFromEnv({}, version)
}
