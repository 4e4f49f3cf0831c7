// Token usage of one exchange, as the upstream reports it (normalised to the record's
// fields). Read by the core (extraction), pricing, governance and the record.

export interface Usage {
  input_tokens: number | null
  cached_input_tokens: number | null
  output_tokens: number | null
  reasoning_tokens: number | null
  total_tokens: number | null
}
