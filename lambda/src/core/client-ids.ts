// Codex's client identifiers, read from request headers for the record.
//
// Codex 0.169 (NOTES.md, "More Codex CLI 0.169 facts"): `x-client-request-id` equals the
// session id, so it is not a per-request id; `turn_id`, `window_id` and the request kind
// exist only inside the JSON of the `x-codex-turn-metadata` header; `x-openai-subagent`
// marks review/compact/… requests. Header values are client input: every value read here
// is bounded in size and character set, and anything else is dropped (null), never an error.
import type { AuditRecord } from '../contracts/audit-record.js'

/** Longest turn-metadata header parsed; Codex sends a few hundred bytes. */
export const TURN_METADATA_MAX_BYTES = 8 * 1024
/** Longest identifier kept in a record. */
export const CLIENT_ID_MAX_CHARS = 128
const ID_CHARS = /^[\x21-\x7e]+$/

/** A printable-ASCII identifier of bounded length, or null. */
export function boundedId(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > CLIENT_ID_MAX_CHARS) return null
  return ID_CHARS.test(value) ? value : null
}

export interface TurnMetadata {
  turn_id: string | null
  window_id: string | null
  request_kind: string | null
}

/**
 * The ids inside `x-codex-turn-metadata`: a flat JSON object. Oversized, non-JSON or
 * non-object values, and members of the wrong type or shape, give nulls.
 */
export function parseTurnMetadata(header: string | null): TurnMetadata {
  const none = { turn_id: null, window_id: null, request_kind: null }
  if (!header || header.length > TURN_METADATA_MAX_BYTES) return none
  let parsed: unknown
  try {
    parsed = JSON.parse(header)
  } catch {
    return none
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return none
  const o = parsed as Record<string, unknown>
  return {
    turn_id: boundedId(o.turn_id),
    window_id: boundedId(o.window_id),
    request_kind: boundedId(o.request_kind),
  }
}

/**
 * The record's `client` struct from the request headers. `clean` removes what must never
 * reach a record (a proxy token pasted into a header) from each value.
 */
export function clientIds(h: Headers, clean: (value: string | null) => string | null = (v) => v): AuditRecord['client'] {
  const turn = parseTurnMetadata(h.get('x-codex-turn-metadata'))
  const header = (...names: string[]) => clean(names.map((n) => h.get(n)).find((v) => v !== null) ?? null)
  return {
    originator: header('originator'),
    user_agent: header('user-agent'),
    session_id: header('session-id', 'session_id'),
    thread_id: header('thread-id', 'thread_id'),
    client_request_id: header('x-client-request-id'),
    turn_id: clean(turn.turn_id),
    window_id: clean(turn.window_id ?? boundedId(h.get('x-codex-window-id'))),
    // `x-openai-subagent` (review, compact, …) names the kind; the metadata's own
    // `request_kind` is the fallback.
    request_kind: clean(boundedId(h.get('x-openai-subagent')) ?? turn.request_kind),
  }
}
