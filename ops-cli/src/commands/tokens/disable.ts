import { BaseCommand } from '../../lib/base-command.js'
import { targetFlags } from '../../lib/target.js'
import { setTokensEnabled } from '../../lib/token-toggle.js'
import { userOrTokenArg } from '../../lib/token-selection.js'
import type { TokenView } from '../../lib/token-view.js'

export default class TokensDisable extends BaseCommand<TokenView[]> {
  static override summary = "Disable a token, or all of a user's tokens: refused within seconds, no redeploy."
  static override description = 'Warm proxy instances cache lookups for a few seconds (CODEX_PROXY_TOKEN_CACHE_MS, default 5000).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --local',
    '<%= config.bin %> <%= command.id %> tok_0123456789ab --stack-outputs stack-outputs.json --json',
  ]
  static override args = userOrTokenArg
  static override flags = { ...targetFlags }

  async run(): Promise<TokenView[]> {
    const { args, flags } = await this.parse(TokensDisable)
    return setTokensEnabled(flags, args.target, false, (l) => this.log(l))
  }
}
