import { BaseCommand } from '../../lib/base-command.js'
import { targetFlags } from '../../lib/target.js'
import { setTokensEnabled } from '../../lib/token-toggle.js'
import { userOrTokenArg } from '../../lib/token-selection.js'
import type { TokenView } from '../../lib/token-view.js'

export default class TokensEnable extends BaseCommand<TokenView[]> {
  static override summary = "Re-enable a disabled token, or all of a user's tokens."
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --local',
    '<%= config.bin %> <%= command.id %> tok_0123456789ab --stack-outputs stack-outputs.json --json',
  ]
  static override args = userOrTokenArg
  static override flags = { ...targetFlags }

  async run(): Promise<TokenView[]> {
    const { args, flags } = await this.parse(TokensEnable)
    return setTokensEnabled(flags, args.target, true, (l) => this.log(l))
  }
}
