// Header handling: what is forwarded upstream, what is returned, what is recorded.

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those the HTTP stack sets itself. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'host',
  'content-length',
  // Credentials: the proxy token travels in one of these; the real key is set anew.
  'authorization',
  'api-key',
  'x-api-key',
])

/** Headers whose values never reach a record, a dump or a log. */
const REDACTED = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'api-key',
  'x-api-key',
  'openai-api-key',
  'x-amz-security-token',
])
export const REDACTED_VALUE = '[REDACTED]'

export function isRedactedHeader(name: string): boolean {
  const lower = name.toLowerCase()
  // Custom credential headers (`x-auth-token`, `x-my-api-key`) too; `x-ratelimit-*-tokens`
  // are counters and stay readable.
  return REDACTED.has(lower) || /cookie|auth|secret|password|(^|-)(api-?key|token)$/.test(lower)
}

/**
 * Request headers forwarded upstream: an explicit set (default-deny), because a header
 * list that strips known credential names forwards every credential it does not know
 * (`x-openai-key`, `bearer`, `x-credential`: trust issue, finding 7). These are what
 * Codex CLI 0.169 and the OpenAI SDKs send (NOTES.md, "Headers Codex sends"). Not
 * forwarded on purpose: `openai-organization` / `openai-project` (the proxy chooses the
 * account), cookies, and the proxy's own `x-codex-proxy-*` headers.
 */
const FORWARDED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-type',
  'user-agent',
  'originator',
  'session-id',
  'session_id',
  'thread-id',
  'thread_id',
  'conversation_id',
  'x-client-request-id',
  'x-openai-subagent',
  'openai-beta',
  'idempotency-key',
  'traceparent',
  'tracestate',
])
const FORWARDED_REQUEST_PREFIXES = ['x-codex-', 'x-stainless-'] as const

export function isForwardedRequestHeader(name: string): boolean {
  const lower = name.toLowerCase()
  if (lower.startsWith('x-codex-proxy-')) return false
  return FORWARDED_REQUEST_HEADERS.has(lower) || FORWARDED_REQUEST_PREFIXES.some((p) => lower.startsWith(p))
}

/** Request headers for the upstream call: the forwarded set, then the upstream's credential. */
export function upstreamRequestHeaders(incoming: Headers, apiKey: string | undefined): Headers {
  const out = new Headers()
  incoming.forEach((value, name) => {
    if (isForwardedRequestHeader(name)) out.append(name, value)
  })
  if (apiKey) out.set('authorization', `Bearer ${apiKey}`)
  return out
}

/** Not forwarded but harmless and useful to on-call, so recorded verbatim. */
const RECORDED_DIAGNOSTIC_HEADERS = new Set([
  'host',
  'content-length',
  'content-encoding',
  'accept-encoding',
  'connection',
  'expect',
  'via',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-amzn-trace-id',
])

/**
 * Request headers for records and dumps: names always, values only of forwarded and
 * diagnostic headers that are not credentials; any other value may be a credential the
 * client put in an unexpected place, so it is recorded as `[REDACTED]`.
 */
export function recordedRequestHeaders(headers: Headers, clean: (value: string) => string = (v) => v): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    const readable = !isRedactedHeader(name) && (isForwardedRequestHeader(name) || RECORDED_DIAGNOSTIC_HEADERS.has(name))
    out[name] = readable ? clean(value) : REDACTED_VALUE
  })
  return out
}

/**
 * Response headers for the client. `fetch` has already decoded any content-encoding,
 * so the encoding and length headers no longer describe the body we send.
 */
export function clientResponseHeaders(upstream: Headers, requestId: string): Headers {
  const out = new Headers()
  upstream.forEach((value, name) => {
    if (NOT_FORWARDED.has(name) || name === 'content-encoding') return
    if (name === 'set-cookie') return // appended below, one header per cookie
    out.append(name, value)
  })
  for (const cookie of upstream.getSetCookie()) out.append('set-cookie', cookie)
  out.set(REQUEST_ID_HEADER, requestId)
  return out
}

export const REQUEST_ID_HEADER = 'x-codex-proxy-request-id'

/** A plain object of headers for records and dumps, with credentials redacted. */
export function redactedHeaderMap(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    out[name] = isRedactedHeader(name) ? REDACTED_VALUE : value
  })
  return out
}
