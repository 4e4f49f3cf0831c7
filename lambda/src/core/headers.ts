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

/** Request headers for the upstream call: client headers minus hop-by-hop and credentials. */
export function upstreamRequestHeaders(incoming: Headers, apiKey: string | undefined): Headers {
  const out = new Headers()
  incoming.forEach((value, name) => {
    // `x-codex-proxy-*` (the request tag) are for this proxy, not for the upstream.
    if (!NOT_FORWARDED.has(name) && !name.startsWith('proxy-') && !name.startsWith('x-codex-proxy-')) out.append(name, value)
  })
  if (apiKey) out.set('authorization', `Bearer ${apiKey}`)
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
