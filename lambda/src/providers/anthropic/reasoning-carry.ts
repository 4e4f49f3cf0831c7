// Claude's thinking blocks, carried through Codex inside a reasoning item's
// `encrypted_content` so the next turn can hand them back.
//
// Why: with extended thinking and tool use, the assistant turn that called a tool must be
// sent back starting with its thinking block(s), unmodified — Anthropic verifies each
// block's `signature` and answers 400 "Invalid signature" otherwise
// (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking, "Preserving
// thinking blocks"). Codex keeps reasoning items opaque and resends `encrypted_content`
// byte-for-byte every turn (it asks for it with `include: ["reasoning.encrypted_content"]`),
// so that field is the one place the blocks survive. Peers that drop it (LiteLLM #36197)
// break every tool loop with thinking on.
//
// Format: PREFIX + base64(UTF-8 JSON array of blocks). JSON keeps every string exact (a
// JSON.parse of JSON.stringify returns the identical string, lone surrogates included), and
// base64 keeps the value a plain token-like string as OpenAI's own blobs are.

export const CARRY_PREFIX = 'cxp-claude-thinking.v1:'

export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string }

export function encodeThinkingCarry(blocks: readonly ThinkingBlock[]): string {
  // Only the fields Anthropic defines, in its order: nothing else rides along.
  const clean = blocks.map((b) => (b.type === 'thinking' ? { type: b.type, thinking: b.thinking, signature: b.signature } : { type: b.type, data: b.data }))
  return CARRY_PREFIX + Buffer.from(JSON.stringify(clean), 'utf8').toString('base64')
}

/**
 * The blocks of a carry, `null` when the value is not one of ours (e.g. an OpenAI reasoning
 * blob from an earlier GPT turn), and an Error when it claims to be ours but is damaged.
 */
export function decodeThinkingCarry(value: unknown): ThinkingBlock[] | null | Error {
  if (typeof value !== 'string' || !value.startsWith(CARRY_PREFIX)) return null
  const b64 = value.slice(CARRY_PREFIX.length)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return new Error('reasoning carry is not base64')
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
  } catch {
    return new Error('reasoning carry is not valid JSON')
  }
  if (!Array.isArray(parsed)) return new Error('reasoning carry is not a list of blocks')
  const out: ThinkingBlock[] = []
  for (const b of parsed as unknown[]) {
    const o = b as Record<string, unknown>
    if (o && o.type === 'thinking' && typeof o.thinking === 'string' && typeof o.signature === 'string') out.push({ type: 'thinking', thinking: o.thinking, signature: o.signature })
    else if (o && o.type === 'redacted_thinking' && typeof o.data === 'string') out.push({ type: 'redacted_thinking', data: o.data })
    else return new Error('reasoning carry holds a block that is not thinking or redacted_thinking')
  }
  return out
}

/**
 * The request without reasoning items that carry Claude thinking, for an OpenAI upstream
 * (a session that moved from a Claude model to a GPT one): OpenAI cannot read them and would
 * refuse the whole request. Undefined when there are none.
 */
export function withoutThinkingCarries(json: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const input = json?.input
  if (!json || !Array.isArray(input)) return undefined
  const kept = input.filter((item) => !(typeof item === 'object' && item !== null && (item as Record<string, unknown>).type === 'reasoning' && typeof (item as Record<string, unknown>).encrypted_content === 'string' && ((item as Record<string, unknown>).encrypted_content as string).startsWith(CARRY_PREFIX)))
  return kept.length === input.length ? undefined : { ...json, input: kept }
}
