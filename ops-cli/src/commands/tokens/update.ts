import { Flags } from '@oclif/core'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { policyChangesFromFlags, policyFlags } from '../../lib/policy-flags.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { selectTokens, userOrTokenArg } from '../../lib/token-selection.js'
import { type TokenView, tokenView } from '../../lib/token-view.js'

export default class TokensUpdate extends BaseCommand<TokenView[]> {
  static override summary = "Change a token's (or all of a user's tokens') policy, team or note."
  static override description = 'Takes effect within the proxy token cache TTL (default 5 s). "none" removes a limit; --models all removes the allow-list.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --local --budget-daily 25 --soft',
    '<%= config.bin %> <%= command.id %> tok_0123456789ab --models "gpt-5*" --rpm 60 --json',
    '<%= config.bin %> <%= command.id %> bob --rpm none --models all',
    '<%= config.bin %> <%= command.id %> tok_0123456789ab --budget-daily 5 --hard --tags ci',
  ]
  static override args = userOrTokenArg
  static override flags = {
    ...targetFlags,
    ...policyFlags,
    team: Flags.string({ description: 'Move to this team ("none" removes the team).' }),
    note: Flags.string({ description: 'Replace the note ("none" removes it).' }),
  }

  async run(): Promise<TokenView[]> {
    const { args, flags } = await this.parse(TokensUpdate)
    const changes = policyChangesFromFlags(flags)
    const clear = (v: string | undefined) => (v === undefined ? undefined : /^none$/i.test(v) ? null : v)
    const team = clear(flags.team)
    const note = clear(flags.note)
    if (Object.keys(changes).length === 0 && team === undefined && note === undefined) {
      throw new UserError('nothing to change: give at least one of --models --rpm --budget-daily --budget-weekly --budget-monthly --hard --soft --warn-percent --tags --secret-scan --endpoints --team --note')
    }
    const admin = tokenAdminFor(await resolveTarget(flags))
    const updated = (await admin.update(await selectTokens(admin, args.target), { ...changes, team, note })).map(tokenView)
    for (const t of updated) this.log(`updated ${t.token_id} (user ${t.user_id})`)
    return updated
  }
}
