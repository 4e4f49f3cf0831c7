// One test per way peers' Responses ↔ Claude translators broke Codex (issue 15), each
// named after the report. Several behaviours are also covered in depth elsewhere; here
// each bug is pinned once, in the words of the bug.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { UsageExtractor } from '../../../lambda/src/core/usage.js'
import { createPricer } from '../../../lambda/src/pricing/index.js'
import { decodeThinkingCarry, encodeThinkingCarry } from '../../../lambda/src/providers/anthropic/reasoning-carry.js'
import { SseDecoder } from '../../../lambda/src/providers/anthropic/sse.js'
import { toMessagesRequest } from '../../../lambda/src/providers/anthropic/to-messages.js'
import { translateMessagesStream } from '../../../lambda/src/providers/anthropic/to-responses-stream.js'
import { buildToolCatalogue } from '../../../lambda/src/providers/anthropic/tools.js'
import { type AnthropicEvent, frame, messageEvents } from '../../support/anthropic-events.js'

const codexTurn1 = JSON.parse(readFileSync(new URL('../../fixtures/codex/claude-turn1-request.json', import.meta.url), 'utf8')) as Record<string, unknown>
const USAGE = { input_tokens: 10, cache_creation_input_tokens: 1_000, cache_read_input_tokens: 5_000, output_tokens: 200 }

async function run(events: AnthropicEvent[], origins = buildToolCatalogue(codexTurn1.tools)): Promise<{ text: string; events: { type: string; [k: string]: unknown }[] }> {
  if (!origins.ok) throw new Error(origins.detail)
  const body = new Response(events.map(frame).join('')).body!
  const text = await new Response(translateMessagesStream(body, { model: 'claude-sonnet-4-5', origins: origins.catalogue.origins, createdAt: 0 })).text()
  const parsed = new SseDecoder().push(new TextEncoder().encode(text)).map((e) => JSON.parse(e.data) as { type: string })
  return { text, events: parsed }
}
const translate = (req: Record<string, unknown>) => {
  const r = toMessagesRequest(req, { upstreamModel: undefined, target: 'anthropic' })
  if (!r.ok) throw new Error(r.detail)
  return r.translation
}

