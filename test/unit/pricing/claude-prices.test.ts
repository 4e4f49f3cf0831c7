// Claude prices: cache reads and cache writes priced apart (peer bugs: cache writes ignored,
// LiteLLM #33772; cache hits priced above misses, cloudflare/ai #550), from Claude's usage
// through the Responses usage the adapters emit, to the pricer.
// Expected costs by hand from Anthropic's list prices (USD per million tokens), as in
// @pydantic/genai-prices 0.1.8 (provider `anthropic`), below the 200k long-context tier:
//   claude-sonnet-4-5: input 3, cache read 0.30, cache write (5 min) 3.75, output 15
//   claude-haiku-4-5:  input 1, cache read 0.10, cache write 1.25, output 5
import { describe, expect, it } from 'vitest'
import { normaliseUsage, type Usage } from '../../../lambda/src/core/usage.js'
import { createPricer, loadPriceOverrides } from '../../../lambda/src/pricing/index.js'
import { type ClaudeUsage, responsesUsage } from '../../../lambda/src/providers/anthropic/to-responses-stream.js'

const pricer = createPricer()
/** Claude's counts as the proxy sees them: through the adapter's Responses usage and the usage extractor. */
const fromClaude = (u: ClaudeUsage): Usage => normaliseUsage(responsesUsage(u))!

describe('Claude usage → the proxy Usage', () => {
  it('counts input as uncached + cache reads + cache writes, and keeps the writes apart', () => {
    expect(fromClaude({ input_tokens: 50, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 2_000, output_tokens: 420 })).toEqual({
      input_tokens: 32_050,
      cached_input_tokens: 30_000,
      cache_write_input_tokens: 2_000,
      output_tokens: 420,
      reasoning_tokens: 0,
      total_tokens: 32_470,
    })
  })

  it('leaves the write count out for OpenAI usage (OpenAI does not bill writes)', () => {
    expect(normaliseUsage({ input_tokens: 10, input_tokens_details: { cached_tokens: 2 }, output_tokens: 1 })).not.toHaveProperty('cache_write_input_tokens')
  })
})

describe('package prices for Claude', () => {
  it('prices uncached input, cache reads, cache writes and output each at its own rate', () => {
    // 50×3 + 30,000×0.30 + 2,000×3.75 + 420×15 = 150 + 9,000 + 7,500 + 6,300 = 22,950 µ$
    expect(pricer.price('claude-sonnet-4-5', fromClaude({ input_tokens: 50, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 2_000, output_tokens: 420 }))).toEqual({
      cost_usd: 0.02295,
      source: 'package',
      model_matched: 'claude-sonnet-4-5',
    })
  })

  it('resolves a dated Claude id and prices Haiku at its own rates', () => {
    // 1,000×1 + 10,000×0.10 + 4,000×1.25 + 100×5 = 1,000 + 1,000 + 5,000 + 500 = 7,500 µ$
    expect(pricer.price('claude-haiku-4-5-20251001', fromClaude({ input_tokens: 1_000, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 4_000, output_tokens: 100 }))?.cost_usd).toBe(0.0075)
  })

  it('prices a cache hit below a miss, and a cache write above a miss', () => {
    const miss = pricer.price('claude-sonnet-4-5', fromClaude({ input_tokens: 10_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 }))!.cost_usd
    const hit = pricer.price('claude-sonnet-4-5', fromClaude({ input_tokens: 0, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 0, output_tokens: 0 }))!.cost_usd
    const write = pricer.price('claude-sonnet-4-5', fromClaude({ input_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 10_000, output_tokens: 0 }))!.cost_usd
    expect([hit, miss, write]).toEqual([0.003, 0.03, 0.0375])
  })

  it('does not price inconsistent usage (more cached and written than input)', () => {
    expect(pricer.price('claude-sonnet-4-5', { input_tokens: 100, cached_input_tokens: 80, cache_write_input_tokens: 30, output_tokens: 1, reasoning_tokens: 0, total_tokens: 101 })).toBeNull()
    expect(pricer.price('claude-sonnet-4-5', { input_tokens: 100, cached_input_tokens: 0, cache_write_input_tokens: null, output_tokens: 1, reasoning_tokens: 0, total_tokens: 101 })).toBeNull()
  })

  it('never resolves a Claude id against the OpenAI catalogue, nor a GPT id against Anthropic', () => {
    expect(pricer.price('gpt-5', fromClaude({ input_tokens: 1_000_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 }))?.cost_usd).toBe(1.25)
    expect(pricer.price('claude-unknown-9', fromClaude({ input_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 }))).toBeNull()
  })
})

describe('override prices with cache writes', () => {
  const overrides = loadPriceOverrides(
    JSON.stringify({ models: { 'claude-sonnet-*': { input_per_mtok: 2, cached_input_per_mtok: 0.2, cache_write_per_mtok: 2.5, output_per_mtok: 10 }, 'claude-opus-*': { input_per_mtok: 10, cached_input_per_mtok: 1, output_per_mtok: 50 } } }),
  )
  const p = createPricer({ overrides })
  const u = fromClaude({ input_tokens: 1_000, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 4_000, output_tokens: 100 })

  it('uses the negotiated write price', () => {
    // 1,000×2 + 10,000×0.2 + 4,000×2.5 + 100×10 = 2,000 + 2,000 + 10,000 + 1,000 = 15,000 µ$
    expect(p.price('claude-sonnet-4-5', u)).toEqual({ cost_usd: 0.015, source: 'override', model_matched: 'claude-sonnet-*' })
  })

  it('gives no price (null, not a guess) when the rule has no write price and the request wrote to the cache', () => {
    expect(p.price('claude-opus-4-1', u)).toBeNull()
    expect(p.price('claude-opus-4-1', fromClaude({ input_tokens: 1_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 }))?.cost_usd).toBe(0.01)
  })

  it('rejects a negative or non-numeric write price', () => {
    expect(() => loadPriceOverrides(JSON.stringify({ models: { x: { input_per_mtok: 1, cached_input_per_mtok: 0, output_per_mtok: 1, cache_write_per_mtok: -1 } } }))).toThrow(/cache_write_per_mtok: expected a number >= 0/)
  })
})
