import { pickBudgets, pickPolicy } from '../../../../lambda/src/contracts/tables.js'
import { BaseCommand } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { describePolicy } from '../../lib/policy-flags.js'
import { describeSpend, readSpend, type SpendSummary } from '../../lib/spend.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { selectTokens, userOrTokenArg } from '../../lib/token-selection.js'
import { type TokenView, tokenView } from '../../lib/token-view.js'

export type TokenDetails = TokenView & { spend: SpendSummary[] }

export default class TokensShow extends BaseCommand<TokenDetails[]> {
  static override summary = "Show a token's (or a user's tokens') details, policy, and spend against its limits."
  static override examples = ['<%= config.bin %> <%= command.id %> alice --local', '<%= config.bin %> <%= command.id %> tok_0123456789ab --json']
  static override args = userOrTokenArg
  static override flags = { ...targetFlags }

  async run(): Promise<TokenDetails[]> {
    const { args, flags } = await this.parse(TokensShow)
    const target = await resolveTarget(flags)
    const admin = tokenAdminFor(target)
    const items = await selectTokens(admin, args.target)
    const teams = new Map<string, Awaited<ReturnType<typeof admin.getTeam>>>()
    for (const team of new Set(items.map((i) => i.team).filter((t): t is string => !!t))) teams.set(team, await admin.getTeam(team))
    const out: TokenDetails[] = []
    for (const item of items) {
      const teamItem = item.team ? teams.get(item.team) : undefined
      const userItem = await admin.getBudgets('user', item.user_id)
      const spend = await readSpend(target, [
        // The token's own budgets are the key level's; the user's are on the user item.
        { level: 'key', id: item.token_id, policy: pickPolicy(item) },
        { level: 'user', id: item.user_id, policy: userItem ? pickBudgets(userItem) : {} },
        ...(item.team ? [{ level: 'team' as const, id: item.team, policy: teamItem ? pickPolicy(teamItem) : {} }] : []),
      ])
      const t = { ...tokenView(item), spend }
      out.push(t)
      this.log(`${t.token_id}  ${t.enabled ? 'enabled' : `disabled since ${t.disabled_at ?? '?'}`}`)
      this.log(`  user:     ${t.user_id}${t.team ? `  team: ${t.team}` : ''}`)
      this.log(`  created:  ${t.created_at}${t.rotated_from ? ` (rotated from ${t.rotated_from})` : ''}`)
      if (t.note) this.log(`  note:     ${t.note}`)
      for (const line of describePolicy(item)) this.log(`  ${line}`)
      for (const s of spend) this.log(`  ${describeSpend(s)}`)
    }
    return out
  }
}
