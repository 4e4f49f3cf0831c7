// Stage 3: default-deny endpoints. Only the groups granted by the deployment, the team or
// the token are forwarded; a budgeted caller is kept to endpoints whose cost is measured.
import { endpointOf, howToEnable, isEndpointEnabled, meteringOf } from '../../contracts/endpoints.js'
import type { Exchange } from '../exchange.js'
import { hasHardBudget } from '../governance/budget-scope.js'
import { type Refusal, refuse } from '../refusal.js'
import type { StageEnv } from '../stage-env.js'

export function checkEndpointPolicy(ex: Exchange, env: StageEnv): Refusal | undefined {
  const caller = ex.caller!
  const endpoint = endpointOf(ex.method, ex.path)
  ex.endpoint = endpoint
  if (!isEndpointEnabled(endpoint, [env.config.endpoints, caller.team_policy?.endpoints, caller.endpoints])) {
    return refuse('path_not_allowed', howToEnable(endpoint, ex.method, ex.path))
  }
  if (meteringOf(endpoint, ex.method) === 'unmetered' && hasHardBudget(caller, ex.tag?.policy)) {
    return refuse(
      'unmetered_endpoint',
      `${ex.method} ${ex.path} (group "${endpoint.group}") costs money the proxy cannot measure, and ${caller.user_id} has a hard budget; use a token without a budget for it`,
    )
  }
  return undefined
}
