import { describe, expect, it } from 'vitest'
import { cooldownFromHeaders, DEFAULT_HEALTH, parseDuration, UpstreamHealth } from '../../../lambda/src/core/upstreams/health.js'

describe('rate-limit header parsing', () => {
  it.each([
    ['6m0s', 360_000],
    ['1s', 1_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['0.5', 500],
    ['30', 30_000],
    ['250us', 1],
  ])('reads the duration %s', (raw, ms) => expect(parseDuration(raw)).toBe(ms))

  it.each(['', 'soon', '-1', '1x', '5 s', 'm', '1e9', '9'.repeat(70)])('refuses the duration %j', (raw) => expect(parseDuration(raw)).toBeUndefined())

  it('prefers retry-after-ms, then retry-after (seconds or date), then the exhausted window', () => {
    const now = Date.parse('2026-11-29T12:00:00Z')
    expect(cooldownFromHeaders(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), now)).toBe(1500)
    expect(cooldownFromHeaders(new Headers({ 'retry-after': '7' }), now)).toBe(7000)
    expect(cooldownFromHeaders(new Headers({ 'retry-after': 'Sun, 29 Nov 2026 12:00:20 GMT' }), now)).toBe(20_000)
    expect(
      cooldownFromHeaders(
        new Headers({ 'x-ratelimit-remaining-requests': '4', 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }),
        now,
      ),
    ).toBe(360_000)
    // Azure's `-1` token counts are not "exhausted": the longer reset given is used.
    expect(cooldownFromHeaders(new Headers({ 'x-ratelimit-remaining-tokens': '-1', 'x-ratelimit-reset-tokens': '20ms', 'x-ratelimit-reset-requests': '1s' }), now)).toBe(1000)
    expect(cooldownFromHeaders(new Headers({ 'retry-after': 'later' }), now)).toBeUndefined()
    expect(cooldownFromHeaders(new Headers(), now)).toBeUndefined()
  })
})

describe('upstream health', () => {
  const make = () => {
    let t = 1_000
    const health = new UpstreamHealth(() => t, DEFAULT_HEALTH, () => 0)
    return { health, advance: (ms: number) => (t += ms) }
  }

  it('rests a rate-limited upstream for as long as it asks, then takes it back', () => {
    const { health, advance } = make()
    expect(health.onRateLimited('a', new Headers({ 'retry-after': '3' }), false)).toBe(3000)
    expect(health.isAvailable('a')).toBe(false)
    expect(health.isAvailable('b')).toBe(true)
    advance(2_999)
    expect(health.isAvailable('a')).toBe(false)
    advance(1)
    expect(health.isAvailable('a')).toBe(true)
  })

  it('rests an account without quota for minutes, and never longer than the cap', () => {
    const { health } = make()
    expect(health.onRateLimited('a', new Headers(), true)).toBe(DEFAULT_HEALTH.quotaExhaustedMs)
    expect(health.onRateLimited('b', new Headers({ 'retry-after': '86400' }), false)).toBe(DEFAULT_HEALTH.maxCooldownMs)
    expect(health.onRateLimited('c', new Headers(), false)).toBe(DEFAULT_HEALTH.defaultRateLimitMs)
  })

  it('opens the breaker after consecutive failures, longer each time, and closes it on success', () => {
    const { health, advance } = make()
    health.onFailure('a', 'status 502')
    health.onFailure('a', 'status 502')
    expect(health.isAvailable('a')).toBe(true)
    health.onFailure('a', 'connection refused')
    expect(health.view('a')).toMatchObject({ available: false, reason: expect.stringContaining('3 consecutive failures (last: connection refused)') })
    advance(DEFAULT_HEALTH.breakerBaseMs)
    expect(health.isAvailable('a')).toBe(true)
    // Half-open: one more failure re-opens it, for twice as long.
    health.onFailure('a', 'status 500')
    advance(DEFAULT_HEALTH.breakerBaseMs)
    expect(health.isAvailable('a')).toBe(false)
    advance(DEFAULT_HEALTH.breakerBaseMs)
    expect(health.isAvailable('a')).toBe(true)
    health.onSuccess('a')
    health.onFailure('a', 'status 500')
    expect(health.isAvailable('a')).toBe(true)
  })
})
