// Response translation Messages SSE → Responses SSE (lambda/src/providers/anthropic/to-responses-stream.ts).
import { describe, expect, it } from 'vitest'
import { decodeThinkingCarry } from '../../../lambda/src/providers/anthropic/reasoning-carry.js'
import { SseDecoder } from '../../../lambda/src/providers/anthropic/sse.js'
import { translateMessagesStream } from '../../../lambda/src/providers/anthropic/to-responses-stream.js'
import type { ToolOrigin } from '../../../lambda/src/providers/anthropic/tools.js'
import { type AnthropicEvent, frame, messageEvents, type ScriptedBlock } from '../../support/anthropic-events.js'

const USAGE = { input_tokens: 50, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30000, output_tokens: 420 }
const ORIGINS = new Map<string, ToolOrigin>([
  ['exec_command', { kind: 'function', name: 'exec_command' }],
  ['apply_patch', { kind: 'custom', name: 'apply_patch' }],
  ['multi_agent_v1__close_agent', { kind: 'function', name: 'close_agent', namespace: 'multi_agent_v1' }],
])

type Out = { type: string; [k: string]: unknown }

/** Runs raw SSE text (split into `chunkSize`-byte chunks) through the translator. */
async function translate(sse: string, chunkSize = 7): Promise<{ events: Out[]; raw: string; text: string }> {
  const bytes = new TextEncoder().encode(sse)
  let raw = ''
  const upstream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunkSize) c.enqueue(bytes.slice(i, i + chunkSize))
      c.close()
    },
  })
  const rawDecoder = new TextDecoder()
  const out = translateMessagesStream(upstream, { model: 'claude-sonnet-4-5', origins: ORIGINS, createdAt: 1700000000, onRaw: (c) => (raw += rawDecoder.decode(c, { stream: true })) })
  const text = await new Response(out).text()
  const decoder = new SseDecoder()
  const events = [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()].map((e) => {
    const data = JSON.parse(e.data) as Out
    expect(e.event).toBe(data.type) // the SSE event name always equals the payload type
    return data
  })
  return { events, raw, text }
}
const sse = (events: AnthropicEvent[]) => events.map(frame).join('')
const types = (events: Out[]) => events.map((e) => e.type)
const completed = (events: Out[]) => events.find((e) => e.type === 'response.completed')!.response as Record<string, unknown>

describe('text', () => {
  it('emits created, item added, content part added, deltas, done events, completed — in that order', async () => {
    const { events } = await translate(sse(messageEvents({ model: 'claude-sonnet-4-5', blocks: [{ type: 'text', text: 'Hello there' }], usage: USAGE, pingAfter: 0 })))
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    const added = events[2]!.item as Record<string, unknown>
    const part = events[3]!
    expect(part).toMatchObject({ item_id: added.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } })
    for (const d of events.filter((e) => e.type === 'response.output_text.delta')) expect(d.item_id).toBe(added.id)
    expect(events[9]!.item).toEqual({ id: added.id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello there', annotations: [] }] })
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
  })

  it('emits only standard Responses event types (no ping, no invented events)', async () => {
    const { events } = await translate(
      sse(messageEvents({ model: 'm', blocks: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'text', text: 'x' }, { type: 'tool_use', id: 'toolu_1', name: 'apply_patch', input: { input: 'p' } }, { type: 'tool_use', id: 'toolu_2', name: 'exec_command', input: { cmd: 'ls' } }], usage: USAGE, pingAfter: 0 })),
    )
    const standard = new Set([
      'response.created', 'response.in_progress', 'response.completed', 'response.failed', 'response.incomplete',
      'response.output_item.added', 'response.output_item.done', 'response.content_part.added', 'response.content_part.done',
      'response.output_text.delta', 'response.output_text.done', 'response.function_call_arguments.delta', 'response.function_call_arguments.done',
      'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.reasoning_summary_part.added',
      'response.reasoning_summary_part.done', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.done',
    ])
    expect(types(events).filter((t) => !standard.has(t))).toEqual([])
  })
})

