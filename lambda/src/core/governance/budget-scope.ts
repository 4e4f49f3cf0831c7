// Whether a hard budget applies to a caller. A budgeted caller may only use endpoints
// whose cost the proxy measures from the exchange (contracts/endpoints.ts `metering`),
// so that nothing it can call settles at $0 against its budget (trust issue, finding 4).
import type { Caller, TokenPolicy } from '../../contracts/tables.js'

const hasHard = (p: TokenPolicy | undefined) =>
  p !== undefined && (p.budget_mode ?? 'hard') === 'hard' && (p.budget_daily_usd !== undefined || p.budget_monthly_usd !== undefined)

export function hasHardBudget(caller: Caller): boolean {
  return hasHard(caller) || hasHard(caller.team_policy)
}
