// The upstream pool contract: the config shape an operator writes (a local JSON file for
// `serve --upstreams FILE`, the Pulumi config key `upstreams`), its validation, and the
// one environment variable the Pulumi program writes and the Lambda reads.
//
//   {"upstreams": [
//     {"id": "oa-main", "url": "https://api.openai.com", "weight": 3, "org": "acme"},
//     {"id": "azure-se", "kind": "azure", "url": "https://acme-se.openai.azure.com",
//      "models": {"gpt-5": "gpt5-prod"}, "key_env": "AZURE_SE_KEY"}
//   ], "first_byte_timeout_ms": 30000}
//
// Keys never appear in this config: locally `key_env` names an environment variable; in
// AWS the Pulumi program creates one Secrets Manager secret per upstream and writes its ARN
// into `secret_arn` of the env encoding (the ARN is not a secret, the value is).
import { ConfigError, normaliseUpstreamUrl } from './config.js'
import { globToRegExp, modelPatternProblem } from './model-glob.js'

export const UPSTREAM_KINDS = ['openai', 'azure', 'anthropic', 'bedrock'] as const
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number]

/**
 * Kinds that take no key: Bedrock signs with the function's IAM role (locally: the AWS
 * credential chain), so it gets no secret, no key_env and no GetSecretValue grant.
 */
export const KEYLESS_KINDS: ReadonlySet<UpstreamKind> = new Set<UpstreamKind>(['bedrock'])

/** The environment variable holding the encoded pool (JSON of `UpstreamPoolConfig`). */
export const UPSTREAMS_ENV = 'CODEX_PROXY_UPSTREAMS'

/** Ids become metric dimensions, record values and secret names: keep them plain. */
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
const ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/
export const MAX_UPSTREAMS = 16
export const MAX_WEIGHT = 1000
/** Id of the pool of one built from `upstreamUrl` + the single key (the pre-pool setup). */
export const DEFAULT_UPSTREAM_ID = 'default'
/**
 * Default wait for a streamed response's headers before failing over. Streaming Responses
 * calls answer with headers (and `response.created`) at once, so 30 s of silence means
 * the upstream is stuck. Non-streamed calls may think for minutes before any byte: they
 * are bounded only by the whole-exchange timeout.
 */
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 30_000

/** One upstream after validation. */
export interface Upstream {
  id: string
  kind: UpstreamKind
  /** Base URL without `/v1` (the request path `/v1/…` is appended). */
  url: string
  /** Share of new sessions among the upstreams serving a model (1..1000). */
  weight: number
  /**
   * Models served: undefined = any. `patterns` are ids or globs. `rename` maps the model a
   * client asks for to the name this upstream knows (Azure: the deployment name).
   */
  models?: { patterns: string[]; rename?: Record<string, string> }
  /** Upstreams with the same org share encrypted reasoning and prompt caches; default: the id. */
  org: string
  /** Local hosts: the environment variable holding the key. */
  key_env?: string
  /** AWS: the Secrets Manager secret holding the key (written by the Pulumi program). */
  secret_arn?: string
  /** Bedrock: the AWS region (used by the Bedrock adapter). */
  region?: string
}

export interface UpstreamPoolConfig {
  upstreams: Upstream[]
  firstByteTimeoutMs: number
}

/** Where a pool's config is being read, for error messages ("upstreams[1].url: …"). */
export interface ParseUpstreamsOptions {
  /** Label of the source, e.g. the file name or `codex-proxy:upstreams`. */
  source: string
  /** Which key field is expected: `key_env` locally, `secret_arn` in the Lambda env, none in Pulumi config. */
  keys: 'key_env' | 'secret_arn' | 'none'
}

const KNOWN_FIELDS = new Set(['id', 'kind', 'url', 'weight', 'models', 'org', 'key_env', 'secret_arn', 'region'])

/**
 * Validates a pool (`{"upstreams":[…]}` parsed from JSON). Every problem is collected and
 * thrown together in one ConfigError, one per line, each naming its field.
 */
