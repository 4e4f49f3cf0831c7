// Stage 5: model allow-lists (token and team). Default-deny: under an allow-list a call
// must name an allowed model, and an endpoint that runs models its request does not name
// (batches, assistants…) cannot be checked, so it is refused.
import type { Exchange } from '../exchange.js'
import { allowListsOf, describeAllowList, isModelAllowed, modelOfLookupPath } from '../governance/model-policy.js'
import { type Refusal, refuse } from '../refusal.js'

export function checkModelPolicy(ex: Exchange): Refusal | undefined {
  const caller = ex.caller!
  const lists = allowListsOf(caller)
  if (lists.length === 0) return undefined
  const endpoint = ex.endpoint!
  const allowed = describeAllowList(lists)
  if (endpoint.model === 'opaque') {
    return refuse('model_not_allowed', `${ex.method} ${ex.path} runs models its request does not name, so the allow-list of ${caller.user_id} (${allowed}) cannot be enforced on it`)
  }
  const named = endpoint.model === 'path' ? modelOfLookupPath(ex.path) : endpoint.model === 'body' ? ex.model : null
  if (endpoint.model === 'body' && !named) return refuse('invalid_body', `"model" is required: an allow-list applies to ${caller.user_id} (${allowed})`)
  if (named && !isModelAllowed(named, lists)) return refuse('model_not_allowed', `${named} is not allowed for ${caller.user_id} (allowed: ${allowed})`)
  return undefined
}
