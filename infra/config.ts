// The stack's configuration, read and validated once. Every seed figure is a default
// here and is written out in Pulumi.prod.yaml; components receive the typed result and
// never read pulumi.Config themselves.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import * as pulumi from '@pulumi/pulumi'
import {
  DEFAULTS,
  DEFAULT_PII_SCAN_MODE,
  DEFAULT_SECRET_SCAN_MODE,
  SECRET_SCAN_MODES,
  normaliseUpstreamUrl,
  type SecretScanMode,
} from '../lambda/src/contracts/config.js'
import { parseUpstreamPool, upstreamPoolToEnv, type UpstreamPoolConfig } from '../lambda/src/contracts/upstreams.js'
import { ADAPTERS } from '../lambda/src/core/upstreams/adapters.js'
import { type EndpointGroup, parseEndpointGroups } from '../lambda/src/contracts/endpoints.js'
import { loadPriceOverrides } from '../lambda/src/pricing/index.js'
import { parseSecretAllowlist } from '../lambda/src/secrets/from-env.js'
import { createSecretScanner } from '../lambda/src/secrets/index.js'
import { ensureLambdaBundle } from './lambda-bundle.js'

/** The Lambda entry point that `npm run build` writes (esbuild, ESM): `<lambdaCodePath>/index.mjs`. */
export const LAMBDA_HANDLER = 'index.handler'
export const LAMBDA_ENTRY_FILE = 'index.mjs'

export const OBJECT_LOCK_MODES = ['off', 'governance', 'compliance'] as const
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number]

/**
 * Time the function keeps after the upstream deadline to finish the response and write
 * the audit record: Lambda stops the function at its timeout, and a record not written
 * by then is lost.
 */
export const AUDIT_HEADROOM_SECONDS = 10

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy, `retentionInDays`). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const

/** Config keys of the project namespace (`codex-proxy:<key>`) with their defaults. */
export const INFRA_DEFAULTS = {
  /** Seed: 120 s. Also bounds the upstream call (see upstreamTimeoutMs). */
  timeoutSeconds: 120,
  memoryMb: 512,
  reservedConcurrency: 25,
  /** On alias `live`; 0 turns provisioned concurrency off. */
  provisionedConcurrency: 2,
  logRetentionDays: 90,
  auditBodyCapBytes: DEFAULTS.bodyCapBytes,
  secretScanMode: DEFAULT_SECRET_SCAN_MODE,
  /** PII detectors (payment cards, IBAN, US SSN): off | flag | redact | block. */
  piiScanMode: DEFAULT_PII_SCAN_MODE,
  logsExpiryDays: 90,
  /** Metadata (usage analytics, no prompts) outlives the bodies by default. */
  metadataExpiryDays: 730,
  athenaResultsExpiryDays: 7,
  objectLockMode: 'off' as ObjectLockMode,
  /** Comma-separated endpoint groups forwarded (contracts/endpoints.ts); default-deny: Codex only. */
  endpoints: DEFAULTS.endpoints.join(','),
  upstreamUrl: DEFAULTS.upstreamUrl,
  tokenCacheMs: DEFAULTS.tokenCacheMs,
  lambdaCodePath: 'dist/lambda',
} as const

/** Keys without a fixed default: unset means "derived" (upstreamTimeoutMs, objectLockRetentionDays) or "none". */
export const OPTIONAL_KEYS = [
  'upstreamTimeoutMs',
  'objectLockRetentionDays',
  'alarmEmail',
  /** JSON of negotiated prices (lambda/src/pricing/overrides.ts format). */
  'priceOverrides',
  /** JSON `{"fingerprints":[…],"patterns":[…]}` of known test fixtures the secret scanner ignores. */
  'secretAllowlist',
  /** HMAC key of finding fingerprints; set with `pulumi config set --secret`. */
  'secretFingerprintKey',
  /** Deprecated alias kept for existing stacks: either value now means Codex only (see `endpoints`). */
  'strictMode',
  /**
   * JSON `{"upstreams":[…]}` (lambda/src/contracts/upstreams.ts, without keys): an upstream
   * pool, one Secrets Manager secret per upstream. Unset: the one upstream `upstreamUrl`.
   */
  'upstreams',
] as const

/**
 * Lambda allows 4 KB of environment variables in total
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the JSON
 * settings share it with the names the function needs.
 */
export const MAX_JSON_SETTING_BYTES = 2_500