describe('tool calls', () => {
  it('streams a function call: item added with call_id, argument deltas, arguments done, item done', async () => {
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [{ type: 'tool_use', id: 'toolu_01A', name: 'exec_command', input: { cmd: 'ls -la' } }], usage: USAGE })))
    const added = events.find((e) => e.type === 'response.output_item.added')!.item as Record<string, unknown>
    expect(added).toMatchObject({ type: 'function_call', call_id: 'toolu_01A', name: 'exec_command', arguments: '' })
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('')
    expect(deltas).toBe('{"cmd":"ls -la"}')
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ item_id: added.id, arguments: '{"cmd":"ls -la"}' })
    expect(events.find((e) => e.type === 'response.output_item.done')!.item).toEqual({ id: added.id, type: 'function_call', status: 'completed', call_id: 'toolu_01A', name: 'exec_command', arguments: '{"cmd":"ls -la"}' })
    expect((completed(events).output as unknown[]).length).toBe(1)
  })

  it('unwraps a custom tool call (apply_patch) from its one-field envelope back into custom_tool_call.input', async () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hello "world" \\ ünïcode\n*** End Patch\n'
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [{ type: 'tool_use', id: 'toolu_P', name: 'apply_patch', input: { input: patch } }], usage: USAGE, deltas: 9 })))
    const done = events.find((e) => e.type === 'response.output_item.done')!.item as Record<string, unknown>
    expect(done).toMatchObject({ type: 'custom_tool_call', call_id: 'toolu_P', name: 'apply_patch', input: patch, status: 'completed' })
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.done')).toMatchObject({ input: patch })
    expect(types(events)).not.toContain('response.function_call_arguments.delta')
  })

  it('gives a namespaced tool its namespace and plain name back', async () => {
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [{ type: 'tool_use', id: 'toolu_N', name: 'multi_agent_v1__close_agent', input: { target: 'a1' } }], usage: USAGE })))
    expect(events.find((e) => e.type === 'response.output_item.done')!.item).toMatchObject({ type: 'function_call', name: 'close_agent', namespace: 'multi_agent_v1' })
  })

  it('gives a tool call without input deltas the arguments of content_block_start', async () => {
    const evs: AnthropicEvent[] = [
      { type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 1, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_E', name: 'exec_command', input: {} } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } },
      { type: 'message_stop' },
    ]
    const { events } = await translate(sse(evs))
    expect(events.find((e) => e.type === 'response.output_item.done')!.item).toMatchObject({ arguments: '{}' })
  })
})

describe('thinking', () => {
  it('carries the thinking text and signature in encrypted_content, exactly', async () => {
    const block: ScriptedBlock = { type: 'thinking', thinking: 'step 1… 🧠 "q" \\ \n end', signature: 'EuYBCkQYAiJA+/signature==' }
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [block, { type: 'text', text: 'ok' }], usage: USAGE, deltas: 5 })), 3)
    const item = events.find((e) => e.type === 'response.output_item.done')!.item as Record<string, unknown>
    expect(item.type).toBe('reasoning')
    expect(item.summary).toEqual([{ type: 'summary_text', text: block.thinking }])
    expect(decodeThinkingCarry(item.encrypted_content)).toEqual([{ type: 'thinking', thinking: block.thinking, signature: block.signature }])
    expect(types(events)).toContain('response.reasoning_summary_part.added')
    expect(events.filter((e) => e.type === 'response.reasoning_summary_text.delta').map((e) => e.delta).join('')).toBe(block.thinking)
  })

  it('carries redacted thinking', async () => {
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va==' }, { type: 'text', text: 'ok' }], usage: USAGE })))
    const item = events.find((e) => e.type === 'response.output_item.done')!.item as Record<string, unknown>
    expect(decodeThinkingCarry(item.encrypted_content)).toEqual([{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va==' }])
  })
})

describe('usage', () => {
  it('maps Claude usage: input = uncached + cache reads + cache writes, cached = cache reads, cache writes kept', async () => {
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'x' }], usage: USAGE })))
    expect(completed(events).usage).toEqual({ input_tokens: 32050, input_tokens_details: { cached_tokens: 30000, cache_write_tokens: 2000 }, output_tokens: 420, total_tokens: 32470 })
  })

  it('assigns the cumulative usage of message_delta instead of adding it', async () => {
    const evs: AnthropicEvent[] = [
      { type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 0, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } },
      { type: 'message_delta', delta: {}, usage: { input_tokens: 10, output_tokens: 55 } },
      { type: 'message_stop' },
    ]
    const { events } = await translate(sse(evs))
    expect(completed(events).usage).toMatchObject({ input_tokens: 15, output_tokens: 55, total_tokens: 70 })
  })

  it('ends with response.incomplete (with usage) when Claude hit max_tokens', async () => {
    const { events } = await translate(sse(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'cut' }], usage: USAGE, stopReason: 'max_tokens' })))
    const last = events[events.length - 1]!
    expect(last.type).toBe('response.incomplete')
    expect(last.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { output_tokens: 420 } })
  })
})

