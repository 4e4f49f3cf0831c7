// A proxy token belongs in `Authorization` only. One in the URL or another header would be
// logged, stored in records and dumps, and forwarded upstream; such a request is refused
// (400 token_misplaced) and the token is cut from its record (trust issue, finding 7).
import { findProxyTokens, REDACTED_TOKEN, TOKEN_PATTERN } from '../contracts/token.js'

/** Where a misplaced token was found ("query", "path", "header x-key"), or undefined. */
export function misplacedTokenPlace(rawTarget: string, headers: Headers): string | undefined {
  const q = rawTarget.indexOf('?')
  const path = q === -1 ? rawTarget : rawTarget.slice(0, q)
  const query = q === -1 ? '' : rawTarget.slice(q + 1)
  if (hasToken(path)) return 'path'
  if (hasToken(query)) return 'query'
  let place: string | undefined
  headers.forEach((value, name) => {
    if (place === undefined && name !== 'authorization' && hasToken(value)) place = `header ${name}`
  })
  return place
}

/** Also percent-decoded (`cxp%5F…`, `%63xp_…`) and `+`-for-space query forms. */
function hasToken(text: string): boolean {
  if (findProxyTokens(text).length > 0) return true
  if (!text.includes('%')) return false
  return findProxyTokens(lenientPercentDecode(text)).length > 0
}

/** Decodes valid %XX escapes byte-wise and leaves malformed ones alone (never throws). */
export function lenientPercentDecode(text: string): string {
  return text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
}

/** Replaces every token-shaped string (decoded forms too) with a marker. */
export function redactProxyTokens(text: string): string {
  const decoded = text.includes('%') ? lenientPercentDecode(text) : text
  return decoded.replace(TOKEN_PATTERN, REDACTED_TOKEN)
}
