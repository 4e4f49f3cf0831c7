// Whether a hard budget applies to a request. A budgeted caller may only use endpoints
// whose cost the proxy measures from the exchange (contracts/endpoints.ts `metering`),
// so that nothing it can call settles at $0 against its budget (trust issue, finding 4).
// Every level counts: the token (key), its team, its user, the org, the request's tag.
import type { BudgetPolicy, Caller } from '../../contracts/tables.js'

const hasHard = (p: BudgetPolicy | undefined) =>
  p !== undefined && (p.budget_mode ?? 'hard') === 'hard' && (p.budget_daily_usd !== undefined || p.budget_weekly_usd !== undefined || p.budget_monthly_usd !== undefined)

export function hasHardBudget(caller: Caller, tag?: BudgetPolicy): boolean {
  return hasHard(caller) || hasHard(caller.team_policy) || hasHard(caller.user_policy) || hasHard(caller.org_policy) || hasHard(tag)
}
