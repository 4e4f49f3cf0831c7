// The per-name memory of packagePrice (issue 14): a remembered name gives exactly what the
// package's full lookup gives, the price is still chosen per call (dated prices, tiers),
// unknown names are remembered as unknown, and names from clients cannot grow it without bound.
// Expected figures: see pricer.test.ts (genai-prices 0.1.8 data).
import { calcPrice } from '@pydantic/genai-prices'
import { describe, expect, it } from 'vitest'
import { packagePrice, PRICE_CACHE_MAX, priceCacheSize, priceProviderOf } from '../../../lambda/src/pricing/package-prices.js'

const tokens = (input: number, cached: number, output: number, cacheWrite = 0) => ({ input, cached, cacheWrite, output })
const direct = (model: string, t: ReturnType<typeof tokens>, at: Date) => {
  const r = calcPrice({ input_tokens: t.input, cache_read_tokens: t.cached, cache_write_tokens: t.cacheWrite, output_tokens: t.output }, model, { providerId: priceProviderOf(model), timestamp: at })
  return r && { cost_usd: r.total_price, model_matched: r.model.id }
}

describe('packagePrice, remembered per model name', () => {
  const at = new Date('2026-11-29T12:00:00Z')
  const cases: [string, ReturnType<typeof tokens>][] = [
    ['gpt-5', tokens(10_000, 2_000, 1_000)],
    ['gpt-5-2025-08-07', tokens(10_000, 2_000, 1_000)],
    ['GPT-5-Codex', tokens(5_000, 0, 500)],
    ['gpt-5.1-codex-mini', tokens(1_000, 100, 10)],
    ['o4-mini', tokens(3_000, 1_000, 300)],
    ['gpt-5.4', tokens(300_000, 0, 1_000)],
    ['claude-sonnet-4-5', tokens(20_000, 5_000, 800, 3_000)],
    ['no-such-model-xyz', tokens(1, 0, 1)],
  ]

  it('gives, on the first and on later calls, what the package gives for the same name and usage', () => {
    for (const [model, t] of cases) {
      const expected = direct(model, t, at)
      expect(packagePrice(model, t, at)).toEqual(expected)
      expect(packagePrice(model, t, at)).toEqual(expected)
      expect(packagePrice(model, t, at)).toEqual(expected)
    }
    expect(priceCacheSize()).toBe(cases.length)
  })

  it('still applies the long-context tier by the tokens of each call once gpt-5.4 is remembered', () => {
    packagePrice('gpt-5.4', tokens(1_000, 0, 0), at)
    // 300,000 × 5/1e6 + 1,000 × 22.5/1e6 = 1.5 + 0.0225; 200,000 × 2.5/1e6 + 1,000 × 15/1e6 = 0.5 + 0.015
    expect(packagePrice('gpt-5.4', tokens(300_000, 0, 1_000), at)?.cost_usd).toBeCloseTo(1.5225, 10)
    expect(packagePrice('gpt-5.4', tokens(200_000, 0, 1_000), at)?.cost_usd).toBeCloseTo(0.515, 10)
  })

  it('still chooses the dated price by the time of each call once o3 is remembered', () => {
    const before = new Date('2025-05-01T00:00:00Z')
    const after = new Date('2025-07-01T00:00:00Z')
    expect(packagePrice('o3', tokens(1_000, 0, 1_000), after)?.cost_usd).toBeCloseTo(0.01, 10)
    expect(packagePrice('o3', tokens(1_000, 0, 1_000), before)?.cost_usd).toBeCloseTo(0.05, 10)
    expect(packagePrice('o3', tokens(1_000, 0, 1_000), after)?.cost_usd).toBeCloseTo(0.01, 10)
  })

  it('keeps answering null for an unknown name, and a name that only differs in case and spaces resolves alike', () => {
    expect(packagePrice('unknown-model-abc', tokens(1, 0, 1), at)).toBeNull()
    expect(packagePrice('unknown-model-abc', tokens(1, 0, 1), at)).toBeNull()
    expect(packagePrice('  GPT-5  ', tokens(10_000, 0, 2_000), at)).toEqual({ cost_usd: expect.closeTo(0.0325, 10), model_matched: 'gpt-5' })
  })

  it('stays bounded under a flood of distinct names (a hostile client choosing model names)', () => {
    for (let i = 0; i < PRICE_CACHE_MAX * 2 + 17; i++) {
      expect(packagePrice(`made-up-${i}`, tokens(1, 0, 1), at)).toBeNull()
      expect(priceCacheSize()).toBeLessThanOrEqual(PRICE_CACHE_MAX)
    }
    // Known names still price correctly after the memory started over.
    expect(packagePrice('gpt-5', tokens(10_000, 0, 2_000), at)?.cost_usd).toBeCloseTo(0.0325, 10)
  })
})
