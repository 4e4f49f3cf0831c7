// Expected costs are computed by hand from the per-million-token prices in the data of
// @pydantic/genai-prices 0.1.8 (provider `openai`), which match OpenAI's model pages:
//   gpt-5 (also gpt-5-2025-08-07, gpt-5-codex):  input 1.25, cached 0.125, output 10
//   gpt-5.1-codex-mini:                          input 0.25, cached 0.025, output 2
//   o4-mini:                                     input 1.1,  cached 0.275, output 4.4
//   o3 before 2025-06-10: input 10, output 40;  from 2025-06-10: input 2, output 8
//   gpt-5.4: input 2.5 / output 15; above 271,999 input tokens: input 5 / output 22.5
// cost = ((input − cached) × input + cached × cached_input + output × output) / 1e6
import { describe, expect, it } from 'vitest'
import type { Usage } from '../../../lambda/src/core/usage.js'
import { normaliseUsage } from '../../../lambda/src/core/usage.js'
import { createPricer, loadPriceOverrides } from '../../../lambda/src/pricing/index.js'

const usage = (input: number, cached: number, output: number, reasoning = 0): Usage => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_tokens: reasoning,
  total_tokens: input + output,
})

const pricer = createPricer()

describe('pricing from the package', () => {
  it('prices a plain request at the input and output prices', () => {
    // 10,000 × 1.25/1e6 + 2,000 × 10/1e6 = 0.0125 + 0.02
    expect(pricer.price('gpt-5', usage(10_000, 0, 2_000))).toEqual({
      cost_usd: 0.0325,
      source: 'package',
      model_matched: 'gpt-5',
    })
  })

  it('prices cached input tokens at the cached-input price and only the rest at the input price', () => {
    // (10,000 − 8,000) × 1.25/1e6 + 8,000 × 0.125/1e6 = 0.0025 + 0.001
    expect(pricer.price('gpt-5', usage(10_000, 8_000, 0))?.cost_usd).toBe(0.0035)
  })

  it('does not count reasoning tokens twice because they are part of the output tokens', () => {
    // 1,000 × 1.1/1e6 + 5,000 × 4.4/1e6 = 0.0011 + 0.022 (4,000 of the 5,000 are reasoning)
    expect(pricer.price('o4-mini', usage(1_000, 0, 5_000, 4_000))?.cost_usd).toBe(0.0231)
  })

  it('resolves a dated snapshot to its model', () => {
    expect(pricer.price('gpt-5-2025-08-07', usage(10_000, 0, 2_000))).toEqual({
      cost_usd: 0.0325,
      source: 'package',
      model_matched: 'gpt-5',
    })
  })

  it('prices gpt-5-codex at the gpt-5 prices', () => {
    expect(pricer.price('gpt-5-codex', usage(10_000, 8_000, 0))).toEqual({
      cost_usd: 0.0035,
      source: 'package',
      model_matched: 'gpt-5',
    })
  })

  it('prices gpt-5.1-codex-mini with its own cached-input price', () => {
    // 2,000 × 0.25/1e6 + 8,000 × 0.025/1e6 + 1,000 × 2/1e6 = 0.0005 + 0.0002 + 0.002
    expect(pricer.price('gpt-5.1-codex-mini', usage(10_000, 8_000, 1_000))?.cost_usd).toBe(0.0027)
  })

  it('applies the long-context tier to a gpt-5.4 request above 271,999 input tokens', () => {
    // 300,000 × 5/1e6 + 1,000 × 22.5/1e6 = 1.5 + 0.0225
    expect(pricer.price('gpt-5.4', usage(300_000, 0, 1_000))?.cost_usd).toBe(1.5225)
  })

  it('keeps the base price for a gpt-5.4 request below the long-context threshold', () => {
    // 200,000 × 2.5/1e6 + 1,000 × 15/1e6 = 0.5 + 0.015
    expect(pricer.price('gpt-5.4', usage(200_000, 0, 1_000))?.cost_usd).toBe(0.515)
  })

  it('uses the price in force at the request time for a model whose price changed', () => {
    // o3 on 2025-05-01: 1,000 × 10/1e6 + 1,000 × 40/1e6 = 0.01 + 0.04
    expect(pricer.price('o3', usage(1_000, 0, 1_000), new Date('2025-05-01T00:00:00Z'))?.cost_usd).toBe(0.05)
    // o3 on 2025-07-01: 1,000 × 2/1e6 + 1,000 × 8/1e6 = 0.002 + 0.008
    expect(pricer.price('o3', usage(1_000, 0, 1_000), new Date('2025-07-01T00:00:00Z'))?.cost_usd).toBe(0.01)
  })

  it('prices a Responses usage object exactly as the proxy core normalises it', () => {
    const normalised = normaliseUsage({
      input_tokens: 10_000,
      input_tokens_details: { cached_tokens: 8_000 },
      output_tokens: 1_000,
      output_tokens_details: { reasoning_tokens: 600 },
      total_tokens: 11_000,
    })
    // 2,000 × 1.25/1e6 + 8,000 × 0.125/1e6 + 1,000 × 10/1e6 = 0.0025 + 0.001 + 0.01
    expect(pricer.price('gpt-5-2025-08-07', normalised ?? null)?.cost_usd).toBe(0.0135)
  })
})