describe('peer bugs, each pinned', () => {
  it('LiteLLM #36197: reasoning items with encrypted_content are not dropped — Claude thinking comes back in encrypted_content and is sent back as a thinking block', async () => {
    const { events } = await run(messageEvents({ model: 'm', blocks: [{ type: 'thinking', thinking: 'plan', signature: 'sig==' }, { type: 'tool_use', id: 'toolu_1', name: 'exec_command', input: { cmd: 'ls' } }], usage: USAGE }))
    const items = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item as Record<string, unknown>)
    expect(items[0]).toMatchObject({ type: 'reasoning', encrypted_content: expect.any(String) })
    const next = translate({ ...codexTurn1, input: [...(codexTurn1.input as unknown[]), ...items, { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' }] })
    const assistant = (next.body.messages as { role: string; content: Record<string, unknown>[] }[]).find((m) => m.role === 'assistant')!
    expect(assistant.content[0]).toEqual({ type: 'thinking', thinking: 'plan', signature: 'sig==' })
    expect(next.body.thinking).toMatchObject({ type: 'enabled' })
  })

  it('CLIProxyAPI #3199 / sub2api #3390: custom (freeform) tools such as apply_patch get a name and an input_schema object', () => {
    const withPatch = { ...codexTurn1, tools: [...(codexTurn1.tools as unknown[]), { type: 'custom', name: 'apply_patch', description: 'patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: x' } }].filter((t, i, all) => all.findIndex((u) => (u as { name?: string }).name === (t as { name?: string }).name) === i) }
    const tools = translate(withPatch).body.tools as { name: string; input_schema: Record<string, unknown> }[]
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
      expect(t.input_schema).toMatchObject({ type: 'object' })
    }
    expect(tools.find((t) => t.name === 'apply_patch')!.input_schema).toMatchObject({ required: ['input'] })
    expect(toMessagesRequest({ model: 'claude-sonnet-4-5', input: 'x', tools: [{ type: 'custom', name: '' }] }, { upstreamModel: undefined, target: 'anthropic' })).toMatchObject({ ok: false })
  })

  it('LiteLLM #36182: namespaced tools (Codex ≥ 0.147 sends multi_agent_v1) are accepted and their calls keep the namespace', async () => {
    const t = translate(codexTurn1)
    expect((t.body.tools as { name: string }[]).some((x) => x.name === 'multi_agent_v1__close_agent')).toBe(true)
    const { events } = await run(messageEvents({ model: 'm', blocks: [{ type: 'tool_use', id: 'toolu_2', name: 'multi_agent_v1__close_agent', input: { target: 'a' } }], usage: USAGE }))
    expect(events.find((e) => e.type === 'response.output_item.done')!.item).toMatchObject({ type: 'function_call', namespace: 'multi_agent_v1', name: 'close_agent' })
  })

  it('LiteLLM #29254: no non-standard SSE event reaches Codex (ping, unknown Anthropic events and errors are all translated or dropped)', async () => {
    const evs = messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'hi' }], usage: USAGE, pingAfter: 0 })
    evs.splice(2, 0, { type: 'ping' }, { type: 'content_block_delta', index: 9, delta: { type: 'citations_delta' } }, { type: 'brand_new_event' })
    const { text, events } = await run(evs)
    expect(text).not.toMatch(/event: (ping|brand_new_event|message_|content_block_)/)
    for (const e of events) expect(e.type).toMatch(/^response\.(created|in_progress|completed|output_item\.(added|done)|content_part\.(added|done)|output_text\.(delta|done))$/)
  })

  it('CodexPlusPlus #1857: every output_text.delta follows output_item.added and content_part.added for its item', async () => {
    const { events } = await run(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'one' }, { type: 'tool_use', id: 't', name: 'exec_command', input: {} }, { type: 'text', text: 'two' }], usage: USAGE }))
    const added = new Set<string>()
    const parts = new Set<string>()
    for (const e of events) {
      if (e.type === 'response.output_item.added') added.add((e.item as { id: string }).id)
      if (e.type === 'response.content_part.added') {
        expect(added.has(e.item_id as string)).toBe(true)
        parts.add(e.item_id as string)
      }
      if (e.type === 'response.output_text.delta') expect(parts.has(e.item_id as string)).toBe(true)
    }
    expect(parts.size).toBe(2)
  })

  it('"Invalid signature": thinking text and signature survive byte-exact, whatever characters they hold', () => {
    const nasty = { type: 'thinking' as const, thinking: 'a\u0000b \ud83e\udde0 \ud800 lone \r\n "q" \\ \u2028 end', signature: 'Eq+/=\nsig' }
    const carried = decodeThinkingCarry(encodeThinkingCarry([nasty]))
    expect(carried).toEqual([nasty])
    // And through the JSON Codex resends (it re-serialises the item) and the JSON sent to Claude.
    const resent = JSON.parse(JSON.stringify({ type: 'reasoning', encrypted_content: encodeThinkingCarry([nasty]) })) as { encrypted_content: string }
    const body = JSON.parse(JSON.stringify(translate({ model: 'claude-sonnet-4-5', input: [{ role: 'user', content: 'x' }, { type: 'reasoning', id: 'r', encrypted_content: resent.encrypted_content }, { role: 'assistant', content: 'y' }, { role: 'user', content: 'z' }] }).body)) as { messages: { content: Record<string, unknown>[] }[] }
    expect(body.messages[1]!.content[0]).toEqual(nasty)
  })

  it('usage in message_delta is assigned, not added (it is cumulative)', async () => {
    const evs = messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'x' }], usage: USAGE })
    const delta = evs.find((e) => e.type === 'message_delta')!
    evs.splice(evs.indexOf(delta), 0, { type: 'message_delta', delta: {}, usage: { output_tokens: 120 } })
    const { events } = await run(evs)
    expect((events.find((e) => e.type === 'response.completed')!.response as { usage: { output_tokens: number } }).usage.output_tokens).toBe(200)
  })

  it('LiteLLM #33772 / cloudflare/ai #550: cache writes are priced (dearer than input) and cache reads cheaper than misses', async () => {
    const { text } = await run(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'x' }], usage: USAGE }))
    const x = new UsageExtractor('text/event-stream')
    x.push(new TextEncoder().encode(text))
    const usage = x.finish().usage!
    expect(usage).toMatchObject({ input_tokens: 6_010, cached_input_tokens: 5_000, cache_write_input_tokens: 1_000 })
    // Sonnet 4.5: 10×3 + 5,000×0.30 + 1,000×3.75 + 200×15 = 30 + 1,500 + 3,750 + 3,000 µ$
    expect(createPricer().price('claude-sonnet-4-5', usage)?.cost_usd).toBe(0.00828)
  })

  it('LiteLLM #34351: usage on response.incomplete (max_tokens) is kept', async () => {
    const { text } = await run(messageEvents({ model: 'm', blocks: [{ type: 'text', text: 'cut' }], usage: USAGE, stopReason: 'max_tokens' }))
    const x = new UsageExtractor('text/event-stream')
    x.push(new TextEncoder().encode(text))
    expect(x.finish().usage).toMatchObject({ output_tokens: 200, cache_write_input_tokens: 1_000 })
  })
})
