// Token usage of one exchange, as the upstream reports it (normalised to the record's
// fields). Read by the core (extraction), pricing, governance and the record.

export interface Usage {
  input_tokens: number | null
  cached_input_tokens: number | null
  output_tokens: number | null
  reasoning_tokens: number | null
  total_tokens: number | null
  /**
   * Input tokens written to the prompt cache, when the upstream reports them (Claude's
   * `cache_creation_input_tokens`, carried by the Claude adapters as
   * `input_tokens_details.cache_write_tokens`). Part of `input_tokens`, billed at their own
   * price (dearer than plain input). Absent for OpenAI, which does not bill cache writes.
   */
  cache_write_input_tokens?: number | null
}
