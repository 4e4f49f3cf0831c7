// `--since 24h`, `--since 2026-11-01`, `--until now`: one parser for every report.
import { UserError } from './base-command.js'

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }

export function parseTimeBound(value: string, now: Date, what: string): Date {
  if (value === 'now') return now
  const rel = /^(\d+)\s*([mhdw])$/.exec(value.trim())
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2]!]!)
  const abs = new Date(value)
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(abs.getTime())) return abs
  throw new UserError(`${what} "${value}" is not a time: use a duration (30m, 24h, 7d, 2w), an ISO date (2026-11-01) or "now"`)
}

export function parseTimeRange(since: string, until: string, now = new Date()): { from: Date; to: Date } {
  const from = parseTimeBound(since, now, '--since')
  const to = parseTimeBound(until, now, '--until')
  if (from > to) throw new UserError(`--since (${from.toISOString()}) is after --until (${to.toISOString()})`)
  return { from, to }
}
