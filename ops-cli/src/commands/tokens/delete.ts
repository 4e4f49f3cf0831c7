import { Flags } from '@oclif/core'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { selectTokens, userOrTokenArg } from '../../lib/token-selection.js'
import { type TokenView, tokenView } from '../../lib/token-view.js'

export default class TokensDelete extends BaseCommand<TokenView[]> {
  static override summary = "Delete a token, or all of a user's tokens, for good (audit records keep their token id)."
  static override description = 'Prefer `tokens disable`: it is reversible. Delete needs --yes.'
  static override examples = ['<%= config.bin %> <%= command.id %> tok_0123456789ab --local --yes', '<%= config.bin %> <%= command.id %> alice --yes --json']
  static override args = userOrTokenArg
  static override flags = { ...targetFlags, yes: Flags.boolean({ description: 'Confirm the deletion.' }) }

  async run(): Promise<TokenView[]> {
    const { args, flags } = await this.parse(TokensDelete)
    const target = await resolveTarget(flags)
    const admin = tokenAdminFor(target)
    const items = await selectTokens(admin, args.target)
    if (!flags.yes) {
      throw new UserError(`this would delete ${items.map((i) => i.token_id).join(', ')}; re-run with --yes (or use \`tokens disable\`)`)
    }
    await admin.delete(items)
    const deleted = items.map(tokenView)
    for (const t of deleted) this.log(`deleted ${t.token_id} (user ${t.user_id})`)
    return deleted
  }
}
