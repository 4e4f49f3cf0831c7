// `--since 24h`, `--since 2026-11-01`, `--until now`: one strict, bounded parser for every
// command that takes a time range (report usage/throttles/secrets; check-origin's --days
// goes through `lastDays`).
//
// Strict: the whole value must match (`new Date('2026-11-01junk')` parses, to another
// day); calendar fields must exist (no 2026-02-30). Bounded: durations, dates and the
// span stay within MAX_RANGE_DAYS, because commands walk the range one UTC day at a
// time (`--since 99999999d` used to loop for ever, `999999999999d` threw a RangeError).
import { UserError } from './base-command.js'

const DAY_MS = 86_400_000
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS }

/** Longest range any command accepts: ten years of daily partitions. */
export const MAX_RANGE_DAYS = 3660

const FORMS = 'a duration (30m, 24h, 7d, 2w), an ISO date or time in UTC (2026-11-01, 2026-11-01T08:30Z) or "now"'

const DURATION = /^(\d+)([mhdw])$/
// Date, optional time (minutes, seconds, fraction), optional zone; no zone means UTC.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/

export interface TimeBoundOptions {
  /** How far back a bound may lie (default MAX_RANGE_DAYS). */
  maxDays?: number
}

export function parseTimeBound(value: string, now: Date, what: string, options: TimeBoundOptions = {}): Date {
  const maxDays = options.maxDays ?? MAX_RANGE_DAYS
  const text = value.trim()
  const bad = (why: string) => new UserError(`${what} "${value.length > 60 ? `${value.slice(0, 60)}…` : value}" ${why}`)
  if (text === 'now') return now
  if (text.length > 40) throw bad(`is not a time: use ${FORMS}`)
  const rel = DURATION.exec(text)
  if (rel) {
    // More than 15 digits would leave Number's exact range; it is too far back anyway.
    const ms = rel[1]!.length > 15 ? Infinity : Number(rel[1]) * UNIT_MS[rel[2]!]!
    if (ms > maxDays * DAY_MS) throw bad(`reaches back more than ${maxDays} days: use a shorter duration or an ISO date`)
    return new Date(now.getTime() - ms)
  }
  const iso = ISO.exec(text)
  if (!iso) throw bad(`is not a time: use ${FORMS}`)
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = iso
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const check = new Date(0)
  check.setUTCFullYear(fields[0], fields[1], fields[2])
  check.setUTCHours(fields[3], fields[4], fields[5], Number(frac.slice(0, 3).padEnd(3, '0')))
  const utc = check.getTime()
  // Dates roll over (Feb 30 → Mar 2, hour 24 → next day): a value that does not come
  // back unchanged names no real time.
  const same =
    check.getUTCFullYear() === fields[0] &&
    check.getUTCMonth() === fields[1] &&
    check.getUTCDate() === fields[2] &&
    check.getUTCHours() === fields[3] &&
    check.getUTCMinutes() === fields[4] &&
    check.getUTCSeconds() === fields[5]
  if (!same) throw bad('is not a real date or time')
  let offsetMs = 0
  if (zone !== 'Z') {
    const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number]
    if (oh > 14 || om > 59) throw bad('has an impossible UTC offset')
    offsetMs = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000
  }
  const at = new Date(utc - offsetMs)
  const days = (now.getTime() - at.getTime()) / DAY_MS
  if (days > maxDays) throw bad(`is more than ${maxDays} days ago`)
  if (days < -maxDays) throw bad(`is more than ${maxDays} days in the future`)
  return at
}

export function parseTimeRange(since: string, until: string, now = new Date(), options: TimeBoundOptions = {}): { from: Date; to: Date } {
  const from = parseTimeBound(since, now, '--since', options)
  const to = parseTimeBound(until, now, '--until', options)
  if (from > to) throw new UserError(`--since (${from.toISOString()}) is after --until (${to.toISOString()})`)
  const maxDays = options.maxDays ?? MAX_RANGE_DAYS
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) throw new UserError(`--since … --until spans more than ${maxDays} days`)
  return { from, to }
}

/** The range of the last `days` days up to `now` (check-origin --days), same bound. */
export function lastDays(days: number, now = new Date(), options: TimeBoundOptions = {}): { from: Date; to: Date } {
  const maxDays = options.maxDays ?? MAX_RANGE_DAYS
  if (!Number.isSafeInteger(days) || days < 1 || days > maxDays) throw new UserError(`--days ${days} must be a whole number from 1 to ${maxDays}`)
  return { from: new Date(now.getTime() - days * DAY_MS), to: now }
}
