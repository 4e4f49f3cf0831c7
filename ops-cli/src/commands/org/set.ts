import { BaseCommand } from '../../lib/base-command.js'
import { type BudgetResult, setBudgetItem } from '../../lib/budget-set.js'
import { budgetFlags } from '../../lib/policy-flags.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export default class OrgSet extends BaseCommand<BudgetResult> {
  static override summary = "Set the deployment's budgets: one cap over every request, whoever sends it."
  static override description =
    'Stored as the org item of the tokens table, so a change needs no redeploy and applies within the token cache time (5 s). ' +
    'A request must pass every level that applies: org, team, user, key (the token) and tag. "none" removes a budget.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local --budget-monthly 5000 --warn-percent 75',
    '<%= config.bin %> <%= command.id %> --budget-daily 300 --soft --json',
    '<%= config.bin %> <%= command.id %> --budget-daily none',
  ]
  static override flags = { ...targetFlags, ...budgetFlags }

  async run(): Promise<BudgetResult> {
    const { flags } = await this.parse(OrgSet)
    return setBudgetItem(await resolveTarget(flags), 'org', 'org', flags, (l) => this.log(l))
  }
}
