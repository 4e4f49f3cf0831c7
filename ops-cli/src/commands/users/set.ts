import { Args } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { type BudgetResult, setBudgetItem } from '../../lib/budget-set.js'
import { budgetFlags } from '../../lib/policy-flags.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export default class UsersSet extends BaseCommand<BudgetResult> {
  static override summary = "Set a user's budgets, across all of the user's tokens."
  static override description =
    "A token's own budget (`tokens add|update --budget-daily …`) caps that token alone (level key); this one caps the user. " +
    'A request must pass both, and its team, org and tag budgets. "none" removes a budget.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --local --budget-monthly 200',
    '<%= config.bin %> <%= command.id %> bob --budget-weekly 50 --soft --json',
  ]
  static override args = { user: Args.string({ description: 'User id (as in `tokens add <user>`).', required: true }) }
  static override flags = { ...targetFlags, ...budgetFlags }

  async run(): Promise<BudgetResult> {
    const { args, flags } = await this.parse(UsersSet)
    return setBudgetItem(await resolveTarget(flags), 'user', args.user, flags, (l) => this.log(l))
  }
}
