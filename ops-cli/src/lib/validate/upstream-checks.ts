// One `validate` row per upstream of the pool: `GET /v1/models` with that upstream's own
// key, through the same adapter the proxy uses (so Azure gets its v1 path and api-key
// header). The pool comes from the deployed function's environment (its env encoding, the
// one the proxy reads) or, locally, from the file given to `serve --upstreams`. Keys are
// read into memory for the probe and never printed.
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { DEFAULTS, ENV } from '../../../../lambda/src/contracts/config.js'
import { parseUpstreamPoolText, type Upstream, type UpstreamPoolConfig, upstreamPoolFromEnv } from '../../../../lambda/src/contracts/upstreams.js'
import { isRefusal } from '../../../../lambda/src/core/upstreams/adapter.js'
import { ADAPTERS } from '../../../../lambda/src/core/upstreams/adapters.js'
import { describeUpstreamError } from '../../../../lambda/src/core/upstream-errors.js'
import { type CheckSpec, fail, pass } from './check.js'

const PROBE_TIMEOUT_MS = 10_000

export interface UpstreamProbeSource {
  pool: UpstreamPoolConfig
  /** Where the pool was read, for the row's detail. */
  from: string
  key(upstream: Upstream): Promise<string | undefined>
  /** How to set an upstream's key, for a 401's hint. */
  keyHint(upstream: Upstream): string
}

/** The pool the deployed function runs with, keys from its Secrets Manager secrets. */
export async function deployedUpstreams(lambda: LambdaClient, secrets: SecretsManagerClient, functionName: string): Promise<UpstreamProbeSource> {
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
  const env = config.Environment?.Variables ?? {}
  const pool = upstreamPoolFromEnv(env, { upstreamUrl: env[ENV.upstreamUrl] || DEFAULTS.upstreamUrl, secretArn: env[ENV.secretArn] })
  return {
    pool,
    from: `the environment of ${functionName}`,
    async key(u) {
      if (!u.secret_arn) return undefined
      const value = await secrets.send(new GetSecretValueCommand({ SecretId: u.secret_arn }))
      return value.SecretString?.trim() || undefined
    },
    keyHint: (u) => `put the right key: aws secretsmanager put-secret-value --secret-id ${u.secret_arn ?? '<secret>'} --secret-string "$KEY"`,
  }
}

/** The pool of a `serve --upstreams FILE`, keys from each upstream's key_env. */
export function localUpstreams(text: string, file: string, env: Record<string, string | undefined>): UpstreamProbeSource {
  const pool = parseUpstreamPoolText(text, file)
  return {
    pool,
    from: file,
    key: async (u) => (u.key_env ? env[u.key_env]?.trim() || undefined : undefined),
    keyHint: (u) => (u.key_env ? `set ${u.key_env} to the right key (the variable serve reads)` : 'give the upstream a key_env'),
  }
}

export function upstreamChecks(source: UpstreamProbeSource, fetchImpl: typeof fetch = fetch): CheckSpec[] {
  return source.pool.upstreams.map((u) => ({
    id: `upstream:${u.id}`,
    check: `Upstream ${u.id} (${u.kind}) answers GET /v1/models with its key`,
    async run() {
      const adapter = ADAPTERS[u.kind]
      if (!adapter) return fail(`no adapter for kind ${u.kind} in this build`, 'upgrade codex-proxy, or remove the upstream')
      const key = await source.key(u)
      if (u.key_env !== undefined || u.secret_arn !== undefined) {
        if (!key) return fail('its key is not set', source.keyHint(u))
      }
      const call = adapter.prepare({ method: 'GET', path: '/v1/models', query: null, headers: new Headers(), body: undefined, json: undefined, model: null }, u, key)
      if (isRefusal(call)) return fail(`the ${u.kind} adapter refused the probe: ${call.refusal.detail ?? call.refusal.code}`, u.kind === 'bedrock' ? 'check it with a Codex request on one of its models (the runtime endpoint has no model list)' : 'report this as a bug')
      const started = Date.now()
      let res: Response
      try {
        res = await (adapter.send ? adapter.send(call, AbortSignal.timeout(PROBE_TIMEOUT_MS)) : fetchImpl(call.url, { method: call.method, headers: call.headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }))
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError'
        return fail(`${call.url}: ${describeUpstreamError(err, timedOut, PROBE_TIMEOUT_MS)}`, `check the url of ${u.id} in ${source.from} and the network`)
      }
      const text = await res.text()
      const ms = Date.now() - started
      if (res.ok) {
        let count = '?'
        try {
          const data = (JSON.parse(text) as { data?: unknown[] }).data
          if (Array.isArray(data)) count = String(data.length)
        } catch {
          // A 200 that is not the list still proves key and URL.
        }
        return pass(`200 from ${call.url} in ${ms} ms, ${count} models`)
      }
      return fail(`${res.status} from ${call.url}: ${errorMessage(text)}`, statusHint(res.status, u, source))
    },
  }))
}

function errorMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    if (typeof message === 'string') return message.slice(0, 160)
  } catch {
    // not JSON
  }
  return text.slice(0, 160).replace(/\s+/g, ' ')
}

function statusHint(status: number, u: Upstream, source: UpstreamProbeSource): string {
  if (status === 401 || status === 403) return `the key was refused: ${source.keyHint(u)}`
  if (status === 404) return u.kind === 'azure' ? 'check the url: an Azure resource is https://RESOURCE.openai.azure.com (the proxy adds /openai/v1)' : `check the url of ${u.id} (the proxy appends /v1/…)`
  if (status === 429) return 'rate-limited or out of quota: check the account limits and billing'
  return `the upstream failed: check its status page; the proxy fails over from ${u.id} meanwhile`
}
