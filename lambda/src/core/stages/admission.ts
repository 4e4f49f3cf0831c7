// Stage 7: rate limits and budgets (governance/governor.ts). The first stage that writes
// counters: every refusal before it leaves them untouched. Whatever happens after it, the
// admission is settled exactly once, in stages/finish.ts.
import { meteringOf } from '../../contracts/endpoints.js'
import type { Exchange } from '../exchange.js'
import { BUDGET_REMAINING_HEADER, formatRemaining } from '../governance/budget-headers.js'
import { estimateCostUsd } from '../governance/cost-estimate.js'
import { type Refusal, refuse } from '../refusal.js'
import { errorName, type StageEnv } from '../stage-env.js'

export async function admit(ex: Exchange, env: StageEnv): Promise<Refusal | undefined> {
  const at = new Date(ex.startedAt)
  // Calls that cost nothing reserve nothing (a spent budget still lists models).
  const free = meteringOf(ex.endpoint!, ex.method) === 'free'
  const estimateUsd = free
    ? 0
    : estimateCostUsd(
        env.pricer,
        { model: ex.model, bodyBytes: ex.outgoingBody?.byteLength ?? 0, maxOutputTokens: ex.maxOutputTokens, choices: ex.choices, previousResponseId: ex.previousResponseId },
        at,
      )
  try {
    const verdict = await env.governor.admit({ caller: ex.caller!, estimateUsd, at, tag: ex.tag, waitUntil: (work) => void ex.background.push(work) })
    if (!verdict.ok) {
      const { code, detail, retryAfterSeconds, remaining } = verdict.refusal
      return refuse(code, detail, { 'retry-after': String(retryAfterSeconds), ...(remaining && { [BUDGET_REMAINING_HEADER]: formatRemaining(remaining) }) })
    }
    ex.admission = verdict.admission
    return undefined
  } catch (err) {
    env.log(`usage check failed for ${ex.requestId}: ${errorName(err)}`)
    return refuse('usage_check_failed')
  }
}
