// The catalogue of errors the proxy itself produces. Every proxy error response has
// the OpenAI error shape so that Codex shows `error.message` to the developer:
//   {"error":{"message":"…","type":"codex_proxy_error","code":"<code>"}}
// Messages start with the seed's wording verbatim, so existing runbooks still match;
// `check-origin` reads this same table to tell proxy errors from upstream ones.

export const PROXY_ERROR_TYPE = 'codex_proxy_error'

export interface CatalogueEntry {
  status: number
  /** Fixed message prefix; details may follow after `: `. */
  message: string
  /** What it means, for on-call (`check-origin`). */
  meaning: string
  /** What to do about it. */
  action: string
  /**
   * Status for Codex CLI clients when it must differ. Codex 0.169 (measured by the e2e
   * suite) never shows the body of a 429 ("exceeded retry limit, last status: 429") and
   * sleeps through any Retry-After — hours until a budget resets — while a 400 is shown at
   * once and not retried.
   */
  codexStatus?: number
}

export const PROXY_ERRORS = {
  missing_authorization: {
    status: 401,
    message: 'missing or invalid Authorization header',
    meaning: 'The request carried no `Authorization: Bearer <proxy token>` header, or it was malformed.',
    action: 'Check that the env var named by env_key in the Codex provider config holds the proxy token.',
  },
  invalid_token: {
    status: 401,
    message: 'invalid or disabled token',
    meaning: 'The proxy token is unknown, malformed (bad checksum) or disabled.',
    action: 'Run `codex-proxy tokens show <user>`; enable the token or issue a new one with `tokens add`.',
  },
  token_lookup_failed: {
    status: 503,
    message: 'token lookup failed',
    meaning: 'The proxy could not read the tokens table (DynamoDB unavailable or throttled); it fails closed.',
    action: 'Check DynamoDB health and the function role; `codex-proxy validate` runs the checks.',
  },
  upstream_request_failed: {
    status: 502,
    message: 'upstream request failed',
    meaning: 'The proxy could not get a response from the upstream API (refused, reset, DNS, or timed out).',
    action: 'Check upstream status and the proxy timeout; the audit record carries the failure detail.',
  },
  key_unavailable: {
    status: 503,
    message: 'upstream key unavailable',
    meaning: 'The proxy could not read the OpenAI key (Secrets Manager unavailable, or the secret has no value).',
    action: 'Check the secret with `codex-proxy validate`; the next request retries the read.',
  },
  internal_error: {
    status: 500,
    message: 'internal error',
    meaning: 'An unexpected failure inside the proxy.',
    action: 'Look up the request id in the function logs and open an issue with it.',
  },
  invalid_path: {
    status: 400,
    message: 'invalid request path',
    meaning: 'The path contained `..`, an encoded slash or backslash, or control characters.',
    action: 'Point the client at `<proxy>/v1`; nothing else is proxied.',
  },
  path_not_allowed: {
    status: 403,
    message: 'path not allowed',
    meaning: 'The endpoint group of this method/path is not enabled (default-deny: only what Codex uses is forwarded unless a group is enabled).',
    action: 'Enable the group named in the message for the deployment (config `endpoints`, `serve --endpoints`), the team (`teams set --endpoints`) or the token (`tokens update --endpoints`).',
  },
  unmetered_endpoint: {
    status: 403,
    message: 'endpoint not allowed under a budget',
    meaning: 'The caller has a budget, and this endpoint costs money the proxy cannot measure from the exchange (batches, images, audio, fine-tuning, storage).',
    action: 'Use a token without a budget for this endpoint, or a metered endpoint (responses, chat, completions, embeddings).',
  },
  unsupported_media_type: {
    status: 415,
    message: 'unsupported media type',
    meaning: 'A policy needs to read this request body (model allow-list, budget, secret scan in redact/block mode) and its content type or content encoding is not one the proxy can read.',
    action: 'Send JSON with `content-type: application/json` (gzip, deflate and br encodings are decoded; others are refused).',
  },
  invalid_body: {
    status: 400,
    message: 'invalid request body',
    meaning: 'A policy needs to read this request body and it is not valid JSON, or a field it reads (model, n, max_output_tokens, …) has the wrong type.',
    action: 'Fix the client; the message names the problem.',
  },
  token_misplaced: {
    status: 400,
    message: 'proxy token outside the Authorization header',
    meaning: 'A proxy token appeared in the URL or in a header other than Authorization, where it would be logged or forwarded; the request was refused and the token was not stored.',
    action: 'Send the token only as `Authorization: Bearer <token>`; consider the token exposed and rotate it (`codex-proxy tokens rotate`).',
  },
  scan_incomplete: {
    status: 413,
    message: 'request could not be inspected in time',
    meaning: 'The secret scan of this request did not finish within its time budget and the scan mode (redact/block) requires it to.',
    action: 'Send a smaller request; ask an admin about the scan time budget (CODEX_PROXY_SCAN_BUDGET_MS).',
  },
  method_not_allowed: {
    status: 405,
    message: 'method not allowed',
    meaning: 'The HTTP method is not one the OpenAI API serves.',
    action: 'Use GET, POST or DELETE.',
  },
  model_not_allowed: {
    status: 403,
    message: 'model not allowed',
    meaning: "The requested model is not in the token's (or team's) model allow-list.",
    action: 'Pick an allowed model or ask an admin to extend the allow-list (`tokens update --models`).',
  },
  request_too_large: {
    status: 413,
    message: 'request too large',
    meaning: 'The request body exceeds what this proxy host accepts (AWS Lambda: 6 MB).',
    action: 'Send smaller requests (e.g. fewer inline images), or use the local/container host.',
  },
  tag_not_allowed: {
    status: 403,
    codexStatus: 400,
    message: 'tag not allowed',
    meaning: 'The request carried an `x-codex-proxy-tag` that is malformed or not in the token\'s (or team\'s) allowed tags.',
    action: 'Fix the tag in the Codex provider config (`http_headers`), or ask an admin to allow it (`tokens update --tags`, `teams set --tags`).',
  },
  rate_limited: {
    status: 429,
    message: 'rate limit exceeded',
    meaning: 'The token or team sent more requests per minute than its `rpm` limit allows.',
    action: 'Wait for the Retry-After interval, or ask an admin to raise the limit.',
  },
  budget_exceeded: {
    status: 429,
    codexStatus: 400,
    message: 'budget exceeded',
    meaning: 'A budget the request falls under (org, team, user, key or tag; daily, weekly or monthly) is spent (hard limit); the message names the level.',
    action: 'Wait for the reset time in the message, or ask an admin to raise the budget.',
  },
  usage_check_failed: {
    status: 503,
    message: 'usage limit check failed',
    meaning: 'The proxy could not check or reserve against a rate limit or budget (usage table unavailable); it fails closed.',
    action: 'Check DynamoDB health and the function role; only tokens with limits are affected.',
  },
  secret_detected: {
    status: 400,
    message: 'secret detected in request',
    meaning: 'The prompt contained something that looks like a credential and the scan mode is `block`.',
    action: 'Remove the credential from the conversation (start a new session) or ask for an allow-list entry.',
  },
  bad_request: {
    status: 400,
    message: 'malformed request',
    meaning: 'The HTTP request could not be parsed (bad header bytes, bad framing).',
    action: 'Check the client or anything between it and the proxy.',
  },
  headers_too_large: {
    status: 431,
    message: 'request headers too large',
    meaning: 'The request headers exceed the host limit (local host: 64 KiB).',
    action: 'Check for runaway headers or cookies in the client.',
  },
  request_timeout: {
    status: 408,
    message: 'request timeout',
    meaning: 'The client took too long to send the request headers or body.',
    action: 'Check the network between the client and the proxy.',
  },
  // Upstream pool (lambda/src/core/upstreams/).
  no_upstream_for_model: {
    status: 400,
    message: 'no upstream serves this model',
    meaning: "No upstream in the pool lists the requested model in its `models` (ids, globs, or Azure's model → deployment map).",
    action: 'Pick a model the pool serves, or add it to an upstream\'s `models` (README "Upstream pool").',
  },
  failover_not_possible: {
    status: 503,
    message: 'upstream failed and the request cannot move to another upstream',
    meaning: 'The upstream this conversation is bound to failed (5xx, 429, refused, timed out) and the request names `previous_response_id`, which only that upstream account can resolve, so the proxy did not fail over.',
    action: 'Retry later; clients that resend the history (Codex, `store: false`) never hit this.',
  },
  unsupported_for_model: {
    status: 400,
    message: 'request not supported for this model',
    meaning: "The request uses something the model's upstream kind has no counterpart for (Claude on Anthropic or Bedrock: a hosted tool other than web_search, an input item such as item_reference or local_shell_call, a non-image file part, or an endpoint other than POST /v1/responses).",
    action: 'Remove that tool or item, or use an OpenAI model; README "Claude upstreams" lists what is translated.',
  },
  websocket_not_supported: {
    status: 426,
    message: 'websocket not supported',
    meaning: 'The client tried the Responses WebSocket transport; the proxy serves HTTP only.',
    action: 'None: Codex falls back to HTTP streaming by itself.',
  },
  shutting_down: {
    status: 503,
    message: 'proxy shutting down',
    meaning: 'The local host is stopping (SIGTERM, SIGINT or /shutdown): it finishes the exchanges in flight and takes no new ones.',
    action: 'Retry once the proxy is back (Codex retries 503 by itself); restart `codex-proxy serve` if it was not meant to stop.',
  },
} as const satisfies Record<string, CatalogueEntry>

