import { Args } from '@oclif/core'
import { pickPolicy, type TokenPolicy } from '../../../../lambda/src/contracts/tables.js'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { describePolicy, policyChangesFromFlags, policyFlags } from '../../lib/policy-flags.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export default class TeamsSet extends BaseCommand<{ team: string } & TokenPolicy> {
  static override summary = "Set a team's budgets, rate limit or model allow-list (applies to every token of the team)."
  static override description = 'Team limits apply in addition to each token\'s own: a request must pass both.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> platform --local --budget-monthly 500 --hard',
    '<%= config.bin %> <%= command.id %> ml --budget-daily 50 --soft --warn-percent 70 --rpm 300 --json',
    '<%= config.bin %> <%= command.id %> web --models "gpt-5-mini,o4-mini"',
    '<%= config.bin %> <%= command.id %> platform --tags "proj-*,ops" --budget-weekly 150',
    '<%= config.bin %> <%= command.id %> data --endpoints embeddings,files,batches',
  ]
  static override args = { team: Args.string({ description: 'Team name.', required: true }) }
  static override flags = { ...targetFlags, ...policyFlags }

  async run(): Promise<{ team: string } & TokenPolicy> {
    const { args, flags } = await this.parse(TeamsSet)
    const changes = policyChangesFromFlags(flags)
    if (Object.keys(changes).length === 0) throw new UserError('nothing to set: give at least one of --models --rpm --budget-daily --budget-weekly --budget-monthly --hard --soft --warn-percent --tags --secret-scan --endpoints')
    const item = await tokenAdminFor(await resolveTarget(flags)).setTeam(args.team, changes)
    const result = { team: item.team, ...pickPolicy(item) }
    this.log(`team ${item.team}:`)
    for (const line of describePolicy(item)) this.log(`  ${line}`)
    return result
  }
}
