// Stage 2: who is calling. The proxy token is the identity; a malformed token (bad
// checksum, wrong shape) is refused without a store read.
import { hashToken, isWellFormedToken } from '../../contracts/token.js'
import { parseBearer } from '../auth.js'
import type { Exchange } from '../exchange.js'
import { type Refusal, refuse } from '../refusal.js'
import { errorName, type StageEnv } from '../stage-env.js'

export async function authenticate(ex: Exchange, env: StageEnv): Promise<Refusal | undefined> {
  const bearer = parseBearer(ex.requestHeaders.get('authorization'))
  if (!bearer.ok) return refuse('missing_authorization')
  if (!isWellFormedToken(bearer.token)) return refuse('invalid_token')
  try {
    ex.caller = await env.tokens.lookup(hashToken(bearer.token))
  } catch (err) {
    env.log(`token lookup failed for ${ex.requestId}: ${errorName(err)}`)
    return refuse('token_lookup_failed')
  }
  return ex.caller ? undefined : refuse('invalid_token')
}
