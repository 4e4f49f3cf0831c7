// How token items are shown: the same fields for the table and for --json.
import type { TokenItem } from '../../../lambda/src/contracts/tables.js'

export interface TokenView {
  token_id: string
  user_id: string
  team: string | null
  enabled: boolean
  created_at: string
  updated_at: string
  disabled_at: string | null
  note: string | null
  rotated_from: string | null
  models: string[] | null
  rpm: number | null
  budget_daily_usd: number | null
  budget_weekly_usd: number | null
  budget_monthly_usd: number | null
  budget_mode: 'hard' | 'soft' | null
  budget_warn_percent: number | null
  secret_scan: string | null
  tags: string[] | null
  endpoints: string[] | null
}

export function tokenView(item: TokenItem): TokenView {
  return {
    token_id: item.token_id,
    user_id: item.user_id,
    team: item.team ?? null,
    enabled: item.enabled,
    created_at: item.created_at,
    updated_at: item.updated_at,
    disabled_at: item.disabled_at ?? null,
    note: item.note ?? null,
    rotated_from: item.rotated_from ?? null,
    models: item.models ?? null,
    rpm: item.rpm ?? null,
    budget_daily_usd: item.budget_daily_usd ?? null,
    budget_weekly_usd: item.budget_weekly_usd ?? null,
    budget_monthly_usd: item.budget_monthly_usd ?? null,
    budget_mode: item.budget_mode ?? null,
    budget_warn_percent: item.budget_warn_percent ?? null,
    secret_scan: item.secret_scan ?? null,
    tags: item.tags ?? null,
    endpoints: item.endpoints ?? null,
  }
}

export async function printTokenTable(tokens: TokenView[], title?: string): Promise<void> {
  const { printTable } = await import('./table.js')
  printTable({
    title,
    data: tokens.map((t) => ({
      token_id: t.token_id,
      user: t.user_id,
      team: t.team ?? '',
      status: t.enabled ? 'enabled' : 'disabled',
      created: t.created_at.slice(0, 19).replace('T', ' '),
      note: t.note ?? '',
    })),
    columns: ['token_id', 'user', 'team', 'status', 'created', 'note'],
    headerOptions: { formatter: 'capitalCase' },
  })
}
