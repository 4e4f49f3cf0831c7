import { BaseCommand, UserError } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { type CodexSetup, codexSetup, renderSetup } from '../../lib/onboarding.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { selectTokens, userOrTokenArg } from '../../lib/token-selection.js'

export interface TokensRotateResult {
  token: string
  token_id: string
  user_id: string
  replaced: string
  proxy_url: string | null
  setup: CodexSetup | null
}

export default class TokensRotate extends BaseCommand<TokensRotateResult> {
  static override summary = 'Replace a token with a new one (same owner and policy); the old one is disabled.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> tok_0123456789ab --local',
    '<%= config.bin %> <%= command.id %> alice --stack-outputs stack-outputs.json --json',
  ]
  static override args = userOrTokenArg
  static override flags = { ...targetFlags }

  async run(): Promise<TokensRotateResult> {
    const { args, flags } = await this.parse(TokensRotate)
    const target = await resolveTarget(flags)
    const admin = tokenAdminFor(target)
    const items = await selectTokens(admin, args.target)
    const enabled = items.filter((i) => i.enabled)
    const candidates = enabled.length > 0 ? enabled : items
    if (candidates.length > 1) {
      throw new UserError(
        `"${args.target}" has ${candidates.length} tokens (${candidates.map((i) => i.token_id).join(', ')}); rotate one by its token id`,
      )
    }
    const old = candidates[0]!
    const { token, item } = await admin.rotate(old)
    const setup = target.proxyUrl ? codexSetup(target.proxyUrl, token) : null
    this.log(`Rotated ${old.token_id} → ${item.token_id} for ${item.user_id}; ${old.token_id} is now disabled.`)
    this.log(`New token (shown once — store it now): ${token}\n`)
    if (setup) this.log(renderSetup(setup))
    return { token, token_id: item.token_id, user_id: item.user_id, replaced: old.token_id, proxy_url: target.proxyUrl ?? null, setup }
  }
}
