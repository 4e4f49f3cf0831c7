// Request translation Responses → Messages: each rule of lambda/src/providers/anthropic/to-messages.ts.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CARRY_PREFIX, decodeThinkingCarry, encodeThinkingCarry } from '../../../lambda/src/providers/anthropic/reasoning-carry.js'
import { DEFAULT_MAX_TOKENS, toMessagesRequest, type Translation } from '../../../lambda/src/providers/anthropic/to-messages.js'

const ok = (req: Record<string, unknown>, target: 'anthropic' | 'bedrock' = 'anthropic'): Translation => {
  const r = toMessagesRequest(req, { upstreamModel: undefined, target })
  if (!r.ok) throw new Error(r.detail)
  return r.translation
}
const refused = (req: Record<string, unknown>): string => {
  const r = toMessagesRequest(req, { upstreamModel: undefined, target: 'anthropic' })
  if (r.ok) throw new Error('expected a refusal')
  return r.detail
}
const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] })
const strip = <T>(v: T): T => JSON.parse(JSON.stringify(v, (k, val) => (k === 'cache_control' ? undefined : val)))

describe('system and messages', () => {
  it('puts instructions and leading developer messages in system, in order', () => {
    const t = ok({ model: 'claude-sonnet-4-5', instructions: 'I', input: [{ type: 'message', role: 'developer', content: 'D1' }, { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'S2' }] }, user('hi')] })
    expect(strip(t.body.system)).toEqual([{ type: 'text', text: 'I' }, { type: 'text', text: 'D1' }, { type: 'text', text: 'S2' }])
    expect(strip(t.body.messages)).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])
  })

  it('keeps a later developer message in place, as a marked user note', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: [user('a'), { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'b' }] }, { type: 'message', role: 'developer', content: 'mode changed' }, user('c')] })
    const msgs = strip(t.body.messages) as { role: string; content: { text: string }[] }[]
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
    expect(msgs[2]!.content.map((b) => b.text)).toEqual(['<developer_message>\nmode changed\n</developer_message>', 'c'])
  })

  it('merges consecutive same-role items so roles alternate', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: [user('a'), user('b'), { role: 'assistant', content: 'x' }, { role: 'assistant', content: 'y' }, user('c')] })
    const msgs = t.body.messages as { role: string; content: unknown[] }[]
    expect(msgs.map((m) => [m.role, m.content.length])).toEqual([['user', 2], ['assistant', 2], ['user', 1]])
  })

  it('accepts a plain string input', () => {
    expect(strip(ok({ model: 'claude-sonnet-4-5', input: 'hello' }).body.messages)).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hello' }] }])
  })

  it('drops empty text parts (Claude rejects empty text blocks)', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: [{ role: 'user', content: [{ type: 'input_text', text: '' }, { type: 'input_text', text: 'x' }] }] })
    expect(strip(t.body.messages)).toEqual([{ role: 'user', content: [{ type: 'text', text: 'x' }] }])
  })

  it('starts with a user message even when the history starts with the assistant', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: [{ role: 'assistant', content: 'x' }, user('y')] })
    expect((t.body.messages as { role: string }[])[0]!.role).toBe('user')
  })

  it('refuses a request with nothing to send', () => {
    expect(refused({ model: 'claude-sonnet-4-5', input: [] })).toMatch(/no user or assistant messages/)
  })
})

describe('images', () => {
  it('turns a data: URL into a base64 image block and an https URL into a url image block', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:image/png;base64,iVBORw0K\nGgo=' }, { type: 'input_image', image_url: 'https://example.com/a.jpg' }] }] })
    expect(strip(t.body.messages)).toEqual([
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } }] },
    ])
  })

  it.each([
    ['data:image/bmp;base64,AAAA', /png, jpeg, gif, webp/],
    ['file:///etc/passwd', /data: URL or an http/],
    [undefined, /needs an image_url/],
  ])('refuses image_url %s', (url, why) => {
    expect(refused({ model: 'claude-sonnet-4-5', input: [{ role: 'user', content: [{ type: 'input_image', image_url: url }] }] })).toMatch(why)
  })

  it('refuses content types Claude has no block for', () => {
    expect(refused({ model: 'claude-sonnet-4-5', input: [{ role: 'user', content: [{ type: 'input_audio' }] }] })).toMatch(/input_audio.*no Claude counterpart/)
  })
})

