// A Lambda Function URL event (payload format 2.0) → a fetch Request, checked field by
// field. The front end builds well-formed events, but anything that invokes the function
// directly (the console, `aws lambda invoke`, another service) can send any JSON; a bad
// event gets a reason of our own words (never an exception's text, never a value from
// the event) for a 400 `bad_request`.
// Payload 2.0: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
import type { LambdaFunctionURLEvent } from 'aws-lambda'

export type EventParse = { request: Request } | { invalid: string }

// RFC 9110 §5.6.2 token: what an HTTP method and a header name are made of.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Header and cookie values: no CR, LF or NUL (RFC 9110 §5.5); Headers.set enforces the same.
const FIELD_VALUE = /^[^\r\n\0]*$/
const HOST = /^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/

/** Padded base64, checked without a backtracking regex (a grouped pattern overflows V8's stack on MBs). */
function isBase64(s: string): boolean {
  if (s.length % 4 !== 0 || /[^A-Za-z0-9+/=]/.test(s)) return false
  const pad = s.indexOf('=')
  return pad < 0 || (pad >= s.length - 2 && (pad === s.length - 1 || s[s.length - 1] === '='))
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isAbsent = (v: unknown) => v === undefined || v === null

export function functionUrlEventToRequest(event: unknown, signal: AbortSignal): EventParse {
  const invalid = (what: string): EventParse => ({ invalid: `the Function URL event ${what}` })
  if (!isObject(event)) return invalid('is not a JSON object')
  const context = event.requestContext
  if (!isObject(context)) return invalid('has no requestContext object')
  const http = context.http
  if (!isObject(http)) return invalid('has no requestContext.http object')
  if (typeof http.method !== 'string' || !TOKEN.test(http.method)) return invalid('has no valid requestContext.http.method')
  const method = http.method.toUpperCase()
  const { rawPath, rawQueryString, headers: rawHeaders, cookies, body, isBase64Encoded } = event
  if (typeof rawPath !== 'string' || !rawPath.startsWith('/')) return invalid('has no rawPath starting with "/"')
  if (!isAbsent(rawQueryString) && typeof rawQueryString !== 'string') return invalid('has a rawQueryString that is not a string')
  if (!isAbsent(body) && typeof body !== 'string') return invalid('has a body that is not a string')
  if (!isAbsent(isBase64Encoded) && typeof isBase64Encoded !== 'boolean') return invalid('has an isBase64Encoded that is not a boolean')
  // Buffer.from skips what is not base64; a body that is not base64 is refused instead.
  if (isBase64Encoded === true && typeof body === 'string' && !isBase64(body)) return invalid('has a body that is not valid base64')
  const domain = context.domainName
  if (!isAbsent(domain) && (typeof domain !== 'string' || (domain !== '' && !HOST.test(domain)))) return invalid('has a requestContext.domainName that is not a host name')

  const headers = new Headers()
  if (!isAbsent(rawHeaders)) {
    if (!isObject(rawHeaders)) return invalid('has headers that are not an object')
    for (const [name, value] of Object.entries(rawHeaders)) {
      if (typeof value !== 'string') return invalid('has a header whose value is not a string')
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) return invalid('has a header with an invalid name or value')
      headers.set(name, value)
    }
  }
  // Payload 2.0 moves cookies out of the headers.
  if (!isAbsent(cookies)) {
    if (!Array.isArray(cookies) || !cookies.every((c): c is string => typeof c === 'string' && FIELD_VALUE.test(c))) {
      return invalid('has cookies that are not an array of strings')
    }
    if (cookies.length) headers.set('cookie', cookies.join('; '))
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, isBase64Encoded === true ? 'base64' : 'utf8') : undefined
  if (bytes) headers.set('content-length', String(bytes.byteLength))
  const host = typeof domain === 'string' && domain !== '' ? domain : 'lambda.local'
  const query = typeof rawQueryString === 'string' && rawQueryString !== '' ? `?${rawQueryString}` : ''
  try {
    return {
      request: new Request(`https://${host}${rawPath}${query}`, {
        method,
        headers,
        signal,
        ...(bytes && method !== 'GET' && method !== 'HEAD' && { body: bytes }),
      }),
    }
  } catch {
    // new Request refuses what the checks above let through only for exotic input
    // (e.g. a method such as CONNECT or TRACE).
    return invalid('cannot be turned into an HTTP request')
  }
}

/** The raw target (path and query, as sent) for the core's path checks. */
export function rawTarget(event: LambdaFunctionURLEvent): string {
  return `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`
}
