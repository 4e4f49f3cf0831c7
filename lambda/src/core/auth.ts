// Extracting the proxy token from the request. Codex CLI sends only
// `Authorization: Bearer <env_key value>`; `api-key`/`x-api-key` (Azure-style clients)
// are not accepted as credentials — they are stripped before forwarding instead.

export type BearerResult = { ok: true; token: string } | { ok: false; reason: string }

// RFC 6750 b64token characters; a comma means several Authorization headers were joined.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

export function parseBearer(header: string | null): BearerResult {
  if (header === null || header.trim() === '') return { ok: false, reason: 'no Authorization header' }
  const match = BEARER.exec(header)
  if (!match) {
    return {
      ok: false,
      reason: header.includes(',') ? 'more than one Authorization header' : 'Authorization is not of the form "Bearer <token>"',
    }
  }
  return { ok: true, token: match[1]! }
}
