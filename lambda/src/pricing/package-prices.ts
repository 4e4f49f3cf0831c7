// Prices from the maintained price-data package @pydantic/genai-prices (pinned in
// package.json; data lives in the package, upstream: github.com/pydantic/genai-prices).
//
// Why this package (see the pricing evaluation in the PR/report): exact OpenAI
// cached-input prices, dated snapshots and Codex ids in its match rules
// (`gpt-5-2025-08-07` and `gpt-5-codex` → gpt-5), long-context tiers (gpt-5.4/5.5 above
// 272k input tokens) and dated price changes (o3's 2025-06-10 cut). Its data is bundled:
// `calcPrice` never fetches; only `updatePrices()` would, and we never call it, so the
// Lambda hot path makes no network call. Updating prices = bumping the package version.
import { calcPrice, findProvider, type ModelInfo, type Provider } from '@pydantic/genai-prices'
import type { BillableTokens } from './billable.js'

/** The one provider priced (the proxy only talks to the OpenAI API); the Lambda build keeps only its data. */
export const PRICE_PROVIDER_ID = 'openai'

export interface PackageQuote {
  readonly cost_usd: number
  /** The package's model id that matched, e.g. `gpt-5` for `gpt-5-2025-08-07`. */
  readonly model_matched: string
}

/**
 * Cost from the package's OpenAI provider, or null when the package does not know the
 * model. The provider is pinned to `openai` so a name is never resolved against another
 * vendor's catalogue (the proxy only talks to the OpenAI API).
 */
export function packagePrice(model: string, tokens: BillableTokens, at: Date): PackageQuote | null {
  const key = model.toLowerCase().trim()
  const known = matched.get(key)
  if (known === null) return null
  let result: ReturnType<typeof calcPrice>
  try {
    // Usage keys per the package README: `input_tokens` is the total including cache reads,
    // `cache_read_tokens` is the cached part; the package splits them itself (uncached =
    // input − cache reads) and applies a tier by the total input count.
    result = calcPrice(
      { input_tokens: tokens.input, cache_read_tokens: tokens.cached, output_tokens: tokens.output },
      model,
      known ? { provider: known, timestamp: at } : { providerId: PRICE_PROVIDER_ID, timestamp: at },
    )
  } catch {
    // The package throws on price data it cannot apply (e.g. a malformed tier). That is
    // not a price we can stand behind: report "unknown" rather than fail the request.
    return null
  }
  if (known === undefined) remember(key, result?.model)
  if (result === null) return null
  return { cost_usd: result.total_price, model_matched: result.model.id }
}

// Which package model a name resolves to, remembered per name (issue 14: price lookups
// were ~24 µs each, twice per request). calcPrice walks the provider's models and
// evaluates their match rules (building a RegExp per rule) on every call; once a name is
// resolved, later calls hand calcPrice a provider holding only that model, matched by
// exact name. The price itself is still chosen per call from the model's dated and
// time-of-day prices and the request's token counts (tiers), so a cached name never
// carries a stale price across a price change. Names the package does not know are
// remembered as null. Names come from clients and upstreams: the map is bounded and
// simply starts over when full.
export const PRICE_CACHE_MAX = 1_024
const matched = new Map<string, Provider | null>()
// Without fallback providers: a remembered name is already resolved.
const openai = (({ fallback_model_providers: _, ...rest }: Provider) => rest)(findProvider({ providerId: PRICE_PROVIDER_ID }) ?? ({} as Provider))

function remember(key: string, model: ModelInfo | undefined): void {
  if (!openai.id) return
  if (matched.size >= PRICE_CACHE_MAX) matched.clear()
  matched.set(key, model ? { ...openai, models: [{ ...model, match: { equals: key } }] } : null)
}

/** Names remembered so far (tests). */
export function priceCacheSize(): number {
  return matched.size
}
