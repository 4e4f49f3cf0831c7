import { Args } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { type BudgetResult, setBudgetItem } from '../../lib/budget-set.js'
import { budgetFlags } from '../../lib/policy-flags.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export default class TagsSet extends BaseCommand<BudgetResult> {
  static override summary = "Set a request tag's budgets (requests carrying `x-codex-proxy-tag: <tag>`)."
  static override description =
    'Developers set the tag once in their Codex provider config: http_headers = { "x-codex-proxy-tag" = "proj-x" }. ' +
    'Which tags a token may send is set with `tokens update --tags` or `teams set --tags`; an unlisted tag is refused. ' +
    'A tag without budgets is still counted, so `report budgets` can show its spend once a budget is set.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> proj-x --local --budget-monthly 1000',
    '<%= config.bin %> <%= command.id %> ci --budget-daily 20 --hard --json',
  ]
  static override args = { tag: Args.string({ description: 'The tag.', required: true }) }
  static override flags = { ...targetFlags, ...budgetFlags }

  async run(): Promise<BudgetResult> {
    const { args, flags } = await this.parse(TagsSet)
    return setBudgetItem(await resolveTarget(flags), 'tag', args.tag, flags, (l) => this.log(l))
  }
}
