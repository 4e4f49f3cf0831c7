// Live probes of the proxy URL: it answers /healthz, and a request without a token gets
// the catalogue's 401 (proof that the function, not AWS, answers, and that it fails closed).
import { PROXY_ERRORS, type ProxyErrorBody } from '../../../../lambda/src/contracts/errors.js'
import { ENV } from '../../../../lambda/src/contracts/config.js'
import { STACK_OUTPUT } from '../../../../lambda/src/contracts/stack-outputs.js'
import { type CheckSpec, fail, pass } from './check.js'

const PROBE_TIMEOUT_MS = 10_000

/** Why a URL answered with a status other than the proxy's, in on-call terms. */
function statusHint(status: number, body: string): string {
  // The Function URL's own authorization layer answers 403 before the function runs when a
  // public URL lacks lambda:InvokeFunctionUrl or lambda:InvokeFunction (required for new URLs
  // since October 2025; https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
  if (status === 403 && /forbidden/i.test(body)) return 'the Function URL refuses public calls: both lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions are needed; `pulumi up` restores them'
  // The local host's own answer while its embedded store process is down (store-supervisor.ts).
  if (status === 503 && /"status":"degraded"/.test(body)) return 'the proxy reports its stores down (detail above); `serve` restarts its store process by itself — see the "Local stack is running" row'
  if (status === 429) return 'AWS throttled the probe (reserved concurrency in use): run `codex-proxy report throttles --since 1h`'
  if (status >= 500) return 'the function failed: look at its log group, and `codex-proxy check-origin "<body text>"`'
  return 'check that the URL points at codex-proxy (--url, or the functionUrl stack output)'
}

const snippet = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…` : text).replace(/\s+/g, ' ')

/** The rows these checks produce (also listed, not run, when the local stack is down). */
export const PROBE_CHECK_ROWS = [
  { id: 'healthz', check: 'Live probe: /healthz answers 200' },
  { id: 'auth-required', check: 'Live probe: no token gets 401 missing_authorization' },
] as const

export function probeChecks(proxyUrl: string | undefined): CheckSpec[] {
  const noUrl = fail('no proxy URL', `pass --url, set ${ENV.url}, or use --stack-outputs with "${STACK_OUTPUT.functionUrl}"`)
  const base = proxyUrl?.replace(/\/+$/, '')
  const unreachable = (err: Error) => `cannot reach ${base}: ${err.message}; check the URL and the network (a proxy, VPN or firewall)`
  return [
    {
      ...PROBE_CHECK_ROWS[0],
      async run() {
        if (!base) return noUrl
        const started = Date.now()
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
        const text = await res.text()
        const ms = Date.now() - started
        if (res.status !== 200) return fail(`${base}/healthz answered ${res.status}: ${snippet(text)}`, statusHint(res.status, text))
        let version = '?'
        try {
          version = (JSON.parse(text) as { version?: string }).version ?? '?'
        } catch {
          return fail(`${base}/healthz answered 200 but not JSON: ${snippet(text)}`, statusHint(200, text))
        }
        return pass(`200 from ${base}/healthz in ${ms} ms, proxy version ${version}`)
      },
      onError: unreachable,
    },
    {
      ...PROBE_CHECK_ROWS[1],
      async run() {
        if (!base) return noUrl
        const expected = PROXY_ERRORS.missing_authorization
        // A harmless GET without Authorization: the proxy must refuse it before forwarding.
        const res = await fetch(`${base}/v1/models`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
        const text = await res.text()
        let code: string | undefined
        try {
          code = (JSON.parse(text) as ProxyErrorBody).error?.code
        } catch {
          code = undefined
        }
        if (res.status === expected.status && code === 'missing_authorization') return pass(`${res.status} missing_authorization: "${expected.message}"`)
        if (res.status >= 200 && res.status < 300) {
          return fail(`${res.status}: a request without a token was answered`, 'URGENT: the URL does not point at codex-proxy, or its authentication is bypassed; take it offline and investigate')
        }
        return fail(`${res.status}${code ? ` ${code}` : ''}: ${snippet(text)}`, statusHint(res.status, text))
      },
      onError: unreachable,
    },
  ]
}
