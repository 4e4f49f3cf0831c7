// A budget alert: sent once per level, id, period and kind (warn threshold, cap) to the
// deployment's alarm SNS topic (AWS) or a webhook (local host). Shared by the proxy that
// sends it and the docs/tests that read it.
import type { AlertKind, Level, Period } from './counters.js'

export interface BudgetAlert {
  kind: AlertKind
  level: Level
  /** User id, team, token id, tag, or ORG_ID. */
  id: string
  period: Period
  mode: 'hard' | 'soft'
  limit_usd: number
  /** Spent plus in-flight reservations when the alert fired (may pass the limit on soft budgets). */
  used_usd: number
  /** Whole percent of the limit. */
  percent: number
  /** True when a request was refused by this budget (hard cap reached). */
  blocked: boolean
  /** ISO-8601 UTC: when the period ends and the budget resets. */
  resets_at: string
  /** ISO-8601 UTC: when the alert fired. */
  at: string
}

const PERIOD_NAME: Record<Period, string> = { day: 'daily', week: 'weekly', month: 'monthly' }

/** One line a person reads (e-mail body, Slack text). */
export function describeAlert(a: BudgetAlert): string {
  const what = `${a.level} ${a.id} ${PERIOD_NAME[a.period]} budget`
  const figures = `$${a.used_usd.toFixed(2)} of $${a.limit_usd.toFixed(2)} (${a.percent}%)`
  const head =
    a.kind === 'warn'
      ? `codex-proxy: ${what} at ${a.percent}% — warning`
      : a.blocked
        ? `codex-proxy: ${what} reached — requests are being refused`
        : `codex-proxy: ${what} reached (${a.mode} limit)`
  return `${head}: ${figures} spent or reserved; resets ${a.resets_at}`
}

/** A short subject line (SNS allows 100 characters, ASCII). */
export function alertSubject(a: BudgetAlert): string {
  const subject = `codex-proxy budget ${a.kind === 'warn' ? 'warning' : 'cap reached'}: ${a.level} ${a.id} ${PERIOD_NAME[a.period]}`
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)
}
