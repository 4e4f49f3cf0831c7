import { BaseCommand } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { selectTokens, userOrTokenArg } from '../../lib/token-selection.js'
import { type TokenView, tokenView } from '../../lib/token-view.js'

export default class TokensShow extends BaseCommand<TokenView[]> {
  static override summary = "Show a token's (or a user's tokens') details and policy."
  static override examples = ['<%= config.bin %> <%= command.id %> alice --local', '<%= config.bin %> <%= command.id %> tok_0123456789ab --json']
  static override args = userOrTokenArg
  static override flags = { ...targetFlags }

  async run(): Promise<TokenView[]> {
    const { args, flags } = await this.parse(TokensShow)
    const target = await resolveTarget(flags)
    const tokens = (await selectTokens(tokenAdminFor(target), args.target)).map(tokenView)
    for (const t of tokens) {
      this.log(`${t.token_id}  ${t.enabled ? 'enabled' : `disabled since ${t.disabled_at ?? '?'}`}`)
      this.log(`  user:     ${t.user_id}${t.team ? `  team: ${t.team}` : ''}`)
      this.log(`  created:  ${t.created_at}${t.rotated_from ? ` (rotated from ${t.rotated_from})` : ''}`)
      if (t.note) this.log(`  note:     ${t.note}`)
      this.log(`  models:   ${t.models?.join(', ') ?? 'all'}`)
      this.log(`  rpm:      ${t.rpm ?? 'unlimited'}`)
      this.log(`  budgets:  daily ${t.budget_daily_usd ?? '—'} USD, monthly ${t.budget_monthly_usd ?? '—'} USD${t.budget_mode ? ` (${t.budget_mode})` : ''}`)
    }
    return tokens
  }
}