export const CONFIG_KEYS = [...Object.keys(INFRA_DEFAULTS), ...OPTIONAL_KEYS] as (
  | keyof typeof INFRA_DEFAULTS
  | (typeof OPTIONAL_KEYS)[number]
)[]
export type ConfigKey = (typeof CONFIG_KEYS)[number]

export interface InfraConfig {
  project: string
  stack: string
  region: string
  timeoutSeconds: number
  memoryMb: number
  reservedConcurrency: number
  provisionedConcurrency: number
  logRetentionDays: number
  auditBodyCapBytes: number
  secretScanMode: SecretScanMode
  piiScanMode: SecretScanMode
  logsExpiryDays: number
  metadataExpiryDays: number
  athenaResultsExpiryDays: number
  /** Undefined when Object Lock is off. */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retentionDays: number }
  endpoints: EndpointGroup[]
  upstreamUrl: string
  upstreamTimeoutMs: number
  tokenCacheMs: number
  lambdaCodePath: string
  alarmEmail?: string
  /** Minified JSON, validated. */
  priceOverrides?: string
  secretAllowlist?: string
  /** A Pulumi secret (never in plain state); set by loadConfig, not by the pure parser. */
  secretFingerprintKey?: pulumi.Output<string>
  /** The upstream pool, validated; undefined = the single upstream `upstreamUrl`. */
  upstreams?: UpstreamPoolConfig
}

/** All problems found in the configuration, one per line; thrown before any resource exists. */
export class InfraConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'InfraConfigError'
  }
}

export interface RawInfraConfig extends Partial<Record<ConfigKey, string>> {
  project: string
  stack: string
  /** `aws:region`. */
  region?: string
}

export interface ParseOptions {
  /** Keys set in the project namespace that this program does not know (typos). */
  unknownKeys?: string[]
  /** Checks that the Lambda bundle exists (injected so tests need no build). */
  fileExists?: (path: string) => boolean
}