export function parseUpstreamPool(raw: unknown, options: ParseUpstreamsOptions): UpstreamPoolConfig {
  const problems: string[] = []
  const at = (path: string, message: string) => problems.push(`${options.source}: ${path}: ${message}`)
  if (!isObject(raw)) throw new ConfigError(`${options.source}: must be a JSON object {"upstreams": […]}`)
  for (const k of Object.keys(raw)) {
    if (k !== 'upstreams' && k !== 'first_byte_timeout_ms') at(k, 'unknown field (known: upstreams, first_byte_timeout_ms)')
  }
  let firstByteTimeoutMs = DEFAULT_FIRST_BYTE_TIMEOUT_MS
  if (raw.first_byte_timeout_ms !== undefined) {
    const n = raw.first_byte_timeout_ms
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 100 || n > 900_000) at('first_byte_timeout_ms', `must be an integer from 100 to 900000, got ${JSON.stringify(n)}`)
    else firstByteTimeoutMs = n
  }
  const list = raw.upstreams
  if (!Array.isArray(list) || list.length === 0) {
    at('upstreams', 'must be a non-empty array of upstreams')
    throw new ConfigError(problems.join('\n'))
  }
  if (list.length > MAX_UPSTREAMS) at('upstreams', `at most ${MAX_UPSTREAMS} upstreams, got ${list.length}`)
  const upstreams: Upstream[] = []
  const ids = new Set<string>()
  list.forEach((item: unknown, i) => {
    const u = parseUpstream(item, `upstreams[${i}]`, options, at)
    if (!u) return
    if (ids.has(u.id)) at(`upstreams[${i}].id`, `duplicate id "${u.id}"`)
    ids.add(u.id)
    upstreams.push(u)
  })
  if (problems.length) throw new ConfigError(problems.join('\n'))
  return { upstreams, firstByteTimeoutMs }
}

function parseUpstream(
  item: unknown,
  path: string,
  options: ParseUpstreamsOptions,
  at: (path: string, message: string) => void,
): Upstream | undefined {
  if (!isObject(item)) {
    at(path, 'must be an object {"id":…, "url":…}')
    return undefined
  }
  const before = { n: 0 }
  const problem = (field: string, message: string) => {
    before.n++
    at(`${path}.${field}`, message)
  }
  for (const k of Object.keys(item)) {
    if (k === 'key') problem(k, 'keys never go in this config: use key_env (local) or the per-upstream secret (AWS)')
    else if (!KNOWN_FIELDS.has(k)) problem(k, `unknown field (known: ${[...KNOWN_FIELDS].join(', ')})`)
  }

  const id = item.id
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) problem('id', `must be 1-40 characters of a-z 0-9 _ - starting with a letter or digit, got ${JSON.stringify(id)}`)

  const kind = item.kind ?? 'openai'
  if (typeof kind !== 'string' || !(UPSTREAM_KINDS as readonly string[]).includes(kind)) problem('kind', `must be one of ${UPSTREAM_KINDS.join(', ')}, got ${JSON.stringify(kind)}`)

  let url = ''
  if (typeof item.url !== 'string') problem('url', 'is required (base URL; /v1/… is appended)')
  else {
    try {
      url = normaliseUpstreamUrl(item.url)
      if (kind === 'azure') url = azureBaseUrl(url)
    } catch (err) {
      problem('url', (err as Error).message)
    }
  }

  const weight = item.weight ?? 1
  if (typeof weight !== 'number' || !Number.isSafeInteger(weight) || weight < 1 || weight > MAX_WEIGHT) problem('weight', `must be an integer from 1 to ${MAX_WEIGHT}, got ${JSON.stringify(weight)}`)

  const models = parseModels(item.models, (m) => problem('models', m))

  const org = item.org ?? id
  if (typeof org !== 'string' || org.length === 0 || org.length > 100) problem('org', `must be a non-empty string, got ${JSON.stringify(org)}`)

  const keyEnv = item.key_env
  if (keyEnv !== undefined && (typeof keyEnv !== 'string' || !ENV_NAME_PATTERN.test(keyEnv))) problem('key_env', `must be an environment variable name, got ${JSON.stringify(keyEnv)}`)
  const secretArn = item.secret_arn
  if (secretArn !== undefined && (typeof secretArn !== 'string' || !ARN_PATTERN.test(secretArn))) problem('secret_arn', 'must be a Secrets Manager secret ARN')
  if (options.keys !== 'key_env' && keyEnv !== undefined) problem('key_env', `is for local hosts (serve --upstreams); ${options.keys === 'none' ? 'the Pulumi program creates one secret per upstream' : 'the Lambda reads secret_arn'}`)
  if (options.keys !== 'secret_arn' && secretArn !== undefined) problem('secret_arn', 'is written by the Pulumi program, not by hand')

  const region = item.region
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))) problem('region', `must be an AWS region, got ${JSON.stringify(region)}`)

  if (before.n > 0) return undefined
  return {
    id: id as string,
    kind: kind as UpstreamKind,
    url,
    weight: weight as number,
    ...(models && { models }),
    org: org as string,
    ...(keyEnv !== undefined && { key_env: keyEnv as string }),
    ...(secretArn !== undefined && { secret_arn: secretArn as string }),
    ...(region !== undefined && { region: region as string }),
  }
}

