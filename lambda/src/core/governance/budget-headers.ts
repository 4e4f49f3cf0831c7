// Response headers that tell a client about money (documented in README "Budgets"):
//   x-codex-proxy-cost-usd: 0.012345                       (non-streamed responses)
//   x-codex-proxy-budget-remaining: 4.210000; level=user; id=alice; period=day
//   x-codex-proxy-budget-warning: user alice daily budget 85% used: …
// A stream's headers leave before its usage is known, so streamed responses carry no
// cost header and the remaining budget counts the request's reservation (its estimate).
import type { BudgetRemaining } from './governor.js'

export const COST_HEADER = 'x-codex-proxy-cost-usd'
export const BUDGET_REMAINING_HEADER = 'x-codex-proxy-budget-remaining'
export const BUDGET_WARNING_HEADER = 'x-codex-proxy-budget-warning'

/** USD with micro-dollar precision, the counters' unit. */
export const formatUsd = (usd: number) => usd.toFixed(6)

/** The tightest remaining budget: the amount first (machine-readable), then which budget it is. */
export function formatRemaining(r: BudgetRemaining): string {
  return `${formatUsd(r.usd)}; level=${r.level}; id=${r.id}; period=${r.period}`
}
