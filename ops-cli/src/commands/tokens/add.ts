import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { tokenAdminFor } from '../../lib/clients.js'
import { type CodexSetup, codexSetup, renderSetup } from '../../lib/onboarding.js'
import { policyFlags, policyFromFlags } from '../../lib/policy-flags.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export interface TokensAddResult {
  token: string
  token_id: string
  user_id: string
  team: string | null
  proxy_url: string | null
  setup: CodexSetup | null
}

export default class TokensAdd extends BaseCommand<TokensAddResult> {
  static override summary = 'Issue a proxy token for a user and print ready-to-paste Codex setup.'
  static override description = 'The token is printed once and stored only as a SHA-256 hash; keep it like a password.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice --local',
    '<%= config.bin %> <%= command.id %> bob --team platform --note "laptop" --stack-outputs stack-outputs.json',
    '<%= config.bin %> <%= command.id %> carol --table codex-proxy-tokens --region us-east-1 --url https://abc.lambda-url.us-east-1.on.aws --json',
    '<%= config.bin %> <%= command.id %> dave --local --models "gpt-5*,o4-mini" --rpm 30 --budget-daily 20 --budget-monthly 300 --hard',
    '<%= config.bin %> <%= command.id %> eval-bot --local --endpoints embeddings,chat --note "evaluation jobs"',
  ]
  static override args = { user: Args.string({ description: 'User id (e.g. e-mail or login).', required: true }) }
  static override flags = {
    ...targetFlags,
    team: Flags.string({ description: 'Team the user belongs to (for team budgets and reports).' }),
    note: Flags.string({ description: 'Free-text note (where the token is used, ticket id).' }),
    ...policyFlags,
  }

  async run(): Promise<TokensAddResult> {
    const { args, flags } = await this.parse(TokensAdd)
    const policy = policyFromFlags(flags)
    const target = await resolveTarget(flags)
    const { token, item } = await tokenAdminFor(target).create({ user: args.user, team: flags.team, note: flags.note, policy })
    const setup = target.proxyUrl ? codexSetup(target.proxyUrl, token) : null
    this.log(`Created ${item.token_id} for ${item.user_id}${item.team ? ` (team ${item.team})` : ''}.`)
    this.log(`Token (shown once — store it now): ${token}\n`)
    if (setup) this.log(renderSetup(setup))
    else this.log('Pass --url (or use --stack-outputs) to print Codex setup for the proxy URL.')
    return { token, token_id: item.token_id, user_id: item.user_id, team: item.team ?? null, proxy_url: target.proxyUrl ?? null, setup }
  }
}
