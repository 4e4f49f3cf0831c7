// Stage 1: the request target and method. Works on the raw target, because URL parsing
// would resolve `..` and hide encoded separators (paths.ts).
import type { Exchange } from '../exchange.js'
import { checkTarget, FORWARDED_METHODS, normalisePath } from '../paths.js'
import { type Refusal, refuse } from '../refusal.js'
import { misplacedTokenPlace } from '../token-hygiene.js'

export function checkRequestTarget(ex: Exchange, upgrade: string | null): Refusal | undefined {
  // Before anything else: a refusal's record must not carry the token either.
  const tokenPlace = misplacedTokenPlace(ex.rawTarget, ex.requestHeaders)
  if (tokenPlace) {
    ex.tokenMisplaced = true
    return refuse('token_misplaced', `found in the ${tokenPlace}; send it only as "Authorization: Bearer <token>" and rotate it, it may have been logged by something in between`)
  }
  const target = checkTarget(ex.rawTarget)
  if (!target.ok) return refuse('invalid_path', target.reason)
  ex.path = normalisePath(target.target.rawPath)
  ex.query = target.target.query || null
  if (!FORWARDED_METHODS.has(ex.method)) return refuse('method_not_allowed', ex.method, { allow: [...FORWARDED_METHODS].join(', ') })
  // Codex tries the Responses WebSocket transport first with the built-in provider;
  // a clear refusal makes it fall back to HTTP streaming at once.
  if (upgrade?.toLowerCase() === 'websocket') return refuse('websocket_not_supported')
  return undefined
}
