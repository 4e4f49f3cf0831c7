// The audit record contract. One record per proxied request, gzip JSON in S3.
//
// The field table below is the single definition: the TypeScript type is inferred
// from it, and the Pulumi program generates the Glue table columns from it, so the
// Athena schema can never drift from what the proxy writes.

export type Scalar = 'string' | 'int' | 'bigint' | 'double' | 'boolean'
export type FieldType =
  | Scalar
  | { map: 'string' }
  | { struct: Record<string, Scalar> }
  | { array: Record<string, Scalar> }

export interface FieldSpec {
  type: FieldType
  /** Null allowed (absent information), as opposed to a default value. */
  nullable: boolean
  doc: string
}

const f = <T extends FieldType, N extends boolean>(type: T, nullable: N, doc: string) => ({ type, nullable, doc })

export const AUDIT_RECORD_FIELDS = {
  request_id: f('string', false, 'Proxy request id (ULID); also the x-codex-proxy-request-id header and the S3 object name.'),
  timestamp: f('string', false, 'Request start, ISO-8601 UTC.'),
  proxy_version: f('string', false, 'Version of the proxy that wrote the record.'),
  user_id: f('string', true, 'Owner of the proxy token; null when authentication failed.'),
  team: f('string', true, 'Team of the token, if any.'),
  token_id: f('string', true, 'Short non-secret token identifier (tok_…).'),
  method: f('string', false, 'HTTP method.'),
  path: f('string', false, 'Normalised path (with /v1), without query string.'),
  query: f('string', true, 'Raw query string without the leading ?, if any.'),
  model: f('string', true, 'Model named in the request body.'),
  response_model: f('string', true, 'Model the upstream reported in its response.'),
  stream: f('boolean', true, 'Whether the request asked for a streamed response.'),
  status: f('int', false, 'HTTP status returned to the client.'),
  origin: f('string', false, '`upstream` when the status/body came from the upstream API, `proxy` when the proxy produced it.'),
  error_code: f('string', true, 'Catalogue code of a proxy-generated error.'),
  upstream_error: f('string', true, 'Why the upstream exchange failed or ended early (timeout, reset mid-stream, …).'),
  client_aborted: f('boolean', false, 'The client went away before the response was complete.'),
  latency_ms: f('int', false, 'Request start to end of response body.'),
  ttfb_ms: f('int', true, 'Request start to the first upstream body byte.'),
  usage_status: f('string', false, '`reported` (usage from upstream), `missing` (expected but absent, e.g. stream cut), `none` (no usage applies).'),
  input_tokens: f('bigint', true, 'Input tokens, including cached ones (upstream usage).'),
  cached_input_tokens: f('bigint', true, 'Cached input tokens (upstream usage).'),
  cache_write_input_tokens: f('bigint', true, 'Input tokens written to the prompt cache (Claude; part of input_tokens, priced apart); null when the upstream does not report them (OpenAI).'),
  output_tokens: f('bigint', true, 'Output tokens, including reasoning ones (upstream usage).'),
  reasoning_tokens: f('bigint', true, 'Reasoning tokens (upstream usage).'),
  total_tokens: f('bigint', true, 'Total tokens (upstream usage).'),
  cost_usd: f('double', true, 'Cost from the price table; null when usage or price is unknown.'),
  client: f(
    {
      struct: {
        originator: 'string',
        user_agent: 'string',
        session_id: 'string',
        thread_id: 'string',
        client_request_id: 'string',
        turn_id: 'string',
        window_id: 'string',
        request_kind: 'string',
      },
    },
    false,
    'Client ids: originator, user-agent, session/thread ids, x-client-request-id (= session id in Codex 0.169), turn/window id and request kind (x-codex-turn-metadata, x-openai-subagent).',
  ),
  request_headers: f({ map: 'string' }, false, 'Request headers as received, credentials redacted.'),
  response_headers: f({ map: 'string' }, true, 'Response headers as returned, cookies redacted.'),
  request_body: f('string', true, 'Request body (UTF-8), up to the body cap; secrets redacted.'),
  response_body: f('string', true, 'Response body (raw SSE text for streams), up to the body cap.'),
  request_body_bytes: f('bigint', true, 'Full request body size in bytes.'),
  response_body_bytes: f('bigint', true, 'Full response body size in bytes.'),
  truncated: f(
    { struct: { request_body: 'boolean', response_body: 'boolean' } },
    false,
    'Whether a stored body was cut at the cap.',
  ),
  secret_scan: f(
    'string',
    true,
    'Secret scan of the request body: `clean`, `findings`, `skipped` (a body the scanner cannot read, flag mode only), `incomplete` (time budget ran out, flag mode only); null when scanning is off.',
  ),
  secret_findings: f(
    { array: { rule_id: 'string', location: 'string', offset: 'int', fingerprint: 'string' } },
    false,
    'Secret scanner findings: rule, JSON location (or `response_body` for a redaction in the stored response), offset and a short hash; never the matched text.',
  ),
  // Upstream pool (lambda/src/core/upstreams/).
  upstream_id: f('string', true, 'Id of the upstream (pool member) whose answer the client got; null when none answered.'),
  upstream_attempts: f(
    { array: { upstream_id: 'string', status: 'int', error: 'string', ms: 'int', stripped_reasoning: 'int' } },
    false,
    'Every try at an upstream in order: its id, HTTP status (0 = no answer), why it failed ("" = answered), ms to response headers, encrypted reasoning items dropped from the input for it (a move to another account).',
  ),
  // Translating upstreams (Claude on Anthropic or Bedrock, lambda/src/providers/anthropic/):
  // request_body/response_body are what Codex sent and got (Responses API); these are
  // the other side of the translation.
  upstream_request_body: f('string', true, 'Body sent to a translating upstream (Claude Messages request), up to the body cap; secrets redacted. Null when the upstream got the client body.'),
  upstream_response_body: f('string', true, "The translating upstream's raw stream (Anthropic SSE; for Bedrock the SSE of its event-stream chunks), up to the body cap."),
} as const satisfies Record<string, FieldSpec>

