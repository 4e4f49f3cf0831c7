import { describe, expect, it } from 'vitest'
import { estimateCostUsd, maxOutputTokensOf, UNKNOWN_MODEL_RESERVE_USD } from '../../../lambda/src/core/governance/cost-estimate.js'
import { createPricer } from '../../../lambda/src/pricing/index.js'

const pricer = createPricer()
const at = new Date('2026-11-21T10:00:00Z')

describe('reservation estimate', () => {
  it('prices body bytes / 4 as uncached input and 4096 output tokens by default', () => {
    // gpt-5: $1.25 input, $10 output per million tokens.
    expect(estimateCostUsd(pricer, { model: 'gpt-5', bodyBytes: 40_000, maxOutputTokens: null }, at)).toBeCloseTo((10_000 * 1.25 + 4096 * 10) / 1e6, 9)
  })

  it('uses max_output_tokens when the request sets it', () => {
    expect(estimateCostUsd(pricer, { model: 'gpt-5', bodyBytes: 4_000, maxOutputTokens: 100 }, at)).toBeCloseTo((1_000 * 1.25 + 100 * 10) / 1e6, 9)
  })

  it('reserves a fixed amount for a model the price table does not know', () => {
    expect(estimateCostUsd(pricer, { model: 'no-such-model', bodyBytes: 1_000, maxOutputTokens: null }, at)).toBe(UNKNOWN_MODEL_RESERVE_USD)
    expect(estimateCostUsd(pricer, { model: null, bodyBytes: 1_000, maxOutputTokens: null }, at)).toBe(UNKNOWN_MODEL_RESERVE_USD)
  })

  it.each([
    [{ max_output_tokens: 500 }, 500],
    [{ max_completion_tokens: 300 }, 300],
    [{ max_tokens: 200 }, 200],
    [{ max_output_tokens: 0 }, null],
    [{ max_output_tokens: '5' }, null],
    [{}, null],
    ['text', null],
  ])('reads the output cap from %j', (body, expected) => {
    expect(maxOutputTokensOf(body)).toBe(expected)
  })
})
