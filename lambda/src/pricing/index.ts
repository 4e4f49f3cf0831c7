// Cost of one proxied request in USD, from the upstream's own usage.
//
// Order: operator overrides (negotiated prices) win; otherwise the maintained price-data
// package; otherwise null. Null is returned for an unknown model or an unknown/inconsistent
// usage and is never replaced by a guess: the caller records `cost_usd: null` and emits a
// metric. (LiteLLM #36529 logged $0 for streamed Responses calls: a 0 is a claim, null is
// honest.)
import type { Usage } from '../contracts/usage.js'
import { billableTokens } from './billable.js'
import { findOverride, NO_OVERRIDES, type PriceOverrides } from './overrides.js'
import { packagePrice } from './package-prices.js'

export { loadPriceOverrides, PriceOverridesError, type PriceOverrides } from './overrides.js'

export interface PriceQuote {
  cost_usd: number
  source: 'package' | 'override'
  /** The package's model id (e.g. `gpt-5` for `gpt-5-2025-08-07`) or the override key. */
  model_matched: string
}

export interface Pricer {
  /**
   * @param model the model the upstream reports (may be a dated snapshot)
   * @param at    when the request was made; selects dated prices (default: now)
   */
  price(model: string | null, usage: Usage | null, at?: Date): PriceQuote | null
}

const PER_MTOK = 1_000_000

/**
 * Rounds away binary floating-point noise (0.011500000000000002 → 0.0115). 1e-10 USD is
 * far below one token of the cheapest OpenAI price listed (0.005 USD/Mtok = 5e-9 USD).
 */
const roundUsd = (usd: number): number => Math.round(usd * 1e10) / 1e10

export function createPricer(options: { overrides?: PriceOverrides } = {}): Pricer {
  const overrides = options.overrides ?? NO_OVERRIDES
  return {
    price(model, usage, at = new Date()) {
      const tokens = billableTokens(usage)
      if (tokens === null) return null
      const id = model?.trim()
      if (!id) return null

      const rule = findOverride(overrides, id)
      if (rule) {
        // Cache writes without a negotiated write price: unknown, not a guess.
        if (tokens.cacheWrite > 0 && rule.cache_write_per_mtok === undefined) return null
        const usd =
          ((tokens.input - tokens.cached - tokens.cacheWrite) * rule.input_per_mtok +
            tokens.cached * rule.cached_input_per_mtok +
            tokens.cacheWrite * (rule.cache_write_per_mtok ?? 0) +
            tokens.output * rule.output_per_mtok) /
          PER_MTOK
        return { cost_usd: roundUsd(usd), source: 'override', model_matched: rule.pattern }
      }

      const quote = packagePrice(id, tokens, at)
      if (quote === null) return null
      return { cost_usd: roundUsd(quote.cost_usd), source: 'package', model_matched: quote.model_matched }
    },
  }
}