function parseModels(raw: unknown, problem: (m: string) => void): Upstream['models'] {
  if (raw === undefined) return undefined
  if (Array.isArray(raw)) {
    if (raw.length === 0) problem('must not be empty (omit it to serve every model)')
    for (const p of raw) {
      const why = typeof p === 'string' ? modelPatternProblem(p) : 'each entry must be a string'
      if (why) problem(`${JSON.stringify(p)}: ${why}`)
    }
    return { patterns: raw.filter((p): p is string => typeof p === 'string') }
  }
  if (isObject(raw)) {
    const entries = Object.entries(raw)
    if (entries.length === 0) problem('must not be empty (omit it to serve every model)')
    const rename: Record<string, string> = {}
    for (const [model, target] of entries) {
      // A map names exact models: a glob cannot say which deployment serves it.
      const why = /[*?]/.test(model) ? 'a model → deployment map takes exact model ids, not globs' : modelPatternProblem(model)
      if (why) problem(`${JSON.stringify(model)}: ${why}`)
      if (typeof target !== 'string' || !/^[A-Za-z0-9._:/@+-]{1,200}$/.test(target)) problem(`${JSON.stringify(model)}: the deployment name must be a plain string, got ${JSON.stringify(target)}`)
      else rename[model] = target
    }
    return { patterns: Object.keys(rename), rename }
  }
  problem('must be a list of model ids/globs, or a map from model to deployment name')
  return undefined
}

/**
 * Azure OpenAI's v1 surface lives under `/openai/v1/…` on the resource host
 * (https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle, "v1 API"):
 * a bare resource URL gets `/openai`, so the proxy's `/v1/…` lands on the v1 surface.
 */
function azureBaseUrl(url: string): string {
  const u = new URL(url)
  return u.pathname === '/' || u.pathname === '' ? `${url}/openai` : url
}

/** Whether an upstream serves a model (undefined model: requests without one, e.g. GET /v1/models). */
export function servesModel(upstream: Upstream, model: string | null): boolean {
  if (!upstream.models || model === null) return true
  return upstream.models.patterns.some((p) => compiled(p).test(model))
}

// Patterns come from the config only (a bounded set): compiled once each, not per request.
const compiledGlobs = new Map<string, RegExp>()
function compiled(pattern: string): RegExp {
  let re = compiledGlobs.get(pattern)
  if (!re) compiledGlobs.set(pattern, (re = globToRegExp(pattern)))
  return re
}

/** The name the upstream knows a model by (Azure deployment), or the model itself. */
export function upstreamModelName(upstream: Upstream, model: string): string {
  return upstream.models?.rename?.[model] ?? model
}

/** Env encoding (Pulumi → Lambda): the validated pool as JSON, in the file format. */
export function upstreamPoolToEnv(pool: UpstreamPoolConfig): string {
  return JSON.stringify({
    upstreams: pool.upstreams.map((u) => ({
      id: u.id,
      kind: u.kind,
      url: u.url,
      weight: u.weight,
      ...(u.models && { models: u.models.rename ?? u.models.patterns }),
      org: u.org,
      ...(u.key_env !== undefined && { key_env: u.key_env }),
      ...(u.secret_arn !== undefined && { secret_arn: u.secret_arn }),
      ...(u.region !== undefined && { region: u.region }),
    })),
    first_byte_timeout_ms: pool.firstByteTimeoutMs,
  })
}

/**
 * The pool the Lambda runs with: the encoded pool when UPSTREAMS_ENV is set, else the
 * pool of one built from the single-upstream settings (upstream URL + the one secret).
 */
export function upstreamPoolFromEnv(
  env: Record<string, string | undefined>,
  single: { upstreamUrl: string; secretArn?: string | undefined },
): UpstreamPoolConfig {
  const encoded = env[UPSTREAMS_ENV]
  if (encoded === undefined || encoded === '') return poolOfOne(single.upstreamUrl, single.secretArn ? { secret_arn: single.secretArn } : {})
  let raw: unknown
  try {
    raw = JSON.parse(encoded)
  } catch (err) {
    throw new ConfigError(`${UPSTREAMS_ENV} is not valid JSON: ${(err as Error).message}`)
  }
  return parseUpstreamPool(raw, { source: UPSTREAMS_ENV, keys: 'secret_arn' })
}

/** The pre-pool setup as a pool: one OpenAI-compatible upstream. */
export function poolOfOne(url: string, key: { secret_arn?: string; key_env?: string } = {}): UpstreamPoolConfig {
  return {
    upstreams: [{ id: DEFAULT_UPSTREAM_ID, kind: 'openai', url: normaliseUpstreamUrl(url), weight: 1, org: DEFAULT_UPSTREAM_ID, ...key }],
    firstByteTimeoutMs: DEFAULT_FIRST_BYTE_TIMEOUT_MS,
  }
}

/** Reads a pool file's text (serve --upstreams FILE). */
export function parseUpstreamPoolText(text: string, source: string): UpstreamPoolConfig {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${source}: not valid JSON: ${(err as Error).message}`)
  }
  return parseUpstreamPool(raw, { source, keys: 'key_env' })
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
