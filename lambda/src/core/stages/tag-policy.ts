// Stage 2b: the request's tag (`x-codex-proxy-tag`, governance/tag-policy.ts). A malformed
// or unlisted tag is refused; an allowed one brings its budgets (a cached read of the tag
// item) as one more level for admission, and for the budget checks of later stages.
import type { Exchange } from '../exchange.js'
import { requestTag, tagRefusal } from '../governance/tag-policy.js'
import { type Refusal, refuse } from '../refusal.js'
import { errorName, type StageEnv } from '../stage-env.js'

export async function checkTag(ex: Exchange, env: StageEnv): Promise<Refusal | undefined> {
  const tagged = requestTag(ex.requestHeaders)
  if (!tagged.ok) return refuse('tag_not_allowed', tagged.detail)
  if (tagged.tag === undefined) return undefined
  const problem = tagRefusal(ex.caller!, tagged.tag)
  if (problem) return refuse('tag_not_allowed', problem)
  try {
    ex.tag = { name: tagged.tag, policy: env.tokens.tagPolicy ? await env.tokens.tagPolicy(tagged.tag) : undefined }
  } catch (err) {
    env.log(`tag lookup failed for ${ex.requestId}: ${errorName(err)}`)
    return refuse('usage_check_failed', 'the tag\'s budgets could not be read')
  }
  return undefined
}
