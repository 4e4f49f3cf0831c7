// Commands that act on "a user or a token id" share how they resolve it.
import { Args } from '@oclif/core'
import type { TokenItem } from '../../../lambda/src/contracts/tables.js'
import type { TokenAdmin } from '../../../lambda/src/stores/token-admin.js'
import { UserError } from './base-command.js'

export const userOrTokenArg = {
  target: Args.string({
    description: 'A token id (tok_…) for one token, or a user id for all of that user\'s tokens.',
    required: true,
  }),
}

export async function selectTokens(admin: TokenAdmin, userOrTokenId: string): Promise<TokenItem[]> {
  const items = await admin.resolve(userOrTokenId)
  if (items.length === 0) {
    throw new UserError(`no token matches "${userOrTokenId}" (give a token id tok_… or a user id; see \`codex-proxy tokens list\`)`)
  }
  return items
}