describe('no price rather than a guess', () => {
  it('returns null for a model the package does not know', () => {
    expect(pricer.price('gpt-9-imaginary', usage(10_000, 0, 2_000))).toBeNull()
  })

  it('returns null for a model of a vendor the proxy does not serve, even if the package prices it elsewhere', () => {
    // Claude ids are priced under Anthropic (claude-prices.test.ts); Gemini is not served.
    expect(pricer.price('gemini-2.5-pro', usage(10_000, 0, 2_000))).toBeNull()
  })

  it('returns null when the model is unknown to the proxy', () => {
    expect(pricer.price(null, usage(10_000, 0, 2_000))).toBeNull()
  })

  it('returns null for null usage', () => {
    expect(pricer.price('gpt-5', null)).toBeNull()
  })

  it('returns null when the output token count is missing', () => {
    expect(pricer.price('gpt-5', { ...usage(10_000, 0, 0), output_tokens: null })).toBeNull()
  })

  it('returns null when more tokens are cached than were input', () => {
    expect(pricer.price('gpt-5', usage(1_000, 2_000, 10))).toBeNull()
  })
})

describe('overrides', () => {
  const overrides = loadPriceOverrides(
    JSON.stringify({
      models: {
        'gpt-5': { input_per_mtok: 1.0, cached_input_per_mtok: 0.1, output_per_mtok: 8.0 },
        'gpt-5*': { input_per_mtok: 0.5, cached_input_per_mtok: 0.05, output_per_mtok: 4.0 },
        'gpt-5.1-codex*': { input_per_mtok: 0.8, cached_input_per_mtok: 0.08, output_per_mtok: 6.0 },
        'in-house-*': { input_per_mtok: 3, cached_input_per_mtok: 3, output_per_mtok: 3 },
      },
    }),
  )
  const negotiated = createPricer({ overrides })

  it('beats the package price for the same model', () => {
    // 10,000 × 1.0/1e6 + 2,000 × 8.0/1e6 = 0.01 + 0.016
    expect(negotiated.price('gpt-5', usage(10_000, 0, 2_000))).toEqual({
      cost_usd: 0.026,
      source: 'override',
      model_matched: 'gpt-5',
    })
  })

  it('prices cached tokens at the override cached-input price', () => {
    // 2,000 × 1.0/1e6 + 8,000 × 0.1/1e6 = 0.002 + 0.0008
    expect(negotiated.price('gpt-5', usage(10_000, 8_000, 0))?.cost_usd).toBe(0.0028)
  })

  it('applies a glob to a dated snapshot', () => {
    // 10,000 × 0.5/1e6 + 2,000 × 4.0/1e6 = 0.005 + 0.008
    expect(negotiated.price('gpt-5-mini-2025-08-07', usage(10_000, 0, 2_000))).toEqual({
      cost_usd: 0.013,
      source: 'override',
      model_matched: 'gpt-5*',
    })
  })

  it('lets the most specific glob win when several match', () => {
    expect(negotiated.price('gpt-5.1-codex-max', usage(10_000, 0, 2_000))?.model_matched).toBe('gpt-5.1-codex*')
  })

  it('falls through to the package for a model no glob matches', () => {
    // gpt-4.1 from the package: 10,000 × 2/1e6 + 2,000 × 8/1e6 = 0.02 + 0.016
    expect(negotiated.price('gpt-4.1', usage(10_000, 0, 2_000))).toEqual({
      cost_usd: 0.036,
      source: 'package',
      model_matched: 'gpt-4.1',
    })
  })

  it('prices a model the package does not know', () => {
    // 1,000 × 3/1e6 + 1,000 × 3/1e6
    expect(negotiated.price('in-house-coder', usage(1_000, 0, 1_000))?.cost_usd).toBe(0.006)
  })

  it('still returns null for null usage', () => {
    expect(negotiated.price('gpt-5', null)).toBeNull()
  })
})
