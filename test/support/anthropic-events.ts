// Anthropic Messages streaming events, as documented
// (https://docs.anthropic.com/en/docs/build-with-claude/streaming), for tests and the fake.

export type AnthropicEvent = { type: string; [k: string]: unknown }

export interface ScriptedBlock {
  type: 'text' | 'thinking' | 'redacted_thinking' | 'tool_use'
  text?: string
  thinking?: string
  signature?: string
  data?: string
  id?: string
  name?: string
  input?: Record<string, unknown>
}

export interface ScriptedUsage {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  output_tokens: number
}

export function frame(event: AnthropicEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** Splits a string into `n` pieces (at least one). */
export function pieces(s: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(s.length / Math.max(1, n)))
  const out: string[] = []
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size))
  return out.length ? out : ['']
}

/** The documented event sequence of one message made of `blocks`. */
export function messageEvents(options: { id?: string; model: string; blocks: ScriptedBlock[]; usage: ScriptedUsage; stopReason?: string; deltas?: number; pingAfter?: number }): AnthropicEvent[] {
  const { usage } = options
  const n = options.deltas ?? 3
  const events: AnthropicEvent[] = [
    {
      type: 'message_start',
      message: {
        id: options.id ?? 'msg_fake01',
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens, cache_read_input_tokens: usage.cache_read_input_tokens, output_tokens: 1 },
      },
    },
  ]
  if (options.pingAfter === 0) events.push({ type: 'ping' })
  options.blocks.forEach((b, index) => {
    switch (b.type) {
      case 'text':
        events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
        for (const p of pieces(b.text ?? '', n)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } })
        break
      case 'thinking':
        events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } })
        for (const p of pieces(b.thinking ?? '', n)) events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: p } })
        events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature ?? '' } })
        break
      case 'redacted_thinking':
        events.push({ type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: b.data ?? '' } })
        break
      case 'tool_use': {
        events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } })
        const json = JSON.stringify(b.input ?? {})
        // Anthropic sends an empty partial_json first, then the pieces.
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } })
        for (const p of pieces(json, n)) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } })
        break
      }
    }
    events.push({ type: 'content_block_stop', index })
  })
  const stop = options.stopReason ?? (options.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn')
  // message_delta's usage is cumulative (the total so far), not an increment.
  events.push({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } })
  events.push({ type: 'message_stop' })
  return events
}
