// Anthropic errors in the shapes Codex understands.
//
// Anthropic error body: {"type":"error","error":{"type":"overloaded_error","message":"…"}}
// (https://docs.anthropic.com/en/api/errors): HTTP errors carry it as the body; during a
// stream it arrives as an `error` event after a 200. Codex reads OpenAI's shape
// `{"error":{"message","type","code"}}` for HTTP errors, and `response.failed` with
// `response.error = {code, message}` in a stream; codes it treats specially
// (openai/codex codex-rs/codex-api/src/sse/responses.rs): `context_length_exceeded` (stops,
// tells the user to compact), `insufficient_quota`, `rate_limit_exceeded` (retries after
// "try again in Ns"); any other failed response is retried.

export interface OpenAIError {
  message: string
  type: string
  code: string
}

const CODE_BY_TYPE: Record<string, string> = {
  overloaded_error: 'server_is_overloaded',
  api_error: 'server_error',
  rate_limit_error: 'rate_limit_exceeded',
  authentication_error: 'invalid_api_key',
  permission_error: 'permission_denied',
  not_found_error: 'model_not_found',
  request_too_large: 'request_too_large',
  invalid_request_error: 'invalid_request_error',
  billing_error: 'insufficient_quota',
  timeout_error: 'server_error',
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Anthropic's error object (from a body or an `error` event) → OpenAI's. */
export function openAIErrorFromAnthropic(raw: unknown, fallbackMessage: string): OpenAIError {
  const err = isObject(raw) && isObject(raw.error) ? raw.error : isObject(raw) ? raw : {}
  const type = typeof err.type === 'string' ? err.type : 'api_error'
  const message = typeof err.message === 'string' && err.message.length > 0 ? err.message : fallbackMessage
  // "prompt is too long: 212345 tokens > 200000 maximum" is Claude's context overflow.
  if (type === 'invalid_request_error' && /prompt is too long|exceeds? the (maximum )?context/i.test(message)) {
    return { message: `anthropic: ${message}`, type: 'invalid_request_error', code: 'context_length_exceeded' }
  }
  // A thinking block Claude will not verify (carried from another account or from Bedrock
  // to Anthropic): the same situation as OpenAI's foreign encrypted reasoning, and named
  // the same, so the upstream pool resends without the reasoning items (thinking then
  // stays off for that one turn).
  if (type === 'invalid_request_error' && /invalid .?signature.? in .?thinking|redacted_thinking/i.test(message)) {
    return { message: `anthropic: ${message}`, type: 'invalid_request_error', code: 'invalid_encrypted_content' }
  }
  return { message: `anthropic: ${message}`, type: type === 'invalid_request_error' ? 'invalid_request_error' : type, code: CODE_BY_TYPE[type] ?? type }
}

/** Bedrock's exception names (ConverseStream/InvokeModelWithResponseStream) → Anthropic error types. */
export function anthropicTypeOfBedrockError(name: string): string {
  switch (name) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return 'rate_limit_error'
    case 'ModelNotReadyException':
    case 'ServiceUnavailableException':
      return 'overloaded_error'
    case 'ValidationException':
      return 'invalid_request_error'
    case 'AccessDeniedException':
      return 'permission_error'
    case 'ResourceNotFoundException':
      return 'not_found_error'
    case 'ModelTimeoutException':
      return 'timeout_error'
    default:
      return 'api_error'
  }
}

export function bedrockStatus(name: string, fallback = 502): number {
  switch (name) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return 429
    case 'ValidationException':
      return 400
    case 'AccessDeniedException':
      return 403
    case 'ResourceNotFoundException':
      return 404
    case 'ModelNotReadyException':
    case 'ServiceUnavailableException':
      return 503
    case 'ModelTimeoutException':
      return 504
    default:
      return fallback
  }
}
