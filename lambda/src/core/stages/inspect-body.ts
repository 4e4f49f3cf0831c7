// Stage 4: read the request body once, bounded, and take the facts the controls need
// (model, stream, n, max_output_tokens, previous_response_id).
//
// Inspect or refuse (SPEC): when a control depends on the body — a model allow-list, a
// hard budget, a secret scan in redact or block mode — a body the proxy cannot read is
// refused with a clear 4xx instead of being forwarded unchecked: a content type other than
// JSON on a JSON endpoint (415), an undecodable content-encoding (415), invalid JSON, or a
// field of the wrong type (400). Without such a control the body is forwarded as received.
import { contentCodings, decodeBody } from '../body-decoding.js'
import type { Exchange } from '../exchange.js'
import { hasHardBudget } from '../governance/budget-scope.js'
import { allowListsOf } from '../governance/model-policy.js'
import { type Refusal, refuse } from '../refusal.js'
import { BodyTooLargeError, readBodyWithLimit } from '../request-body.js'
import { effectiveScanMode } from '../secret-scan.js'
import type { StageEnv } from '../stage-env.js'

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i
const TEXT_TYPE = /^text\/[\w.+-]+\s*(;|$)/i
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Why the body must be readable, or undefined when no control reads it. */
export function controlReadingBody(ex: Exchange, env: StageEnv): string | undefined {
  const caller = ex.caller!
  if (allowListsOf(caller).length > 0) return 'a model allow-list applies'
  if (hasHardBudget(caller, ex.tag?.policy)) return 'a budget applies'
  const mode = effectiveScanMode(caller, env.config.secretScanMode)
  if (env.scanner && (mode === 'redact' || mode === 'block')) return `secret scanning is in ${mode} mode`
  return undefined
}

export async function inspectBody(ex: Exchange, env: StageEnv, request: Request): Promise<Refusal | undefined> {
  if (ex.method === 'GET' || ex.method === 'HEAD') return undefined
  let raw: Uint8Array
  try {
    raw = await readBodyWithLimit(request, env.config.maxRequestBytes)
  } catch (err) {
    if (err instanceof BodyTooLargeError) return refuse('request_too_large', `limit is ${err.limit} bytes`)
    if (request.signal.aborted) ex.clientAborted = true
    return refuse('bad_request', request.signal.aborted ? 'client went away while sending the body' : 'the request body could not be read')
  }
  ex.requestBodyBytes = raw.byteLength
  if (raw.byteLength === 0) {
    ex.body = raw
    return undefined
  }
  const needs = controlReadingBody(ex, env)
  const unreadable = (code: 'unsupported_media_type' | 'invalid_body', detail: string) => (needs ? refuse(code, `${detail}; the proxy must read it because ${needs}`) : undefined)

  const codings = contentCodings(ex.requestHeaders.get('content-encoding'))
  if (codings.length > 0) {
    const decoded = await decodeBody(raw, codings, env.config.maxRequestBytes)
    if (!decoded.ok) {
      if (decoded.reason === 'too-large') return refuse('request_too_large', decoded.detail)
      ex.body = raw
      ex.forwardContentEncoding = codings.join(', ')
      return unreadable('unsupported_media_type', decoded.detail)
    }
    raw = decoded.bytes
  }
  ex.body = raw

  const contentType = ex.requestHeaders.get('content-type')
  const isJson = contentType !== null && JSON_TYPE.test(contentType)
  if (ex.endpoint!.body !== 'json' || !isJson) {
    if (isJson || (contentType !== null && TEXT_TYPE.test(contentType))) ex.bodyText = lenientText(raw)
    return ex.endpoint!.body === 'json' ? unreadable('unsupported_media_type', `content-type ${contentType ?? '(none)'} on a JSON endpoint; send application/json`) : undefined
  }

  let text: string
  try {
    text = strictUtf8.decode(raw)
  } catch {
    ex.bodyText = lenientText(raw)
    return unreadable('invalid_body', 'the body is not valid UTF-8')
  }
  ex.bodyText = text
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return unreadable('invalid_body', 'the body is not valid JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return unreadable('invalid_body', 'the body is not a JSON object')
  ex.json = parsed as Record<string, unknown>
  const problem = takeBodyFacts(ex, ex.json)
  return problem ? unreadable('invalid_body', problem) : undefined
}

const lenient = new TextDecoder()
const lenientText = (bytes: Uint8Array) => lenient.decode(bytes)

/**
 * Reads the fields the controls use; returns what is wrong with the first bad one. Valid
 * fields are taken even when another is bad (without a control, the upstream answers).
 */
export function takeBodyFacts(ex: Exchange, o: Record<string, unknown>): string | undefined {
  const problems: string[] = []
  const field = <T>(name: string, ok: (v: unknown) => v is T, want: string, take: (v: T) => void) => {
    const v = o[name]
    if (v === undefined || v === null) return
    if (ok(v)) take(v)
    else problems.push(`"${name}" must be ${want}`)
  }
  const isString = (v: unknown): v is string => typeof v === 'string'
  const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0
  field('model', isString, 'a string', (v) => (ex.model = v))
  field('stream', isBool, 'true or false', (v) => (ex.stream = v))
  field('n', isCount, 'a positive integer', (v) => (ex.choices = v))
  field('previous_response_id', isString, 'a string', (v) => (ex.previousResponseId = v))
  for (const name of ['max_output_tokens', 'max_completion_tokens', 'max_tokens']) {
    field(name, isCount, 'a positive integer', (v) => (ex.maxOutputTokens ??= v))
  }
  return problems[0]
}