type ScalarTs<S extends Scalar> = S extends 'string' ? string : S extends 'boolean' ? boolean : number
type FieldTs<T extends FieldType> = T extends Scalar
  ? ScalarTs<T>
  : T extends { map: 'string' }
    ? Record<string, string>
    : T extends { struct: infer S extends Record<string, Scalar> }
      ? { [K in keyof S]: ScalarTs<S[K]> | null }
      : T extends { array: infer S extends Record<string, Scalar> }
        ? { [K in keyof S]: ScalarTs<S[K]> }[]
        : never
/** The TypeScript shape of a record defined by a field table (this one, or the metadata's). */
export type RecordOf<Fields extends Record<string, { type: FieldType; nullable: boolean }>> = {
  -readonly [K in keyof Fields]: Fields[K]['nullable'] extends true
    ? FieldTs<Fields[K]['type']> | null
    : FieldTs<Fields[K]['type']>
}
export type AuditRecord = RecordOf<typeof AUDIT_RECORD_FIELDS>

export type SecretFinding = AuditRecord['secret_findings'][number]
export type UsageStatus = 'reported' | 'missing' | 'none'

/** Hive/Glue type string of a field (used to generate the Glue table columns). */
export function glueType(type: FieldType): string {
  if (typeof type === 'string') return type
  if ('map' in type) return `map<string,${type.map}>`
  const inner = (s: Record<string, Scalar>) =>
    Object.entries(s)
      .map(([k, v]) => `${k}:${v}`)
      .join(',')
  if ('struct' in type) return `struct<${inner(type.struct)}>`
  return `array<struct<${inner(type.array)}>>`
}

export const AUDIT_RECORD_FIELD_NAMES = Object.keys(AUDIT_RECORD_FIELDS) as (keyof AuditRecord)[]

/**
 * Prefix of the log line that carries a record whose S3 write failed:
 * `CODEX_PROXY_AUDIT_FALLBACK {"reason":…,"fallback_truncated":…,"record":{…}}`.
 */
export const AUDIT_FALLBACK_MARKER = 'CODEX_PROXY_AUDIT_FALLBACK'
