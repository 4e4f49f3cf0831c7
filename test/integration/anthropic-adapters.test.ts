// The anthropic and bedrock adapters end to end against the strict fake: prepare → send
// (fetch, or the AWS SDK over the event-stream encoding) → adaptResponse, over several
// Codex-shaped turns, so every translated request passes the documented API's checks.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Upstream } from '../../lambda/src/contracts/upstreams.js'
import type { AdapterRequest, PreparedCall, Refusal, UpstreamAdapter } from '../../lambda/src/core/upstreams/adapter.js'
import { ADAPTERS } from '../../lambda/src/core/upstreams/adapters.js'
import { providerRawStreams, rawCaptureText } from '../../lambda/src/providers/anthropic/adapters.js'
import { SseDecoder } from '../../lambda/src/providers/anthropic/sse.js'
import { type FakeAnthropic, type ScriptedReply, startFakeAnthropic } from '../support/fake-anthropic.js'

let fake: FakeAnthropic
let replies: ScriptedReply[] = []

beforeAll(async () => {
  fake = await startFakeAnthropic({ script: (_req, i) => replies[i] ?? { blocks: [{ type: 'text', text: 'default' }] } })
  // The SDK's default credential chain reads these (the Lambda role provides them in AWS).
  process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKE'
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret'
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.requests.length = 0
  fake.rejections.length = 0
  replies = []
})