export type ProxyErrorCode = keyof typeof PROXY_ERRORS

export interface ProxyErrorBody {
  error: { message: string; type: typeof PROXY_ERROR_TYPE; code: ProxyErrorCode }
}

/** Codex CLI identifies itself with `originator: codex_exec | codex_cli_rs | codex_vscode …`. */
export function isCodexClient(headers: Headers): boolean {
  return /^codex/i.test(headers.get('originator') ?? '') || /^codex/i.test(headers.get('user-agent') ?? '')
}

/** The status to answer with, and whether Retry-After may be sent, for this client. */
export function proxyErrorStatus(code: ProxyErrorCode, headers: Headers): { status: number; retryAfter: boolean } {
  const entry: CatalogueEntry = PROXY_ERRORS[code]
  if (entry.codexStatus !== undefined && isCodexClient(headers)) return { status: entry.codexStatus, retryAfter: false }
  return { status: entry.status, retryAfter: true }
}

/** The message a client sees: the catalogue prefix, then optional detail. */
export function proxyErrorMessage(code: ProxyErrorCode, detail?: string): string {
  const base = PROXY_ERRORS[code].message
  return detail ? `${base}: ${detail}` : base
}

export function proxyErrorBody(code: ProxyErrorCode, detail?: string): ProxyErrorBody {
  return { error: { message: proxyErrorMessage(code, detail), type: PROXY_ERROR_TYPE, code } }
}

/** Finds the catalogue entry whose message the given text contains (longest first). */
export function matchCatalogue(text: string): { code: ProxyErrorCode; entry: CatalogueEntry } | undefined {
  const lower = text.toLowerCase()
  const entries = (Object.entries(PROXY_ERRORS) as [ProxyErrorCode, CatalogueEntry][]).sort(
    (a, b) => b[1].message.length - a[1].message.length,
  )
  for (const [code, entry] of entries) {
    // Both sides lowercased: some messages carry capitals ("Authorization header").
    if (lower.includes(entry.message.toLowerCase()) || lower.includes(code)) return { code, entry }
  }
  return undefined
}