describe('errors and broken streams', () => {
  it('turns an in-stream overloaded_error into response.failed, after what had streamed', async () => {
    const evs = messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'partial' }], usage: USAGE }).slice(0, 4)
    evs.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    const { events } = await translate(sse(evs))
    const last = events[events.length - 1]!
    expect(last.type).toBe('response.failed')
    expect(last.response).toMatchObject({ status: 'failed', error: { code: 'server_is_overloaded', message: 'anthropic: Overloaded' } })
    expect(types(events).filter((t) => t === 'response.failed')).toHaveLength(1)
  })

  it('maps "prompt is too long" to context_length_exceeded, which Codex handles specially', async () => {
    const { events } = await translate(sse([{ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }]))
    expect(events[events.length - 1]!.response).toMatchObject({ error: { code: 'context_length_exceeded' } })
  })

  it('fails the response when the stream ends before message_stop', async () => {
    const evs = messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'abc' }], usage: USAGE }).slice(0, 5)
    const { events } = await translate(sse(evs))
    expect(events[events.length - 1]).toMatchObject({ type: 'response.failed', response: { error: { message: expect.stringContaining('before message_stop') } } })
  })

  it('fails the response on an event whose data is not JSON, and ignores anything after', async () => {
    const { events } = await translate(`${frame({ type: 'message_start', message: { id: 'm1' } })}event: content_block_start\ndata: {oops\n\n${frame({ type: 'message_stop' })}`)
    expect(types(events)).toEqual(['response.created', 'response.in_progress', 'response.failed'])
  })

  it('ignores event types it does not know, and the SSE comments and CRLF line ends', async () => {
    const body = sse(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'x' }], usage: USAGE })).replace(/\n/g, '\r\n')
    const { events } = await translate(`: comment\r\n\r\n${frame({ type: 'future_event', x: 1 }).replace(/\n/g, '\r\n')}${body}`, 1)
    expect(types(events)).toContain('response.completed')
  })

  it('keeps the raw provider stream byte for byte', async () => {
    const body = sse(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'x' }], usage: USAGE }))
    const { raw } = await translate(body, 5)
    expect(raw).toBe(body)
  })

  it('translates incrementally: the first events come out before the upstream ends', async () => {
    const enc = new TextEncoder()
    let push!: (s: string) => void
    let close!: () => void
    const upstream = new ReadableStream<Uint8Array>({
      start(c) {
        push = (s) => c.enqueue(enc.encode(s))
        close = () => c.close()
      },
    })
    const reader = translateMessagesStream(upstream, { model: 'm', origins: ORIGINS, createdAt: 0 }).getReader()
    push(frame({ type: 'message_start', message: { id: 'msg_x', usage: { input_tokens: 1 } } }))
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain('response.created')
    close()
    while (!(await reader.read()).done) {
      // drain
    }
  })
})
