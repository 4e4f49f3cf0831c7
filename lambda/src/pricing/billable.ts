// The three billable token counts of one OpenAI request, derived from the proxy's Usage.
//
// OpenAI bills (https://platform.openai.com/docs/pricing and its prompt-caching guide):
// - input tokens at the input price, EXCEPT the cached ones at the cached-input price;
//   `input_tokens` already INCLUDES `cached_tokens`, so uncached = input − cached
//   (LiteLLM #34801 got this split wrong and under-counted cached tokens);
// - output tokens at the output price; reasoning tokens are a PART of `output_tokens`
//   and must not be added again (LiteLLM #18599 mis-priced reasoning tokens).
// `reasoning_tokens` and `total_tokens` therefore never enter the cost.
import type { Usage } from '../contracts/usage.js'

export interface BillableTokens {
  /** All input tokens, cached included (the package and OpenAI both count this way). */
  readonly input: number
  readonly cached: number
  /** Input tokens written to the prompt cache (Claude); 0 when the upstream reports none. */
  readonly cacheWrite: number
  readonly output: number
}

const isCount = (v: number | null): v is number => v !== null && Number.isFinite(v) && v >= 0

/**
 * Billable counts, or null when the usage is unknown or inconsistent: a missing count,
 * a negative one, or more cached than input tokens. Null means "do not price" — pricing
 * a partial usage would be a guess (e.g. a stream cut before `response.completed`).
 */
export function billableTokens(usage: Usage | null): BillableTokens | null {
  if (usage === null) return null
  const { input_tokens: input, cached_input_tokens: cached, output_tokens: output } = usage
  if (!isCount(input) || !isCount(cached) || !isCount(output)) return null
  // Reported as null = reported but unreadable: not priceable. Absent = none (OpenAI).
  const cacheWrite = usage.cache_write_input_tokens === undefined ? 0 : usage.cache_write_input_tokens
  if (!isCount(cacheWrite)) return null
  if (cached + cacheWrite > input) return null
  return { input, cached, cacheWrite, output }
}
