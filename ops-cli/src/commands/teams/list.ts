import { pickPolicy, type TokenPolicy } from '../../../../lambda/src/contracts/tables.js'
import { BaseCommand } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export default class TeamsList extends BaseCommand<({ team: string } & TokenPolicy)[]> {
  static override summary = 'List teams that have a policy.'
  static override examples = ['<%= config.bin %> <%= command.id %> --local', '<%= config.bin %> <%= command.id %> --json']
  static override flags = { ...targetFlags }

  async run(): Promise<({ team: string } & TokenPolicy)[]> {
    const { flags } = await this.parse(TeamsList)
    const teams = (await tokenAdminFor(await resolveTarget(flags)).listTeams()).map((t) => ({ team: t.team, ...pickPolicy(t) }))
    if (!this.jsonEnabled()) {
      if (teams.length === 0) this.log('No team policies. Set one with `codex-proxy teams set <team> --budget-monthly 500`.')
      else {
        const { printTable } = await import('../../lib/table.js')
        printTable({
          data: teams.map((t) => ({
            team: t.team,
            models: t.models?.join(', ') ?? 'all',
            rpm: t.rpm ?? '',
            daily: t.budget_daily_usd ?? '',
            weekly: t.budget_weekly_usd ?? '',
            monthly: t.budget_monthly_usd ?? '',
            mode: t.budget_mode ?? 'hard',
          })),
          columns: ['team', 'models', 'rpm', 'daily', 'weekly', 'monthly', 'mode'],
          headerOptions: { formatter: 'capitalCase' },
        })
      }
    }
    return teams
  }
}
