// `tokens disable` and `tokens enable` are the same operation with a different value.
import { tokenAdminFor } from './clients.js'
import { resolveTarget, type TargetFlagValues } from './target.js'
import { selectTokens } from './token-selection.js'
import { type TokenView, tokenView } from './token-view.js'

export async function setTokensEnabled(
  flags: TargetFlagValues,
  userOrTokenId: string,
  enabled: boolean,
  log: (line: string) => void,
): Promise<TokenView[]> {
  const admin = tokenAdminFor(await resolveTarget(flags))
  const updated = (await admin.setEnabled(await selectTokens(admin, userOrTokenId), enabled)).map(tokenView)
  for (const t of updated) log(`${enabled ? 'enabled' : 'disabled'} ${t.token_id} (user ${t.user_id})`)
  return updated
}
