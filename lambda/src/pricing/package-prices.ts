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

/** The providers priced: OpenAI's models, and Claude (Anthropic or Bedrock upstreams). The Lambda build keeps only their data. */
export const PRICE_PROVIDER_IDS = ['openai', 'anthropic'] as const

/**
 * The package provider a model id is priced under. Claude models are priced at
 * Anthropic's list prices whether served by Anthropic or by Bedrock (the client's model
 * id, e.g. `claude-sonnet-4-5`, is what the record and the pricer see; Bedrock's own list
 * prices for Claude match Anthropic's — an operator with other rates uses an override).
 */
export function priceProviderOf(model: string): (typeof PRICE_PROVIDER_IDS)[number] {
  return /^claude/i.test(model) ? 'anthropic' : 'openai'
}

export interface PackageQuote {
  readonly cost_usd: number
  /** The package's model id that matched, e.g. `gpt-5` for `gpt-5-2025-08-07`. */
  readonly model_matched: string
}

/**
 * Cost from the package, or null when the package does not know the model. The provider is
 * chosen by the model id (priceProviderOf) so a name is never resolved against another
 * vendor's catalogue.
 */
export function packagePrice(model: string, tokens: BillableTokens, at: Date): PackageQuote | null {
  const key = model.toLowerCase().trim()
  const known = matched.get(key)
  if (known === null) return null
  let result: ReturnType<typeof calcPrice>
  try {
    // Usage keys per the package README: `input_tokens` is the total including cache reads
    // and cache writes, `cache_read_tokens`/`cache_write_tokens` are those parts; the
    // package splits them itself (uncached = input − reads − writes), prices each at its
    // own rate (Claude: reads 0.1×, 5-minute writes 1.25× the input price) and applies a
    // tier by the total input count.
    result = calcPrice(
      { input_tokens: tokens.input, cache_read_tokens: tokens.cached, cache_write_tokens: tokens.cacheWrite, output_tokens: tokens.output },
      model,
      known ? { provider: known, timestamp: at } : { providerId: priceProviderOf(model), timestamp: at },
    )
  } catch {
    // The package throws on price data it cannot apply (e.g. a malformed tier). That is
    // not a price we can stand behind: report "unknown" rather than fail the request.
    return null
  }
  if (known === undefined) remember(key, priceProviderOf(model), result?.model)
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
// The providers without their fallback providers (a remembered name is already resolved),
// looked up on first use rather than at module init (Lambda init time).
let providers: Map<string, Provider> | undefined

function providerById(id: string): Provider | undefined {
  providers ??= new Map(
    PRICE_PROVIDER_IDS.flatMap((pid) => {
      const found = findProvider({ providerId: pid })
      if (!found) return []
      const { fallback_model_providers: _, ...rest } = found
      return [[pid, rest as Provider] as const]
    }),
  )
  return providers.get(id)
}

function remember(key: string, providerId: (typeof PRICE_PROVIDER_IDS)[number], model: ModelInfo | undefined): void {
  const provider = providerById(providerId)
  if (!provider) return
  if (matched.size >= PRICE_CACHE_MAX) matched.clear()
  matched.set(key, model ? { ...provider, models: [{ ...model, match: { equals: key } }] } : null)
}

/** Names remembered so far (tests). */
export function priceCacheSize(): number {
  return matched.size
}