const anthropicUpstream = (): Upstream => ({ id: 'claude', kind: 'anthropic', url: fake.url, weight: 1, org: 'claude' })
const bedrockUpstream = (): Upstream => ({
  id: 'bedrock',
  kind: 'bedrock',
  url: fake.h2url,
  weight: 1,
  org: 'bedrock',
  region: 'eu-west-1',
  models: { patterns: ['claude-sonnet-4-5'], rename: { 'claude-sonnet-4-5': 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0' } },
})

const TOOLS = [
  { type: 'function', name: 'exec_command', description: 'Runs a command.', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false } },
  { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' } },
  { type: 'web_search', external_web_access: false },
]

function codexRequest(input: unknown[], extra: Record<string, unknown> = {}): AdapterRequest {
  const json = { model: 'claude-sonnet-4-5', stream: true, input, tools: TOOLS, tool_choice: 'auto', parallel_tool_calls: true, reasoning: { effort: 'medium', summary: 'auto' }, store: false, include: ['reasoning.encrypted_content'], ...extra }
  const body = new TextEncoder().encode(JSON.stringify(json))
  return { method: 'POST', path: '/v1/responses', query: null, headers: new Headers({ 'content-type': 'application/json', originator: 'codex_exec' }), body, json, model: json.model }
}

type Ev = { type: string; [k: string]: unknown }

async function call(adapter: UpstreamAdapter, upstream: Upstream, req: AdapterRequest): Promise<{ res: Response; events: Ev[]; text: string; prepared: PreparedCall }> {
  const prepared = adapter.prepare(req, upstream, fake.key)
  if ('refusal' in prepared) throw new Error(`refused: ${prepared.refusal.detail}`)
  const sent = adapter.send
    ? await adapter.send(prepared, AbortSignal.timeout(10_000))
    : await fetch(prepared.url, { method: prepared.method, headers: prepared.headers, body: prepared.body as Uint8Array<ArrayBuffer> })
  const res = adapter.adaptResponse(sent, req, upstream)
  const text = await res.clone().text()
  const events = res.headers.get('content-type')?.includes('event-stream')
    ? new SseDecoder().push(new TextEncoder().encode(text)).map((e) => JSON.parse(e.data) as Ev)
    : []
  return { res, events, text, prepared }
}

const outputItems = (events: Ev[]) => events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item as Record<string, unknown>)

for (const kind of ['anthropic', 'bedrock'] as const) {
  describe(`${kind} adapter`, () => {
    const adapter = () => ADAPTERS[kind]!
    const upstream = () => (kind === 'anthropic' ? anthropicUpstream() : bedrockUpstream())

    it('runs a three-turn tool loop with thinking; every request passes the strict checks and the signatures verify', async () => {
      replies = [
        { blocks: [{ type: 'thinking', thinking: 'I should list files. ✓ "q"' }, { type: 'tool_use', id: 'toolu_01', name: 'exec_command', input: { cmd: 'ls' } }] },
        { blocks: [{ type: 'thinking', thinking: 'Now patch.' }, { type: 'text', text: 'Patching.' }, { type: 'tool_use', id: 'toolu_02', name: 'apply_patch', input: { input: '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n' } }] },
        { blocks: [{ type: 'text', text: 'All done.' }] },
      ]
      const history: unknown[] = [{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'add a.txt' }] }]

      const t1 = await call(adapter(), upstream(), codexRequest(history))
      expect(t1.res.status).toBe(200)
      const items1 = outputItems(t1.events)
      expect(items1.map((i) => i.type)).toEqual(['reasoning', 'function_call'])
      expect(items1[1]).toMatchObject({ call_id: 'toolu_01', name: 'exec_command', arguments: '{"cmd":"ls"}' })
      history.push(...items1, { type: 'function_call_output', call_id: 'toolu_01', output: 'Process exited with code 0\nOutput:\nREADME.md' })

      const t2 = await call(adapter(), upstream(), codexRequest(history))
      const items2 = outputItems(t2.events)
      expect(items2.map((i) => i.type)).toEqual(['reasoning', 'message', 'custom_tool_call'])
      expect(items2[2]).toMatchObject({ call_id: 'toolu_02', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n' })
      history.push(...items2, { type: 'custom_tool_call_output', call_id: 'toolu_02', output: 'Success. Updated the following files:\nA a.txt\n' })

      const t3 = await call(adapter(), upstream(), codexRequest(history))
      expect(outputItems(t3.events)).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: 'All done.' }] }])
      expect(t3.events[t3.events.length - 1]!.type).toBe('response.completed')

      expect(fake.rejections).toEqual([])
      expect(fake.requests).toHaveLength(3)
      // Turn 3 carried both earlier thinking blocks back, signed as issued.
      const msgs = fake.requests[2]!.body.messages as { role: string; content: { type: string }[] }[]
      expect(msgs.filter((m) => m.role === 'assistant').map((m) => m.content[0]!.type)).toEqual(['thinking', 'thinking'])
      expect(fake.requests[2]!.body.thinking).toMatchObject({ type: 'enabled' })
    })

    it('sends the right envelope (key, version, beta, model id)', async () => {
      replies = [{ blocks: [{ type: 'text', text: 'hi' }] }]
      const { prepared } = await call(adapter(), upstream(), codexRequest([{ type: 'message', role: 'user', content: 'hi' }]))
      const r = fake.requests[0]!
      if (kind === 'anthropic') {
        expect(r.path).toBe('/v1/messages')
        expect(r.headers['x-api-key']).toBe(fake.key)
        expect(r.headers['anthropic-version']).toBe('2023-06-01')
        expect(r.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14')
        expect(r.body.model).toBe('claude-sonnet-4-5')
      } else {
        expect(r.modelId).toBe('eu.anthropic.claude-sonnet-4-5-20250929-v1:0')
        expect(String(r.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE\/\d{8}\/eu-west-1\/bedrock\/aws4_request/)
        expect(r.headers['x-api-key']).toBeUndefined()
        expect(r.body.anthropic_beta).toEqual(['interleaved-thinking-2025-05-14'])
      }
      expect(prepared.body && new TextDecoder().decode(prepared.body)).toBe(r.raw)
    })

    it('turns an in-stream error into response.failed', async () => {
      replies = [{ blocks: [{ type: 'text', text: 'partial answer' }], errorAfter: { events: 4, type: 'overloaded_error', message: 'Overloaded' } }]
      const { events } = await call(adapter(), upstream(), codexRequest([{ type: 'message', role: 'user', content: 'hi' }]))
      const last = events[events.length - 1]!
      expect(last.type).toBe('response.failed')
      expect((last.response as { error: { code: string } }).error.code).toBe('server_is_overloaded')
    })

    it('answers an HTTP error in the OpenAI error shape with its status', async () => {
      replies = [{ http: kind === 'anthropic' ? { status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '7' } } : { status: 429, type: 'ThrottlingException', message: 'Too many requests' } }]
      const { res, text } = await call(adapter(), upstream(), codexRequest([{ type: 'message', role: 'user', content: 'hi' }]))
      expect(res.status).toBe(429)
      expect(JSON.parse(text).error).toMatchObject({ code: 'rate_limit_exceeded' })
      if (kind === 'anthropic') expect(res.headers.get('retry-after')).toBe('7')
    })

    it('keeps the provider stream for the record', async () => {
      replies = [{ blocks: [{ type: 'text', text: 'hello raw' }] }]
      const { res } = await call(adapter(), upstream(), codexRequest([{ type: 'message', role: 'user', content: 'hi' }]))
      const raw = rawCaptureText(providerRawStreams.get(res)!)
      if (kind === 'anthropic') expect(raw).toBe(fake.lastStream.toString('utf8'))
      else expect(raw).toContain('event: message_start\ndata: {"type":"message_start"')
      expect(raw).toContain('"text":"raw"')
      expect(providerRawStreams.get(res)!.usage).toMatchObject({ cache_read_input_tokens: 4000, cache_creation_input_tokens: 800 })
    })

    it('answers a non-streamed request with the final response object', async () => {
      replies = [{ blocks: [{ type: 'text', text: 'json please' }] }]
      const { res, text } = await call(adapter(), upstream(), codexRequest([{ type: 'message', role: 'user', content: 'hi' }], { stream: false }))
      expect(res.headers.get('content-type')).toContain('application/json')
      expect(JSON.parse(text)).toMatchObject({ object: 'response', status: 'completed', output: [{ type: 'message', content: [{ text: 'json please' }] }] })
    })
  })
}