/** Validates raw config strings and applies the defaults. Pure: no Pulumi runtime needed. */
export function parseInfraConfig(raw: RawInfraConfig, options: ParseOptions = {}): InfraConfig {
  const problems: string[] = []
  const ns = raw.project
  const key = (k: string) => `${ns}:${k}`

  for (const unknown of options.unknownKeys ?? []) {
    problems.push(`unknown config key ${key(unknown)}; known keys: ${CONFIG_KEYS.join(', ')}`)
  }

  const int = (k: ConfigKey, fallback: number, min: number, max: number, why = ''): number => {
    const value = raw[k]
    if (value === undefined || value === '') return fallback
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`
      problems.push(`${key(k)} must be ${range}${why}, got "${value}"`)
      return fallback
    }
    return n
  }
  const oneOf = <T extends string>(k: ConfigKey, allowed: readonly T[], fallback: T): T => {
    const value = raw[k]
    if (value === undefined || value === '') return fallback
    if (!(allowed as readonly string[]).includes(value)) {
      problems.push(`${key(k)} must be one of ${allowed.join(' | ')}, got "${value}"`)
      return fallback
    }
    return value as T
  }
  const ANY = Number.MAX_SAFE_INTEGER

  const region = raw.region ?? ''
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push(
      region
        ? `aws:region does not look like an AWS region, got "${region}"`
        : 'aws:region is not set (pulumi config set aws:region us-east-1)',
    )
  }

  // Lambda quotas: timeout 1..900 s, memory 128..10240 MB
  // (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
  const timeoutSeconds = int('timeoutSeconds', INFRA_DEFAULTS.timeoutSeconds, 1, 900, ' (Lambda allows at most 900 s)')
  const memoryMb = int('memoryMb', INFRA_DEFAULTS.memoryMb, 128, 10_240, ' (Lambda memory range, MB)')
  const reservedConcurrency = int(
    'reservedConcurrency',
    INFRA_DEFAULTS.reservedConcurrency,
    1,
    ANY,
    ' (0 would throttle every request)',
  )
  const provisionedConcurrency = int('provisionedConcurrency', INFRA_DEFAULTS.provisionedConcurrency, 0, ANY)
  if (provisionedConcurrency > reservedConcurrency) {
    problems.push(
      `${key('provisionedConcurrency')} (${provisionedConcurrency}) must not exceed ${key('reservedConcurrency')} ` +
        `(${reservedConcurrency}): Lambda refuses provisioned concurrency above the function's reserved concurrency`,
    )
  }

  const logRetentionDays = int('logRetentionDays', INFRA_DEFAULTS.logRetentionDays, 1, 3653)
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problems.push(
      `${key('logRetentionDays')} must be a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')}), ` +
        `got "${raw.logRetentionDays}"`,
    )
  }

  const auditBodyCapBytes = int('auditBodyCapBytes', INFRA_DEFAULTS.auditBodyCapBytes, 1, ANY)
  const secretScanMode = oneOf('secretScanMode', SECRET_SCAN_MODES, INFRA_DEFAULTS.secretScanMode)
  const piiScanMode = oneOf('piiScanMode', SECRET_SCAN_MODES, INFRA_DEFAULTS.piiScanMode)
  const logsExpiryDays = int('logsExpiryDays', INFRA_DEFAULTS.logsExpiryDays, 1, ANY)
  const metadataExpiryDays = int('metadataExpiryDays', INFRA_DEFAULTS.metadataExpiryDays, 1, ANY)
  if (metadataExpiryDays < logsExpiryDays) {
    problems.push(
      `${key('metadataExpiryDays')} (${metadataExpiryDays}) must be at least ${key('logsExpiryDays')} (${logsExpiryDays}): ` +
        'a body whose metadata row is gone can no longer be found by its session, user or time',
    )
  }
  const athenaResultsExpiryDays = int('athenaResultsExpiryDays', INFRA_DEFAULTS.athenaResultsExpiryDays, 1, ANY)

  const objectLockMode = oneOf('objectLockMode', OBJECT_LOCK_MODES, INFRA_DEFAULTS.objectLockMode)
  const objectLockRetentionDays = int('objectLockRetentionDays', logsExpiryDays, 1, 36_500)
  if (objectLockMode === 'off' && raw.objectLockRetentionDays) {
    problems.push(`${key('objectLockRetentionDays')} is set but ${key('objectLockMode')} is off`)
  }

  if (raw.strictMode !== undefined && raw.strictMode !== '' && raw.strictMode !== 'true' && raw.strictMode !== 'false') {
    problems.push(`${key('strictMode')} must be true or false, got "${raw.strictMode}"`)
  }
  let endpoints: EndpointGroup[] = [...DEFAULTS.endpoints]
  try {
    if (raw.endpoints) endpoints = parseEndpointGroups(raw.endpoints, key('endpoints'))
    if (endpoints.length === 0) problems.push(`${key('endpoints')} names no endpoint group`)
  } catch (err) {
    problems.push((err as Error).message)
  }

  let upstreamUrl: string = INFRA_DEFAULTS.upstreamUrl
  try {
    upstreamUrl = normaliseUpstreamUrl(raw.upstreamUrl || INFRA_DEFAULTS.upstreamUrl)
  } catch (err) {
    problems.push(`${key('upstreamUrl')}: ${(err as Error).message}`)
  }

  const timeoutMs = timeoutSeconds * 1000
  const upstreamTimeoutMs = int(
    'upstreamTimeoutMs',
    Math.max(timeoutMs - AUDIT_HEADROOM_SECONDS * 1000, Math.ceil(timeoutMs / 2)),
    1,
    ANY,
  )
  if (upstreamTimeoutMs >= timeoutMs) {
    problems.push(
      `${key('upstreamTimeoutMs')} (${upstreamTimeoutMs}) must be less than the Lambda timeout (${timeoutMs} ms): ` +
        'the audit record is written after the upstream exchange, and Lambda stops the function at its timeout',
    )
  }
  const tokenCacheMs = int('tokenCacheMs', INFRA_DEFAULTS.tokenCacheMs, 1, ANY)

  const lambdaCodePath = raw.lambdaCodePath || INFRA_DEFAULTS.lambdaCodePath
  const entry = join(lambdaCodePath, LAMBDA_ENTRY_FILE)
  if (!(options.fileExists ?? existsSync)(entry)) {
    problems.push(`${key('lambdaCodePath')}: ${entry} not found; run \`npm run build\` first (it bundles the Lambda)`)
  }

  const alarmEmail = raw.alarmEmail || undefined
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    problems.push(`${key('alarmEmail')} must be an e-mail address, got "${alarmEmail}"`)
  }

  const jsonSetting = (k: 'priceOverrides' | 'secretAllowlist', validate: (text: string) => void): string | undefined => {
    const value = raw[k]
    if (value === undefined || value === '') return undefined
    let minified: string
    try {
      minified = JSON.stringify(JSON.parse(value))
      validate(value)
    } catch (err) {
      problems.push(`${key(k)}: ${(err as Error).message}`)
      return undefined
    }
    if (Buffer.byteLength(minified) > MAX_JSON_SETTING_BYTES) {
      problems.push(`${key(k)} is ${Buffer.byteLength(minified)} bytes; at most ${MAX_JSON_SETTING_BYTES} fit in the Lambda environment (4 KB in total)`)
    }
    return minified
  }
  const priceOverrides = jsonSetting('priceOverrides', (text) => void loadPriceOverrides(text))
  const secretAllowlist = jsonSetting('secretAllowlist', (text) => void createSecretScanner({ allowlist: parseSecretAllowlist(text)! }))

  const upstreams = parseUpstreamsSetting(raw.upstreams, key('upstreams'), problems)

  if (problems.length) throw new InfraConfigError(problems)

  return {
    project: raw.project,
    stack: raw.stack,
    region,
    timeoutSeconds,
    memoryMb,
    reservedConcurrency,
    provisionedConcurrency,
    logRetentionDays,
    auditBodyCapBytes,
    secretScanMode,
    piiScanMode,
    logsExpiryDays,
    metadataExpiryDays,
    athenaResultsExpiryDays,
    objectLock:
      objectLockMode === 'off'
        ? undefined
        : { mode: objectLockMode === 'governance' ? 'GOVERNANCE' : 'COMPLIANCE', retentionDays: objectLockRetentionDays },
    endpoints,
    upstreamUrl,
    upstreamTimeoutMs,
    tokenCacheMs,
    lambdaCodePath,
    alarmEmail,
    ...(priceOverrides && { priceOverrides }),
    ...(secretAllowlist && { secretAllowlist }),
    ...(upstreams && { upstreams }),
  }
}

