import { Flags } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { printTokenTable, type TokenView, tokenView } from '../../lib/token-view.js'

export default class TokensList extends BaseCommand<TokenView[]> {
  static override summary = 'List proxy tokens (never the tokens themselves: ids, owners, status).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local',
    '<%= config.bin %> <%= command.id %> --user alice --json',
    '<%= config.bin %> <%= command.id %> --disabled --stack-outputs stack-outputs.json',
  ]
  static override flags = {
    ...targetFlags,
    user: Flags.string({ description: "Only this user's tokens." }),
    enabled: Flags.boolean({ description: 'Only enabled tokens.', exclusive: ['disabled'] }),
    disabled: Flags.boolean({ description: 'Only disabled tokens.', exclusive: ['enabled'] }),
  }

  async run(): Promise<TokenView[]> {
    const { flags } = await this.parse(TokensList)
    const target = await resolveTarget(flags)
    const items = await tokenAdminFor(target).list(flags.user)
    const tokens = items.map(tokenView).filter((t) => (flags.enabled ? t.enabled : flags.disabled ? !t.enabled : true))
    if (!this.jsonEnabled()) {
      if (tokens.length === 0) this.log('No tokens. Create one with `codex-proxy tokens add <user>`.')
      else await printTokenTable(tokens)
    }
    return tokens
  }
}
