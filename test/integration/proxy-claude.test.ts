// Claude through the proxy core: a pool with an OpenAI upstream, an Anthropic upstream for
// claude-* and a Bedrock upstream for one Claude model; the strict fake behind both.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Upstream } from '../../lambda/src/contracts/upstreams.js'
import { upstreamPoolFactory } from '../../lambda/src/core/upstreams/index.js'
import { positiveFixtures } from '../fixtures/secrets/positives.js'
import { useCoreHarness } from '../support/core-harness.js'
import { type FakeAnthropic, startFakeAnthropic } from '../support/fake-anthropic.js'

const h = useCoreHarness()
let fake: FakeAnthropic

beforeAll(async () => {
  fake = await startFakeAnthropic()
  process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKE'
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret'
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.requests.length = 0
  fake.rejections.length = 0
  fake.script = () => ({ blocks: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Hello from Claude.' }] })
})

function proxy(config: Parameters<typeof h.makeProxy>[0] = {}) {
  const upstreams: Upstream[] = [
    { id: 'openai', kind: 'openai', url: h.upstream.url, weight: 1, org: 'openai', models: { patterns: ['gpt-*'] } },
    { id: 'claude', kind: 'anthropic', url: fake.url, weight: 1, org: 'anthropic', models: { patterns: ['claude-*'] } },
    { id: 'bedrock', kind: 'bedrock', url: fake.h2url, weight: 1, org: 'bedrock', region: 'us-east-1', models: { patterns: ['bedrock-claude-haiku'], rename: { 'bedrock-claude-haiku': 'us.anthropic.claude-haiku-4-5-20251001-v1:0' } } },
  ]
  const keys: Record<string, string> = { openai: 'sk-openai', claude: fake.key }
  return h.makeProxy(config, undefined, {
    upstreams: upstreamPoolFactory({ upstreams, firstByteTimeoutMs: 5_000 }, (u) => ({ get: async () => keys[u.id] })),
  })
}

const body = (model: string, extra: object = {}) =>
  JSON.stringify({
    model,
    stream: true,
    reasoning: { effort: 'low' },
    include: ['reasoning.encrypted_content'],
    tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }, { type: 'web_search', external_web_access: false }],
    input: [{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
    ...extra,
  })

describe('a Claude model through the proxy', () => {
  it('answers in Responses SSE and records both sides, the usage with cache writes and the cost', async () => {
    const sent = body('claude-sonnet-4-5')
    const { response, text, record } = await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: sent, headers: { originator: 'codex_exec' } }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    expect(text).toContain('event: response.output_text.delta')
    expect(text).toContain('event: response.completed')
    expect(fake.rejections).toEqual([])
    expect(h.upstream.requests).toHaveLength(0)
    expect(record).toMatchObject({
      upstream_id: 'claude',
      status: 200,
      model: 'claude-sonnet-4-5',
      usage_status: 'reported',
      // The fake's usage: 120 uncached + 4,000 cache reads + 800 cache writes in, 90 out.
      input_tokens: 4_920,
      cached_input_tokens: 4_000,
      cache_write_input_tokens: 800,
      output_tokens: 90,
      // 120×3 + 4,000×0.30 + 800×3.75 + 90×15 = 360 + 1,200 + 3,000 + 1,350 µ$
      cost_usd: 0.00591,
    })
    expect(record.request_body).toBe(sent)
    expect(record.response_body).toBe(text)
    expect(record.upstream_request_body).toBe(fake.requests[0]!.raw)
    expect(record.upstream_response_body).toBe(fake.lastStream.toString('utf8'))
    expect(JSON.stringify(record)).not.toContain(fake.key)
    expect(h.metrics.emitted.filter((m) => m.name === 'CacheWriteInputTokens').map((m) => m.value)).toEqual([800])
  })

  it('asks for interleaved thinking on Claude 4 models only', async () => {
    const withTool = (model: string) => body(model)
    await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: withTool('claude-sonnet-4-5') }))
    await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: withTool('claude-3-7-sonnet-20250219') }))
    expect(fake.requests.map((r) => [r.body.model, r.headers['anthropic-beta'] ?? null, (r.body.thinking as { type?: string } | undefined)?.type ?? null])).toEqual([
      ['claude-sonnet-4-5', 'interleaved-thinking-2025-05-14', 'enabled'],
      ['claude-3-7-sonnet-20250219', null, 'enabled'],
    ])
  })

  it('still sends GPT models to the OpenAI upstream, unchanged', async () => {
    const { response, record } = await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: body('gpt-5.1-codex') }))
    expect(response.status).toBe(200)
    expect(fake.requests).toHaveLength(0)
    expect(record).toMatchObject({ upstream_id: 'openai', upstream_request_body: null, upstream_response_body: null, cache_write_input_tokens: null })
    expect(h.metrics.emitted.filter((m) => m.name === 'CacheWriteInputTokens')).toEqual([])
  })

  it('drops Claude thinking carries when a session moves on to a GPT model, and keeps OpenAI reasoning items', async () => {
    const { encodeThinkingCarry } = await import('../../lambda/src/providers/anthropic/reasoning-carry.js')
    const claudeItem = { type: 'reasoning', id: 'rs_c', summary: [], encrypted_content: encodeThinkingCarry([{ type: 'thinking', thinking: 't', signature: 's' }]) }
    const openaiItem = { type: 'reasoning', id: 'rs_o', summary: [], encrypted_content: 'gAAAAABopenai' }
    const input = [{ type: 'message', role: 'user', content: 'a' }, claudeItem, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'b' }] }, openaiItem, { type: 'message', role: 'user', content: 'c' }]
    const { response, record } = await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: body('gpt-5.1-codex', { input }) }))
    expect(response.status).toBe(200)
    const sent = h.upstream.requests[0]!.json as { input: { id?: string }[] }
    expect(sent.input.map((i) => i.id ?? null)).toEqual([null, null, 'rs_o', null])
    expect(record.upstream_request_body).not.toContain('cxp-claude-thinking')
  })

  it('serves a Bedrock-mapped model through the SDK, with the record of both sides', async () => {
    const { response, text, record } = await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: body('bedrock-claude-haiku') }))
    expect(response.status).toBe(200)
    expect(text).toContain('Hello from Claude.')
    expect(fake.requests[0]!.modelId).toBe('us.anthropic.claude-haiku-4-5-20251001-v1:0')
    expect(record).toMatchObject({ upstream_id: 'bedrock', cache_write_input_tokens: 800 })
    expect(record.upstream_response_body).toContain('event: message_start')
  })

  it('refuses a tool Claude has no counterpart for with a catalogue error, before anything is sent', async () => {
    const { response, text, record } = await h.call(
      proxy(),
      h.request('/v1/responses', { method: 'POST', body: body('claude-sonnet-4-5', { tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }), headers: { originator: 'codex_exec' } }),
    )
    expect(response.status).toBe(400)
    expect(JSON.parse(text).error).toMatchObject({ code: 'unsupported_for_model', message: expect.stringContaining('request not supported for this model: tools[0]: tool type "file_search" has no Claude counterpart') })
    expect(fake.requests).toHaveLength(0)
    expect(record.error_code).toBe('unsupported_for_model')
  })

  it('keeps secrets out of the recorded Messages body and raw stream (flag mode)', async () => {
    const leak = positiveFixtures()[0]!
    fake.script = () => ({ blocks: [{ type: 'text', text: `I see ${leak.secret} in your file.` }] })
    const sent = body('claude-sonnet-4-5', { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: `cat .env\n${leak.text}` }] }] })
    const { record } = await h.call(proxy({ secretScanMode: 'flag' }), h.request('/v1/responses', { method: 'POST', body: sent }))
    expect(fake.requests[0]!.raw).toContain(leak.secret) // flag mode forwards as sent
    expect(record.secret_findings.length).toBeGreaterThan(0)
    expect(record.upstream_request_body).not.toContain(leak.secret)
    expect(record.upstream_response_body).not.toContain(leak.secret)
    expect(JSON.stringify(record)).not.toContain(leak.secret)
  })

  it('passes an Anthropic overload (529) to Codex in the OpenAI error shape when no other upstream serves the model', async () => {
    fake.script = () => ({ http: { status: 529, type: 'overloaded_error', message: 'Overloaded' } })
    const { response, text } = await h.call(proxy(), h.request('/v1/responses', { method: 'POST', body: body('claude-sonnet-4-5') }))
    expect(response.status).toBe(529)
    expect(JSON.parse(text).error).toMatchObject({ code: 'server_is_overloaded', message: 'anthropic: Overloaded' })
  })
})