/**
 * A realistic Secrets Manager ARN, for sizing the pool's env encoding before the secrets
 * exist (region and account at their longest usual lengths, name + AWS's 6-char suffix).
 */
const SIZING_ARN = (id: string) => `arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:codex-proxy-upstream-${id}-AbCdEf`

function parseUpstreamsSetting(value: string | undefined, name: string, problems: string[]): UpstreamPoolConfig | undefined {
  if (value === undefined || value === '') return undefined
  let pool: UpstreamPoolConfig
  try {
    pool = parseUpstreamPool(JSON.parse(value), { source: name, keys: 'none' })
  } catch (err) {
    problems.push(err instanceof SyntaxError ? `${name} is not valid JSON: ${err.message}` : (err as Error).message)
    return undefined
  }
  const before = problems.length
  for (const u of pool.upstreams) {
    if (!ADAPTERS[u.kind]) problems.push(`${name}: upstream ${u.id}: kind "${u.kind}" is not supported by this build (supported: ${Object.keys(ADAPTERS).join(', ')})`)
  }
  const encoded = upstreamPoolToEnv({ ...pool, upstreams: pool.upstreams.map((u) => ({ ...u, secret_arn: SIZING_ARN(u.id) })) })
  if (Buffer.byteLength(encoded) > MAX_JSON_SETTING_BYTES) {
    problems.push(`${name}: the pool takes about ${Buffer.byteLength(encoded)} bytes in the Lambda environment (with its secret ARNs); at most ${MAX_JSON_SETTING_BYTES} fit (4 KB in total)`)
  }
  return problems.length > before ? undefined : pool
}

/** Reads the stack's configuration from Pulumi and validates it. */
export function loadConfig(): InfraConfig {
  const config = new pulumi.Config()
  const raw: RawInfraConfig = {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    region: new pulumi.Config('aws').get('region'),
  }
  // The fingerprint key is read as a secret below, never as plain text.
  for (const k of CONFIG_KEYS) if (k !== 'secretFingerprintKey') raw[k] = config.get(k)
  const prefix = `${config.name}:`
  const unknownKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length))
    .filter((k) => !(CONFIG_KEYS as string[]).includes(k))
  // One command to deploy: the default bundle is (re)built here when missing or stale.
  ensureLambdaBundle(raw.lambdaCodePath || INFRA_DEFAULTS.lambdaCodePath)
  const parsed = parseInfraConfig(raw, { unknownKeys })
  const fingerprintKey = config.getSecret('secretFingerprintKey')
  return fingerprintKey ? { ...parsed, secretFingerprintKey: fingerprintKey } : parsed
}
