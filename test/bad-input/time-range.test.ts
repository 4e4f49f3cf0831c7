// Hostile --since/--until/--days values: every one is a clear UserError, never a silent
// other date, a hang or a raw RangeError (issue 10, finding 10).
import { describe, expect, it } from 'vitest'
import { UserError } from '../../ops-cli/src/lib/base-command.js'
import { lastDays, MAX_RANGE_DAYS, parseTimeBound, parseTimeRange } from '../../ops-cli/src/lib/time-range.js'
import { cli } from '../support/cli.js'

const NOW = new Date('2026-11-29T12:00:00.000Z')
const bound = (v: string) => parseTimeBound(v, NOW, '--since')

describe('time bounds: accepted forms', () => {
  it.each([
    ['now', '2026-11-29T12:00:00.000Z'],
    ['30m', '2026-11-29T11:30:00.000Z'],
    ['24h', '2026-11-28T12:00:00.000Z'],
    ['7d', '2026-11-22T12:00:00.000Z'],
    ['2w', '2026-11-15T12:00:00.000Z'],
    [' 7d ', '2026-11-22T12:00:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T08:30', '2026-11-01T08:30:00.000Z'],
    ['2026-11-01T08:30Z', '2026-11-01T08:30:00.000Z'],
    ['2026-11-01 08:30:15', '2026-11-01T08:30:15.000Z'],
    ['2026-11-01T08:30:15.25Z', '2026-11-01T08:30:15.250Z'],
    ['2026-11-01T08:30:15.123456789Z', '2026-11-01T08:30:15.123Z'],
    ['2026-11-01T08:30+02:00', '2026-11-01T06:30:00.000Z'],
    ['2026-11-01T08:30-05:30', '2026-11-01T14:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    [`${MAX_RANGE_DAYS}d`, new Date(NOW.getTime() - MAX_RANGE_DAYS * 86_400_000).toISOString()],
  ])('%j → %s', (value, expected) => {
    expect(bound(value).toISOString()).toBe(expected)
  })
})

describe('time bounds: hostile values are refused with a clear message', () => {
  it.each([
    // Used to be read by `new Date()` as another day (2026-06-11).
    ['2026-11-01junk', /not a time/],
    ['2026-11-01T', /not a time/],
    ['2026-11-01T08', /not a time/],
    ['2026-11-1', /not a time/],
    ['26-11-01', /not a time/],
    ['+002026-11-01', /not a time/],
    ['2026/11/01', /not a time/],
    ['Nov 1 2026', /not a time/],
    ['1764417600000', /not a time/],
    ['', /not a time/],
    ['7', /not a time/],
    ['d', /not a time/],
    ['-7d', /not a time/],
    ['7D', /not a time/],
    ['7 d', /not a time/],
    ['1.5d', /not a time/],
    ['7y', /not a time/],
    ['0x10d', /not a time/],
    ['7d7d', /not a time/],
    ['٧d', /not a time/], // an Arabic-Indic digit: only ASCII digits count
    ['now ', undefined], // trimmed: accepted
    // Calendar fields that do not exist: Date.UTC would roll them over silently.
    ['2026-02-29', /not a real date/],
    ['2026-02-30', /not a real date/],
    ['2026-13-01', /not a real date/],
    ['2026-00-10', /not a real date/],
    ['2026-11-00', /not a real date/],
    ['2026-11-01T24:00', /not a real date/],
    ['2026-11-01T23:60', /not a real date/],
    ['2026-11-01T23:59:60', /not a real date/],
    ['2026-11-01T08:30+15:00', /impossible UTC offset/],
    ['2026-11-01T08:30+02:60', /impossible UTC offset/],
    // Bounded: durations and dates further than MAX_RANGE_DAYS.
    ['99999999d', /more than 3660 days/], // used to hang (one loop turn per day)
    ['999999999999d', /more than 3660 days/], // used to throw a raw RangeError
    ['9999999999999999999999999999999d', /more than 3660 days/],
    [`${'9'.repeat(10_000)}d`, /not a time/],
    [`${MAX_RANGE_DAYS + 1}d`, /more than 3660 days/],
    ['999999w', /more than 3660 days/],
    ['0001-01-01', /more than 3660 days ago/],
    ['9999-12-31', /more than 3660 days in the future/],
  ])('%j', (value, message) => {
    if (message === undefined) {
      expect(() => bound(value)).not.toThrow()
      return
    }
    let error: unknown
    try {
      bound(value)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).toContain('--since')
  })

  it('quotes a huge value cut short, not whole', () => {
    const huge = `2026-11-01${'x'.repeat(100_000)}`
    expect(() => bound(huge)).toThrow(UserError)
    try {
      bound(huge)
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(300)
    }
  })

  it('a caller may narrow the bound (CloudWatch keeps 455 days)', () => {
    expect(() => parseTimeBound('456d', NOW, '--since', { maxDays: 455 })).toThrow(/more than 455 days/)
    expect(parseTimeBound('455d', NOW, '--since', { maxDays: 455 }).getTime()).toBe(NOW.getTime() - 455 * 86_400_000)
  })
})

describe('time ranges', () => {
  it('refuses --since after --until', () => {
    expect(() => parseTimeRange('2026-11-02', '2026-11-01', NOW)).toThrow(/after --until/)
  })

  it('refuses a span longer than the bound even when each end is within it', () => {
    expect(() => parseTimeRange('3000d', '2035-01-01', NOW)).toThrow(/spans more than 3660 days/)
  })

  it('names --until in its own errors', () => {
    expect(() => parseTimeRange('7d', '2026-11-01junk', NOW)).toThrow(/--until "2026-11-01junk"/)
  })

  it('check-origin --days: whole numbers from 1 to the bound', () => {
    expect(lastDays(7, NOW).from.toISOString()).toBe('2026-11-22T12:00:00.000Z')
    for (const days of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_RANGE_DAYS + 1, 2 ** 60]) {
      expect(() => lastDays(days, NOW)).toThrow(UserError)
    }
  })
})

describe('the CLI refuses hostile --since before doing any work', () => {
  it.each(['2026-11-01junk', '99999999d', '999999999999d'])('report usage --since %s', async (since) => {
    const result = await cli(['report', 'usage', '--since', since, '--local', '--data-dir', '/nonexistent-cxp-data'], { timeoutMs: 30_000 })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/--since ".*" (is not a time|reaches back more than 3660 days)/)
    expect(result.stderr).not.toMatch(/RangeError|at .*\.ts:\d+/)
  }, 40_000)
})
