// The rules of `report throttles`: from per-period metrics to a verdict and recommendations.
import { describe, expect, it } from 'vitest'
import { DEFAULT_ALIAS } from '../../ops-cli/src/lib/target.js'
import {
  type ConcurrencySettings,
  NEAR_LIMIT_RATIO,
  NEAR_TIMEOUT_RATIO,
  type PeriodMetrics,
  periodDemand,
  throttleVerdict,
} from '../../ops-cli/src/lib/throttles/verdict.js'

const settings: ConcurrencySettings = {
  periodSeconds: 300,
  reserved: 25,
  accountLimit: 1000,
  unreserved: 900,
  provisioned: { requested: 2, allocated: 2, status: 'READY' },
  aliasName: 'live',
  timeoutSeconds: 120,
}

const period = (overrides: Partial<PeriodMetrics> = {}): PeriodMetrics => ({
  start: '2026-11-20T14:00:00.000Z',
  invocations: 100,
  throttles: 0,
  errors: 0,
  peak_concurrency: 5,
  spillover: 0,
  p99_duration_ms: 30_000,
  avg_duration_ms: 20_000,
  ...overrides,
})

describe('throttle verdict', () => {
  it('is ok without a change when peaks stay well under reserved', () => {
    const v = throttleVerdict([period(), period({ peak_concurrency: 8 })], settings)
    expect(v).toEqual({ level: 'ok', summary: 'No throttling: peak 8 concurrent of reserved 25 (32%). No change needed.', estimated_peak_demand: 8, recommendations: [] })
  })

  it('is ok when nothing ran', () => {
    expect(throttleVerdict([period({ invocations: 0, peak_concurrency: null })], settings).summary).toBe('No invocations in the period: nothing was throttled.')
  })

  it('estimates demand as running instances plus refused requests times their duration', () => {
    // 150 refused in 300 s = 0.5/s, each would have run 20 s: 10 more instances.
    expect(periodDemand(period({ peak_concurrency: 25, throttles: 150 }), 300)).toBe(35)
  })

  it('recommends reserved concurrency that puts the estimated peak at the alarm ratio', () => {
    const v = throttleVerdict([period(), period({ peak_concurrency: 25, throttles: 150 })], settings)
    expect(v.level).toBe('throttled')
    expect(v.summary).toBe('Throttled: 150 requests refused by AWS in 1 of 2 periods; peak 25 concurrent of reserved 25 (100%).')
    expect(v.estimated_peak_demand).toBe(35)
    // 35 / 0.8 = 43.75
    expect(v.recommendations[0]!.action).toBe('Raise reserved concurrency from 25 to 44: pulumi config set codex-proxy:reservedConcurrency 44 && pulumi up')
  })

  it('warns near the limit before any throttling, with a target above the peak', () => {
    const v = throttleVerdict([period({ peak_concurrency: 21 })], settings)
    expect(v.level).toBe('near_limit')
    expect(v.recommendations[0]!.action).toContain('from 25 to 27')
  })

  it('asks for a quota increase when the account cannot reserve that much more', () => {
    const v = throttleVerdict([period({ peak_concurrency: 25, throttles: 150 })], { ...settings, unreserved: 110 })
    expect(v.recommendations.map((r) => r.action)).toContain('Request a Lambda concurrent-executions quota increase (Service Quotas) before raising reserved concurrency')
  })

  it('points at the account quota when the function has no reserved concurrency', () => {
    const v = throttleVerdict([period({ peak_concurrency: 1000, throttles: 30 })], { ...settings, reserved: null })
    expect(v.level).toBe('throttled')
    expect(v.recommendations[0]!.action).toMatch(/^Request a Lambda concurrent-executions quota increase/)
  })

  it('recommends more provisioned concurrency when over a tenth of invocations spill over', () => {
    const v = throttleVerdict([period({ spillover: 30, peak_concurrency: 6 }), period({ spillover: 20, peak_concurrency: 4 })], settings)
    expect(v.level).toBe('warning')
    expect(v.recommendations).toEqual([
      expect.objectContaining({ action: 'Raise provisioned concurrency on alias live from 2 to 5: pulumi config set codex-proxy:provisionedConcurrency 5 && pulumi up' }),
    ])
  })

  it('leaves provisioned concurrency alone when spillover is occasional', () => {
    expect(throttleVerdict([period({ spillover: 5 })], settings).recommendations).toEqual([])
  })

  it('points at the logs when invocations failed', () => {
    const v = throttleVerdict([period({ errors: 3 })], settings)
    expect(v.level).toBe('warning')
    expect(v.recommendations[0]!.reason).toMatch(/^3 invocations failed \(3%\)/)
  })

  it('warns when p99 duration nears the timeout', () => {
    const v = throttleVerdict([period({ p99_duration_ms: 110_000 })], settings)
    expect(v.recommendations[0]!.action).toBe('Raise the timeout (codex-proxy:timeoutSeconds, now 120 s; at most 900)')
  })
})

describe('ops CLI figures shared with the Pulumi program', () => {
  it('judges "near the limit" and "near the timeout" as the alarms do, and defaults to the same alias', async () => {
    const [alarms, proxy] = await Promise.all([import('../../infra/alarms.js'), import('../../infra/proxy.js')])
    expect(NEAR_LIMIT_RATIO).toBe(alarms.CONCURRENCY_ALARM_RATIO)
    expect(NEAR_TIMEOUT_RATIO).toBe(alarms.DURATION_ALARM_RATIO)
    expect(DEFAULT_ALIAS).toBe(proxy.LIVE_ALIAS)
  })
})