describe('tool calls and results', () => {
  const tools = [
    { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } },
    { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } },
  ]

  it('turns function_call / custom_tool_call into tool_use and their outputs into tool_result, ids kept', () => {
    const t = ok({
      model: 'claude-sonnet-4-5',
      tools,
      input: [
        user('go'),
        { type: 'function_call', call_id: 'call_A1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
        { type: 'custom_tool_call', call_id: 'toolu_01B', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
        { type: 'function_call_output', call_id: 'call_A1', output: 'a.txt' },
        { type: 'custom_tool_call_output', call_id: 'toolu_01B', output: [{ type: 'input_text', text: 'Done!' }] },
      ],
    })
    expect(strip(t.body.messages)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_A1', name: 'exec_command', input: { cmd: 'ls' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch\n' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_A1', content: 'a.txt' },
          { type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: 'Done!' }] },
        ],
      },
    ])
  })

  it('puts tool_result blocks before text in a user message', () => {
    const t = ok({ model: 'claude-sonnet-4-5', tools, input: [user('go'), { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{}' }, user('also this'), { type: 'function_call_output', call_id: 'c1', output: 'x' }] })
    const last = (t.body.messages as { content: { type: string }[] }[])[2]!
    expect(last.content.map((b) => b.type)).toEqual(['tool_result', 'text'])
  })

  it('answers a call that has no output with an error result, and turns an orphan output into text', () => {
    const t = ok({ model: 'claude-sonnet-4-5', tools, input: [user('go'), { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{}' }, { type: 'function_call_output', call_id: 'zz', output: 'stray' }] })
    const msgs = strip(t.body.messages) as { role: string; content: Record<string, unknown>[] }[]
    expect(msgs[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'c1', content: 'no output was recorded for this tool call', is_error: true },
      { type: 'text', text: '[output of tool call zz]\nstray' },
    ])
  })

  it('makes an id Claude would refuse acceptable, identically on the call and its result', () => {
    const t = ok({ model: 'claude-sonnet-4-5', tools, input: [user('go'), { type: 'function_call', call_id: 'call.1/x', name: 'exec_command', arguments: '{}' }, { type: 'function_call_output', call_id: 'call.1/x', output: 'ok' }] })
    const msgs = t.body.messages as { content: Record<string, unknown>[] }[]
    const id = msgs[1]!.content[0]!.id as string
    expect(id).toMatch(/^[a-zA-Z0-9_-]+$/)
    expect(msgs[2]!.content[0]!.tool_use_id).toBe(id)
  })

  it('refuses function_call arguments that are not JSON', () => {
    expect(refused({ model: 'claude-sonnet-4-5', input: [user('go'), { type: 'function_call', call_id: 'c', name: 'f', arguments: '{nope' }] })).toMatch(/not JSON/)
  })

  it.each(['item_reference', 'local_shell_call', 'compaction', 'mcp_call'])('refuses input items of type %s with a clear reason', (type) => {
    expect(refused({ model: 'claude-sonnet-4-5', input: [user('go'), { type, id: 'x' }] })).toMatch(new RegExp(`${type}.*no Claude counterpart`))
  })
})

describe('tools', () => {
  it('gives every function tool an input_schema object and every custom tool a one-string-field schema with its grammar', () => {
    const t = ok({
      model: 'claude-sonnet-4-5',
      input: 'x',
      tools: [
        { type: 'function', name: 'get_goal', parameters: { type: 'object', properties: {}, required: [], additionalProperties: false } },
        { type: 'function', name: 'no_params' },
        { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch' } },
      ],
    })
    const claudeTools = strip(t.body.tools) as { name: string; description?: string; input_schema: Record<string, unknown> }[]
    expect(claudeTools.map((x) => x.name)).toEqual(['get_goal', 'no_params', 'apply_patch'])
    for (const tool of claudeTools) expect(tool.input_schema.type).toBe('object')
    expect(claudeTools[2]!.input_schema).toMatchObject({ properties: { input: { type: 'string' } }, required: ['input'] })
    expect(claudeTools[2]!.description).toContain('Edit files.')
    expect(claudeTools[2]!.description).toContain('lark grammar:\nstart: begin_patch')
  })

  it('flattens namespaced tools to <namespace>__<name> and maps namespaced calls the same way', () => {
    const t = ok({
      model: 'claude-sonnet-4-5',
      tools: [{ type: 'namespace', name: 'multi_agent_v1', description: 'Sub-agents.', tools: [{ type: 'function', name: 'close_agent', parameters: { type: 'object', properties: {} } }] }],
      input: [user('go'), { type: 'function_call', call_id: 'c1', namespace: 'multi_agent_v1', name: 'close_agent', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: 'ok' }],
    })
    expect((t.body.tools as { name: string }[]).map((x) => x.name)).toEqual(['multi_agent_v1__close_agent'])
    expect(t.catalogue.origins.get('multi_agent_v1__close_agent')).toEqual({ kind: 'function', name: 'close_agent', namespace: 'multi_agent_v1' })
    expect(((t.body.messages as { content: Record<string, unknown>[] }[])[1]!.content[0]!).name).toBe('multi_agent_v1__close_agent')
  })

  it('leaves out the hosted web_search tool Codex always sends, and says so', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: 'x', tools: [{ type: 'web_search', external_web_access: false }] })
    expect(t.body.tools).toBeUndefined()
    expect(t.notes).toContain('hosted tool web_search left out')
  })

  it.each([
    [{ type: 'local_shell' }, /"local_shell" has no Claude counterpart/],
    [{ type: 'file_search', vector_store_ids: [] }, /"file_search" has no Claude counterpart/],
    [{ type: 'custom', name: '' }, /needs a non-empty name/],
    [{ type: 'function', name: 'bad name!' }, /not a valid Claude tool name/],
    [{ type: 'function', name: 'f', parameters: { type: 'array' } }, /must be an object schema/],
    [{ type: 'namespace', name: 'ns' }, /has no tools array/],
  ])('refuses tool %j', (tool, why) => {
    expect(refused({ model: 'claude-sonnet-4-5', input: 'x', tools: [tool] })).toMatch(why)
  })

  it('refuses two tools with the same Claude name', () => {
    expect(refused({ model: 'claude-sonnet-4-5', input: 'x', tools: [{ type: 'function', name: 'a__b' }, { type: 'namespace', name: 'a', tools: [{ type: 'function', name: 'b' }] }] })).toMatch(/two tools are named "a__b"/)
  })

  it.each([
    ['auto', true, undefined],
    ['none', true, { type: 'none' }],
    ['required', true, { type: 'any' }],
    [{ type: 'function', name: 'f' }, false, { type: 'tool', name: 'f', disable_parallel_tool_use: true }],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
  ])('maps tool_choice %j (parallel %s)', (choice, parallel, expected) => {
    const t = ok({ model: 'claude-sonnet-4-5', input: 'x', tools: [{ type: 'function', name: 'f' }], tool_choice: choice, parallel_tool_calls: parallel })
    expect(t.body.tool_choice).toEqual(expected)
  })
})

describe('reasoning and thinking', () => {
  const thinking = { type: 'thinking' as const, thinking: 'Let me think… 🧠 \u{1F600} "quoted" \\ back', signature: 'EqQBCkYIBxgCKkD+/=sig' }
  const carry = encodeThinkingCarry([thinking])

  it('restores the thinking block carried in encrypted_content byte-exact, ahead of the tool call', () => {
    const t = ok({
      model: 'claude-sonnet-4-5',
      reasoning: { effort: 'high' },
      tools: [{ type: 'function', name: 'f' }],
      input: [user('go'), { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'changed summary' }], encrypted_content: carry }, { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: 'ok' }],
    })
    const assistant = (t.body.messages as { content: Record<string, unknown>[] }[])[1]!
    expect(assistant.content[0]).toEqual(thinking)
    // Through the JSON that goes on the wire, too.
    const wire = JSON.parse(JSON.stringify(t.body)) as { messages: { content: Record<string, unknown>[] }[] }
    expect(wire.messages[1]!.content[0]!.thinking).toBe(thinking.thinking)
    expect(wire.messages[1]!.content[0]!.signature).toBe(thinking.signature)
    expect(t.body.thinking).toEqual({ type: 'enabled', budget_tokens: 24_000 })
  })

  it('round-trips redacted thinking too', () => {
    const blocks = [{ type: 'redacted_thinking' as const, data: 'opaque==' }]
    expect(decodeThinkingCarry(encodeThinkingCarry(blocks))).toEqual(blocks)
  })

  it('leaves out an OpenAI reasoning blob (not ours) and notes it', () => {
    const t = ok({ model: 'claude-sonnet-4-5', input: [user('go'), { type: 'reasoning', id: 'rs_x', summary: [], encrypted_content: 'gAAAAABoOpenAIBlob' }, { role: 'assistant', content: 'hi' }, user('again')] })
    expect(t.notes.some((n) => n.includes('reasoning item without Claude thinking left out'))).toBe(true)
    expect(JSON.stringify(t.body)).not.toContain('gAAAAABo')
  })

  it.each([
    [`${CARRY_PREFIX}!!!`, /not base64/],
    [`${CARRY_PREFIX}${Buffer.from('{').toString('base64')}`, /not valid JSON/],
    [`${CARRY_PREFIX}${Buffer.from('{}').toString('base64')}`, /not a list/],
    [`${CARRY_PREFIX}${Buffer.from('[{"type":"text","text":"x"}]').toString('base64')}`, /not thinking/],
  ])('refuses a damaged carry %s', (value, why) => {
    expect(refused({ model: 'claude-sonnet-4-5', input: [user('go'), { type: 'reasoning', id: 'r', encrypted_content: value }] })).toMatch(why)
  })

  it.each([
    ['low', 4_096],
    ['medium', 10_000],
    ['high', 24_000],
    ['xhigh', 32_000 - 1024],
  ])('maps effort %s to a budget of %d below max_tokens', (effort, budget) => {
    const t = ok({ model: 'claude-sonnet-4-5', input: 'x', reasoning: { effort } })
    expect(t.body.thinking).toEqual({ type: 'enabled', budget_tokens: budget })
    expect(t.body.max_tokens).toBe(DEFAULT_MAX_TOKENS)
  })

  it.each([
    ['minimal effort', { model: 'claude-sonnet-4-5', reasoning: { effort: 'minimal' } }],
    ['no reasoning', { model: 'claude-sonnet-4-5' }],
    ['a model without thinking', { model: 'claude-3-5-haiku-20241022', reasoning: { effort: 'high' } }],
    ['a forced tool choice', { model: 'claude-sonnet-4-5', reasoning: { effort: 'high' }, tools: [{ type: 'function', name: 'f' }], tool_choice: 'required' }],
    ['max_output_tokens below the minimum budget', { model: 'claude-sonnet-4-5', reasoning: { effort: 'high' }, max_output_tokens: 1500 }],
  ])('does not think with %s', (_label, req) => {
    expect(ok({ input: 'x', ...req }).body.thinking).toBeUndefined()
  })

  it('turns thinking off when the tool calls being answered carry no thinking block', () => {
    const t = ok({ model: 'claude-sonnet-4-5', reasoning: { effort: 'high' }, tools: [{ type: 'function', name: 'f' }], input: [user('go'), { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: 'ok' }] })
    expect(t.body.thinking).toBeUndefined()
    expect(t.notes.some((n) => n.startsWith('thinking off'))).toBe(true)
  })

  it('passes temperature only when not thinking', () => {
    expect(ok({ model: 'claude-sonnet-4-5', input: 'x', temperature: 0.2 }).body.temperature).toBe(0.2)
    expect(ok({ model: 'claude-sonnet-4-5', input: 'x', temperature: 0.2, reasoning: { effort: 'low' } }).body.temperature).toBeUndefined()
  })
})

describe('envelope', () => {
  it('maps max_output_tokens to max_tokens, always sets max_tokens, and streams', () => {
    expect(ok({ model: 'claude-sonnet-4-5', input: 'x', max_output_tokens: 777 }).body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 777, stream: true })
    expect(ok({ model: 'claude-3-5-haiku-latest', input: 'x' }).body.max_tokens).toBe(8192)
  })

  it.each([0, -1, 1.5, 'ten'])('refuses max_output_tokens %j', (v) => {
    expect(refused({ model: 'claude-sonnet-4-5', input: 'x', max_output_tokens: v })).toMatch(/positive integer/)
  })

  it('builds the Bedrock body: anthropic_version inside, no model, no stream', () => {
    const body = ok({ model: 'claude-sonnet-4-5', input: 'x' }, 'bedrock').body
    expect(body.anthropic_version).toBe('bedrock-2023-05-31')
    expect(body).not.toHaveProperty('model')
    expect(body).not.toHaveProperty('stream')
  })

  it('marks cache breakpoints at the end of tools, system and the last message (at most 4)', () => {
    const t = ok({ model: 'claude-sonnet-4-5', instructions: 'sys', input: 'x', tools: [{ type: 'function', name: 'a' }, { type: 'function', name: 'b' }] })
    const marks = JSON.stringify(t.body).split('"cache_control"').length - 1
    expect(marks).toBe(3)
    expect((t.body.tools as Record<string, unknown>[])[1]!.cache_control).toEqual({ type: 'ephemeral' })
    expect((t.body.tools as Record<string, unknown>[])[0]!.cache_control).toBeUndefined()
  })

  it('translates a real Codex 0.169 first turn (apply_patch as a custom tool, a namespace, web_search)', () => {
    const req = JSON.parse(readFileSync(new URL('../../fixtures/codex/claude-turn1-request.json', import.meta.url), 'utf8'))
    const t = ok(req)
    const names = (t.body.tools as { name: string }[]).map((x) => x.name)
    expect(names).toContain('exec_command')
    expect(names).toContain('apply_patch')
    expect(names.some((n) => n.startsWith('multi_agent_v1__'))).toBe(true)
    expect(t.notes).toContain('hosted tool web_search left out')
    expect((t.body.system as unknown[]).length).toBeGreaterThan(0)
    expect(t.body.thinking).toEqual({ type: 'enabled', budget_tokens: 24_000 })
  })
})
