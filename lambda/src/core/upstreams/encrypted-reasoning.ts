// Encrypted reasoning across upstream accounts. Codex sends `include:
// ["reasoning.encrypted_content"]` with `store: false` and resends every earlier
// `{"type":"reasoning","encrypted_content":"gAAA…"}` item in `input` on each turn. Only
// the organisation that produced an item can decrypt it (LiteLLM #22651); any other answers
//   400 {"error":{"message":"The encrypted content gAAA...== could not be verified.",
//        "type":"invalid_request_error","param":null,"code":"invalid_encrypted_content"}}
// (the wording Codex users report in openai/codex #8145). Moving a session to another
// account therefore drops those items: the model loses its earlier private reasoning
// (the visible conversation, tool calls and outputs stay), which is what a fresh account
// can honour. The record says how many items were dropped on which attempt.

export interface Stripped {
  body: Uint8Array
  json: Record<string, unknown>
  /** Reasoning items removed. */
  removed: number
}

export function isEncryptedReasoning(item: unknown): boolean {
  if (typeof item !== 'object' || item === null) return false
  const o = item as Record<string, unknown>
  return o.type === 'reasoning' && typeof o.encrypted_content === 'string' && o.encrypted_content !== ''
}

export function countEncryptedReasoning(json: Record<string, unknown> | undefined): number {
  const input = json?.input
  return Array.isArray(input) ? input.filter(isEncryptedReasoning).length : 0
}

/** The request without its encrypted reasoning items, or undefined when it has none. */
export function stripEncryptedReasoning(json: Record<string, unknown> | undefined): Stripped | undefined {
  const input = json?.input
  if (!json || !Array.isArray(input)) return undefined
  const kept = input.filter((item) => !isEncryptedReasoning(item))
  if (kept.length === input.length) return undefined
  const out = { ...json, input: kept }
  return { body: new TextEncoder().encode(JSON.stringify(out)), json: out, removed: input.length - kept.length }
}

/** Whether an upstream's 400 body is the "foreign encrypted content" refusal. */
export function isForeignEncryptedContentError(status: number, body: string): boolean {
  if (status !== 400) return false
  try {
    const err = (JSON.parse(body) as { error?: { code?: unknown } }).error
    return err?.code === 'invalid_encrypted_content'
  } catch {
    return /encrypted content .* could not be verified/i.test(body)
  }
}
