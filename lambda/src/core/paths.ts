// Request-target handling: refuse dangerous paths and normalise to /v1. Works on the raw
// target because URL parsing would hide `..`. Which paths are forwarded is the endpoint
// policy (contracts/endpoints.ts).

export interface ParsedTarget {
  /** Path as the client sent it (percent-encoding untouched). */
  rawPath: string
  /** Query string without `?`, or '' when none. */
  query: string
}

export type TargetCheck = { ok: true; target: ParsedTarget } | { ok: false; reason: string }

// Control characters (C0, DEL) in any form; a backslash (some servers treat it as `/`).
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/
// Percent-encoded slash, backslash, dot, NUL or other control characters.
const DANGEROUS_ESCAPE = /%(2f|5c|2e|00|0[0-9a-f]|1[0-9a-f]|7f)/i

export function checkTarget(rawTarget: string): TargetCheck {
  const q = rawTarget.indexOf('?')
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q)
  const query = q === -1 ? '' : rawTarget.slice(q + 1)
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'path must start with /' }
  if (CONTROL_OR_BACKSLASH.test(rawTarget)) return { ok: false, reason: 'control character or backslash in the request target' }
  if (DANGEROUS_ESCAPE.test(rawPath)) return { ok: false, reason: 'encoded slash, dot or control character in the path' }
  if (!isWellFormedPercentEncoding(rawPath)) return { ok: false, reason: 'malformed percent-encoding in the path' }
  const segments = rawPath.split('/')
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, reason: 'dot segment in the path' }
  if (rawPath.includes('//')) return { ok: false, reason: 'empty path segment' }
  return { ok: true, target: { rawPath, query } }
}

/**
 * `/responses` → `/v1/responses`: Codex and other clients sometimes use a base URL
 * without `/v1` (seed runbook, "path normalisation").
 */
export function normalisePath(rawPath: string): string {
  if (rawPath === '/v1' || rawPath.startsWith('/v1/')) return rawPath
  return `/v1${rawPath === '/' ? '' : rawPath}`
}

/** Methods the OpenAI API serves; anything else is refused before authentication. */
export const FORWARDED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** Every `%` starts two hex digits and the escapes decode to valid UTF-8 (`%E0%A4%A` does not). */
export function isWellFormedPercentEncoding(path: string): boolean {
  if (!path.includes('%')) return true
  if (/%(?![0-9a-fA-F]{2})/.test(path)) return false
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}