describe('the model list (Codex, and the validate probe)', () => {
  it('lists Anthropic models in the OpenAI shape, with the key', async () => {
    const req: AdapterRequest = { method: 'GET', path: '/v1/models', query: null, headers: new Headers(), body: undefined, json: undefined, model: null }
    const prepared = ADAPTERS.anthropic!.prepare(req, anthropicUpstream(), fake.key) as PreparedCall
    const res = ADAPTERS.anthropic!.adaptResponse(await fetch(prepared.url, { headers: prepared.headers }), req, anthropicUpstream())
    expect(await res.json()).toEqual({
      object: 'list',
      data: [
        { id: 'claude-sonnet-4-5-20250929', object: 'model', created: 1759104000, owned_by: 'anthropic' },
        { id: 'claude-haiku-4-5-20251001', object: 'model', created: 1760486400, owned_by: 'anthropic' },
      ],
    })
    const refused = ADAPTERS.anthropic!.adaptResponse(await fetch(prepared.url, { headers: { 'anthropic-version': '2023-06-01' } }), req, anthropicUpstream())
    expect(refused.status).toBe(401)
  })

  it('says plainly that a Bedrock upstream has no model list', () => {
    const p = ADAPTERS.bedrock!.prepare({ method: 'GET', path: '/v1/models', query: null, headers: new Headers(), body: undefined, json: undefined, model: null }, bedrockUpstream(), undefined)
    expect(p).toMatchObject({ refusal: { code: 'unsupported_for_model', detail: expect.stringContaining('no model list') } })
  })
})

describe('refusals before anything is sent', () => {
  const refusal = (req: AdapterRequest): Refusal => {
    const p = ADAPTERS.anthropic!.prepare(req, anthropicUpstream(), 'k')
    if (!('refusal' in p)) throw new Error('expected a refusal')
    return p.refusal
  }
  it('refuses endpoints other than POST /v1/responses', () => {
    expect(refusal({ ...codexRequest([]), path: '/v1/chat/completions' })).toMatchObject({ code: 'unsupported_for_model', detail: expect.stringContaining('only POST /v1/responses') })
  })
  it('refuses previous_response_id (no server-side state on Claude)', () => {
    expect(refusal(codexRequest([{ role: 'user', content: 'x' }], { previous_response_id: 'resp_1' })).detail).toMatch(/previous_response_id/)
  })
  it('refuses a hosted tool without a Claude counterpart, naming it', () => {
    expect(refusal(codexRequest([{ role: 'user', content: 'x' }], { tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] })).detail).toMatch(/"code_interpreter" has no Claude counterpart/)
  })
})

describe('a damaged thinking signature', () => {
  it('is answered by the strict fake as Anthropic does, and reaches the client as invalid_encrypted_content (the pool then resends without reasoning)', async () => {
    replies = [{ blocks: [{ type: 'thinking', thinking: 'secret plan' }, { type: 'tool_use', id: 'toolu_X', name: 'exec_command', input: { cmd: 'pwd' } }] }]
    const t1 = await call(ADAPTERS.anthropic!, anthropicUpstream(), codexRequest([{ role: 'user', content: 'go' }]))
    const items = outputItems(t1.events)
    const reasoning = items[0]!
    // A translator that re-encodes the thinking text (here: one changed character) breaks the signature.
    const { decodeThinkingCarry, encodeThinkingCarry } = await import('../../lambda/src/providers/anthropic/reasoning-carry.js')
    const blocks = decodeThinkingCarry(reasoning.encrypted_content) as { type: 'thinking'; thinking: string; signature: string }[]
    const tampered = { ...reasoning, encrypted_content: encodeThinkingCarry([{ ...blocks[0]!, thinking: 'secret plan.' }]) }
    const t2 = await call(ADAPTERS.anthropic!, anthropicUpstream(), codexRequest([{ role: 'user', content: 'go' }, tampered, items[1], { type: 'function_call_output', call_id: 'toolu_X', output: '/tmp' }]))
    expect(t2.res.status).toBe(400)
    expect(JSON.parse(t2.text).error).toMatchObject({ code: 'invalid_encrypted_content', message: expect.stringContaining('Invalid `signature`') })
  })
})
