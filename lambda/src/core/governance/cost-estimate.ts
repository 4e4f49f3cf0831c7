// The cost reserved against hard budgets before a request is forwarded. It must not be
// low: concurrent requests are admitted against the sum of their estimates, and the
// actual cost replaces the estimate when the response ends.
//
// Estimate = ceil(body bytes / 4) input tokens at the model's *uncached* price
//          + max_output_tokens (default 4096) output tokens at the output price.
// Four bytes per token over-counts JSON bodies (keys, escapes, base64), which is the
// safe direction; cached input is unknown before the answer, so it is priced as uncached.
// `n` choices multiply the output. `previous_response_id` makes the upstream prepend a
// stored conversation the body does not show, so a fixed context's worth of input is
// reserved on top (Codex itself never sends it: it resends the history, store=false).
import type { Pricer } from '../../pricing/index.js'

export const DEFAULT_RESERVED_OUTPUT_TOKENS = 4096
/** Reserved for a model the price table does not know (its actual cost stays unknown). */
export const UNKNOWN_MODEL_RESERVE_USD = 0.1
const BYTES_PER_TOKEN = 4
/** Input reserved for a `previous_response_id` conversation: the context window of GPT-5-class models (272k). */
export const PREVIOUS_RESPONSE_RESERVED_INPUT_TOKENS = 272_000

export interface EstimateInput {
  model: string | null
  bodyBytes: number
  maxOutputTokens: number | null
  /** Choices requested (`n`); 1 when absent. */
  choices?: number
  previousResponseId?: string | null
}

export function estimateCostUsd(pricer: Pricer, request: EstimateInput, at: Date): number {
  const { model, bodyBytes, maxOutputTokens } = request
  const input = Math.ceil(bodyBytes / BYTES_PER_TOKEN) + (request.previousResponseId ? PREVIOUS_RESPONSE_RESERVED_INPUT_TOKENS : 0)
  const perChoice = maxOutputTokens !== null && maxOutputTokens > 0 ? maxOutputTokens : DEFAULT_RESERVED_OUTPUT_TOKENS
  const output = perChoice * Math.max(1, request.choices ?? 1)
  const quote = pricer.price(
    model,
    { input_tokens: input, cached_input_tokens: 0, output_tokens: output, reasoning_tokens: 0, total_tokens: input + output },
    at,
  )
  return quote?.cost_usd ?? UNKNOWN_MODEL_RESERVE_USD
}

/** `max_output_tokens` (Responses) or `max_completion_tokens` / `max_tokens` (Chat). */
export function maxOutputTokensOf(json: unknown): number | null {
  if (typeof json !== 'object' || json === null) return null
  const o = json as Record<string, unknown>
  for (const key of ['max_output_tokens', 'max_completion_tokens', 'max_tokens']) {
    const v = o[key]
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v
  }
  return null
}
