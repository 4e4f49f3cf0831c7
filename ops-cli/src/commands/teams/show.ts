import { Args } from '@oclif/core'
import { pickPolicy, type TokenPolicy } from '../../../../lambda/src/contracts/tables.js'
import { BaseCommand } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { describePolicy } from '../../lib/policy-flags.js'
import { describeSpend, readSpend, type SpendSummary } from '../../lib/spend.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export interface TeamDetails {
  team: string
  policy: TokenPolicy
  spend: SpendSummary
  members: { token_id: string; user_id: string; enabled: boolean }[]
}

export default class TeamsShow extends BaseCommand<TeamDetails> {
  static override summary = "Show a team's policy, spend against its budgets, and its tokens."
  static override examples = ['<%= config.bin %> <%= command.id %> platform --local', '<%= config.bin %> <%= command.id %> ml --json']
  static override args = { team: Args.string({ description: 'Team name.', required: true }) }
  static override flags = { ...targetFlags }

  async run(): Promise<TeamDetails> {
    const { args, flags } = await this.parse(TeamsShow)
    const target = await resolveTarget(flags)
    const admin = tokenAdminFor(target)
    const item = await admin.getTeam(args.team)
    const policy = item ? pickPolicy(item) : {}
    const [spend] = await readSpend(target, [{ level: 'team', id: args.team, policy }])
    const members = (await admin.list()).filter((t) => t.team === args.team).map((t) => ({ token_id: t.token_id, user_id: t.user_id, enabled: t.enabled }))
    this.log(`team ${args.team}${item ? '' : ' (no team policy set)'}`)
    for (const line of describePolicy(policy)) this.log(`  ${line}`)
    this.log(`  ${describeSpend(spend!)}`)
    this.log(`  tokens:   ${members.map((m) => `${m.token_id} (${m.user_id}${m.enabled ? '' : ', disabled'})`).join(', ') || 'none'}`)
    return { team: args.team, policy, spend: spend!, members }
  }
}
