// The proxy core as a `fetch(Request)` function: real HTTP to a fake upstream, in-memory
// token store and audit sink.
import { describe, expect, it } from 'vitest'
import { generateToken } from '../../lambda/src/contracts/token.js'
import type { Proxy } from '../../lambda/src/core/proxy.js'
import { codexBody, useCoreHarness } from '../support/core-harness.js'
import { DEFAULT_USAGE } from '../support/fake-openai.js'
import { closedPort } from '../support/ports.js'
import { testContext } from '../support/memory-ports.js'

const h = useCoreHarness()
const { makeProxy, request, call, baseConfig } = h

describe('forwarding', () => {
  it('swaps the proxy token for the real key and never sends the token upstream', async () => {
    const { response } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(response.status).toBe(200)
    const sent = h.upstream.requests[0]!
    expect(sent.headers.authorization).toBe('Bearer sk-real-key')
    expect(JSON.stringify(sent.rawHeaders)).not.toContain(h.alice.token)
  })

  it('forwards the body byte for byte', async () => {
    const body = codexBody({ note: 'ünïcødé \u2028 "quoted"' })
    await call(makeProxy(), request('/v1/responses', { method: 'POST', body }))
    expect(h.upstream.requests[0]!.body.toString('utf8')).toBe(body)
  })

  it('forwards invalid JSON unchanged and still records it', async () => {
    h.upstream.override = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"We could not parse the JSON body"}}')
      return true
    }
    const { response, record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: '{not json' }))
    expect(h.upstream.requests[0]!.body.toString()).toBe('{not json')
    expect(response.status).toBe(400)
    expect(record).toMatchObject({ request_body: '{not json', origin: 'upstream', status: 400, model: null })
  })

  it('prepends /v1 to paths without it', async () => {
    await call(makeProxy(), request('/responses', { method: 'POST', body: codexBody() }))
    expect(h.upstream.requests[0]!.url).toBe('/v1/responses')
  })

  it('forwards the query string', async () => {
    await call(makeProxy(), request('/v1/models?limit=2&order=asc'))
    expect(h.upstream.requests[0]!.url).toBe('/v1/models?limit=2&order=asc')
  })

  it('returns upstream status, headers and body, plus the request id', async () => {
    const { response, text, record } = await call(makeProxy(), request('/v1/models'))
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toBe('req_fake_upstream')
    expect(response.headers.get('x-codex-proxy-request-id')).toBe(record.request_id)
    expect(JSON.parse(text).data[0].id).toBe('gpt-5.1-codex')
  })

  it('passes upstream errors through untouched, marked as upstream in the record', async () => {
    const body = '{"error":{"message":"We\'re currently experiencing high demand, which may cause temporary errors.","type":"server_error"}}'
    h.upstream.override = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' }).end(body)
      return true
    }
    const { response, text, record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(response.status).toBe(503)
    expect(text).toBe(body)
    expect(record).toMatchObject({ origin: 'upstream', status: 503, error_code: null, response_body: body, usage_status: 'none' })
  })

  it('does not follow upstream redirects', async () => {
    h.upstream.override = (_req, res) => {
      res.writeHead(307, { location: 'http://elsewhere.example/' }).end()
      return true
    }
    const { response } = await call(makeProxy(), request('/v1/models'))
    expect(response.status).toBe(307)
    expect(response.headers.get('location')).toBe('http://elsewhere.example/')
  })

  it('forwards without Authorization when no key is configured', async () => {
    const proxy = makeProxy({}, undefined, { key: { get: async () => undefined } })
    await call(proxy, request('/v1/models'))
    expect(h.upstream.requests[0]!.headers.authorization).toBeUndefined()
  })
})

describe('streaming', () => {
  it('delivers the first event before the upstream has finished the stream', async () => {
    h.upstream.options = { eventDelayMs: 150, deltas: 4 }
    const ctx = testContext()
    const response = await makeProxy().fetch(request('/v1/responses', { method: 'POST', body: codexBody() }), ctx)
    const reader = response.body!.getReader()
    const first = await reader.read()
    const firstAt = performance.now()
    expect(new TextDecoder().decode(first.value)).toContain('response.created')
    let rest = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    const lastWrittenAt = h.upstream.lastStreamEventTimes.at(-1)!
    // 7 events, 150 ms apart: the upstream wrote its last event ~900 ms after the first.
    expect(lastWrittenAt - firstAt).toBeGreaterThan(600)
    expect(rest).toContain('response.completed')
    await ctx.settled()
  })

  it('records the whole SSE text, usage, model and timing once the stream ends', async () => {
    const { text, record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(record).toMatchObject({
      user_id: 'alice',
      team: 'eng',
      method: 'POST',
      path: '/v1/responses',
      model: 'gpt-5.1-codex',
      response_model: 'gpt-5.1-codex',
      stream: true,
      status: 200,
      origin: 'upstream',
      usage_status: 'reported',
      input_tokens: DEFAULT_USAGE.input_tokens,
      cached_input_tokens: DEFAULT_USAGE.cached_tokens,
      output_tokens: DEFAULT_USAGE.output_tokens,
      reasoning_tokens: DEFAULT_USAGE.reasoning_tokens,
      total_tokens: DEFAULT_USAGE.input_tokens + DEFAULT_USAGE.output_tokens,
      client_aborted: false,
      upstream_error: null,
      response_body: text,
      response_body_bytes: Buffer.byteLength(text),
    })
    expect(record.ttfb_ms).toBeGreaterThanOrEqual(0)
    expect(record.latency_ms).toBeGreaterThanOrEqual(record.ttfb_ms!)
  })

  it('writes the audit record only after the client has read the whole body', async () => {
    h.upstream.options = { eventDelayMs: 20 }
    const ctx = testContext()
    const response = await makeProxy().fetch(request('/v1/responses', { method: 'POST', body: codexBody() }), ctx)
    expect(h.audit.writes).toBe(0)
    await response.text()
    await ctx.settled()
    expect(h.audit.writes).toBe(1)
  })

  it('does not hold the end of the stream back for a slow audit write', async () => {
    h.audit.delayMs = 1_000
    const ctx = testContext()
    const started = performance.now()
    const response = await makeProxy().fetch(request('/v1/responses', { method: 'POST', body: codexBody() }), ctx)
    await response.text()
    expect(performance.now() - started).toBeLessThan(800)
    await ctx.settled()
    expect(h.audit.records).toHaveLength(1)
  })

  it('ends the stream cleanly and flags the record when the upstream dies mid-stream', async () => {
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5"}}\n\n')
      setTimeout(() => res.socket?.destroy(), 50)
      return true
    }
    const { response, text, record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(response.status).toBe(200)
    expect(text).toContain('response.created')
    expect(record).toMatchObject({ status: 200, origin: 'upstream', usage_status: 'missing', client_aborted: false })
    expect(record.upstream_error).toBeTruthy()
  })

  it('aborts the upstream request when the client goes away', async () => {
    let upstreamClosed: number | undefined
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created"}\n\n')
      res.on('close', () => (upstreamClosed = performance.now()))
      return true // never ends on its own
    }
    const client = new AbortController()
    const ctx = testContext()
    const req = request('/v1/responses', { method: 'POST', body: codexBody(), signal: client.signal })
    const response = await makeProxy().fetch(req, ctx)
    const reader = response.body!.getReader()
    await reader.read()
    const abortedAt = performance.now()
    client.abort()
    await reader.cancel()
    await ctx.settled()
    await new Promise((r) => setTimeout(r, 100))
    expect(upstreamClosed).toBeDefined()
    expect(upstreamClosed! - abortedAt).toBeLessThan(1000)
    expect(h.audit.records[0]).toMatchObject({ client_aborted: true })
  })

  it('keeps at most the body cap in the record and flags the cut', async () => {
    h.upstream.options = { deltas: 50, deltaPaddingBytes: 1000 }
    const { text, record } = await call(makeProxy({ bodyCapBytes: 4096 }), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(text.length).toBeGreaterThan(50_000)
    expect(Buffer.byteLength(record.response_body!)).toBeLessThanOrEqual(4096)
    expect(record.truncated.response_body).toBe(true)
    expect(record.response_body_bytes).toBe(Buffer.byteLength(text))
    // Usage is read from the stream as it passes, not from the cut copy.
    expect(record.usage_status).toBe('reported')
  })
})

describe('proxy errors', () => {
  async function expectProxyError(req: Request, status: number, code: string, rawTarget?: string, proxy = makeProxy()) {
    const { response, text, record } = await call(proxy, req, rawTarget)
    expect(response.status).toBe(status)
    expect(response.headers.get('content-type')).toBe('application/json')
    const body = JSON.parse(text)
    expect(body.error).toMatchObject({ type: 'codex_proxy_error', code })
    expect(record).toMatchObject({ origin: 'proxy', error_code: code, status })
    expect(response.headers.get('x-codex-proxy-request-id')).toBe(record.request_id)
    expect(h.upstream.requests).toHaveLength(0)
    return { body, record }
  }

  it('answers a missing Authorization with 401 missing_authorization', async () => {
    const { body } = await expectProxyError(request('/v1/responses', { method: 'POST', body: codexBody(), token: null }), 401, 'missing_authorization')
    expect(body.error.message).toBe('missing or invalid Authorization header')
  })

  it('answers a non-Bearer Authorization with 401 missing_authorization', async () => {
    await expectProxyError(request('/v1/models', { token: null, headers: { authorization: 'Basic YTpi' } }), 401, 'missing_authorization')
  })

  it('answers duplicate Authorization headers with 401', async () => {
    const req = request('/v1/models', { token: null })
    req.headers.append('authorization', `Bearer ${h.alice.token}`)
    req.headers.append('authorization', `Bearer ${h.alice.token}`)
    await expectProxyError(req, 401, 'missing_authorization')
  })

  it('refuses a token with a bad checksum without a store lookup', async () => {
    const bad = h.alice.token.slice(0, -1) + (h.alice.token.endsWith('a') ? 'b' : 'a')
    await expectProxyError(request('/v1/models', { token: bad }), 401, 'invalid_token')
    expect(h.tokens.lookups).toBe(0)
  })

  it('refuses an unknown well-formed token', async () => {
    const { body } = await expectProxyError(request('/v1/models', { token: generateToken() }), 401, 'invalid_token')
    expect(body.error.message).toBe('invalid or disabled token')
    expect(h.tokens.lookups).toBe(1)
  })

  it('fails closed with 503 when the token store is down', async () => {
    h.tokens.failWith = new Error('ECONNREFUSED dynamodb')
    await expectProxyError(request('/v1/models'), 503, 'token_lookup_failed')
  })

  it('answers 502 upstream_request_failed when the upstream refuses connections', async () => {
    const proxy = makeProxy({ upstreamUrl: `http://127.0.0.1:${await closedPort()}` })
    const { body, record } = await expectProxyError(request('/v1/models'), 502, 'upstream_request_failed', undefined, proxy)
    expect(body.error.message).toBe('upstream request failed: connection refused')
    expect(record.upstream_error).toBe('connection refused')
  })

  it('answers 502 when the upstream does not answer within the timeout', async () => {
    h.upstream.override = () => true // never responds
    const proxy = makeProxy({ upstreamTimeoutMs: 200 })
    const { response, text } = await call(proxy, request('/v1/models'))
    expect(response.status).toBe(502)
    expect(JSON.parse(text).error.message).toBe('upstream request failed: timed out after 200 ms')
  })

  it.each([
    ['/v1/../admin', 'a dot segment'],
    ['/v1/files%2F..%2Fx', 'an encoded slash'],
    ['/v1/a%0d%0ab', 'an encoded CRLF'],
  ])('refuses %s (%s) with 400 invalid_path', async (raw) => {
    await expectProxyError(request('/v1/models'), 400, 'invalid_path', raw)
  })

  it('refuses oversized bodies with 413 before forwarding', async () => {
    const big = JSON.stringify({ model: 'gpt-5', input: 'x'.repeat(3 * 1024 * 1024) })
    await expectProxyError(request('/v1/responses', { method: 'POST', body: big }), 413, 'request_too_large')
  })

  it('refuses oversized streamed bodies (no content-length) with 413', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(120)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ >= 20) c.close()
        else c.enqueue(chunk)
      },
    })
    const req = request('/v1/responses', { method: 'POST', body, duplex: 'half' } as RequestInit)
    await expectProxyError(req, 413, 'request_too_large')
    expect(sent).toBeLessThan(15)
  })

  it('answers 403 path_not_allowed by default for what Codex does not need', async () => {
    await expectProxyError(request('/v1/files'), 403, 'path_not_allowed')
  })

  it('answers a WebSocket upgrade with 426 so Codex falls back to HTTP', async () => {
    await expectProxyError(request('/v1/responses', { headers: { upgrade: 'websocket', connection: 'Upgrade' } }), 426, 'websocket_not_supported')
  })

  it('refuses methods the API does not serve with 405', async () => {
    await expectProxyError(request('/v1/models', { method: 'OPTIONS' }), 405, 'method_not_allowed')
  })

  it('never puts the proxy token in an error, a record or a header', async () => {
    const { text, record } = await call(makeProxy({ upstreamUrl: `http://127.0.0.1:${await closedPort()}` }), request('/v1/models'))
    expect(text).not.toContain(h.alice.token)
    expect(JSON.stringify(record)).not.toContain(h.alice.token)
    expect(record.request_headers.authorization).toBe('[REDACTED]')
  })
})

describe('default endpoints (codex)', () => {
  it.each([
    ['POST', '/v1/responses'],
    ['POST', '/v1/responses/compact'],
    ['GET', '/v1/models'],
    ['GET', '/v1/models/gpt-5'],
  ])('forwards %s %s', async (method, path) => {
    const { response } = await call(makeProxy(), request(path, { method, ...(method === 'POST' && { body: codexBody({ stream: false }) }) }))
    expect(response.status).toBe(200)
  })
})

describe('token cache', () => {
  it('serves repeated requests from the cache', async () => {
    const proxy = makeProxy()
    for (let i = 0; i < 5; i++) await call(proxy, request('/v1/models'))
    expect(h.tokens.lookups).toBe(1)
  })

  it('stops accepting a removed token once the cache entry expires', async () => {
    const proxy = makeProxy({ tokenCacheMs: 100 })
    expect((await call(proxy, request('/v1/models'))).response.status).toBe(200)
    h.tokens.remove(h.alice.token)
    await new Promise((r) => setTimeout(r, 150))
    expect((await call(proxy, request('/v1/models'))).response.status).toBe(401)
  })
})

describe('healthz', () => {
  it('answers without a token and writes no record', async () => {
    const ctx = testContext()
    const response = await makeProxy().fetch(new Request('http://proxy.local/healthz'), ctx)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', version: 'test' })
    expect(ctx.pending).toHaveLength(0)
  })
})

describe('records and metrics', () => {
  it('records client identification headers and redacts credentials', async () => {
    const headers = { originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0', 'session-id': 'S1', 'thread-id': 'T1', 'x-client-request-id': 'C1', cookie: 'a=b' }
    const { record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody(), headers }))
    expect(record.client).toEqual({ originator: 'codex_exec', user_agent: 'codex_exec/0.169.0', session_id: 'S1', thread_id: 'T1', client_request_id: 'C1', turn_id: null, window_id: null, request_kind: null })
    expect(record.request_headers.cookie).toBe('[REDACTED]')
    expect(record.token_id).toMatch(/^tok_[0-9a-f]{12}$/)
  })

  it('records the turn and window ids of x-codex-turn-metadata and the request kind of x-openai-subagent', async () => {
    const headers = { 'session-id': 'S1', 'x-codex-turn-metadata': JSON.stringify({ turn_id: 'turn-7', window_id: 'S1:0', sandbox: 'seatbelt' }), 'x-openai-subagent': 'review' }
    const { record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody(), headers }))
    expect(record.client).toMatchObject({ session_id: 'S1', turn_id: 'turn-7', window_id: 'S1:0', request_kind: 'review' })
  })

  it('records usage from a non-stream JSON response', async () => {
    const { record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody({ stream: false }) }))
    expect(record).toMatchObject({ stream: false, usage_status: 'reported', input_tokens: 1200, cached_input_tokens: 1000 })
  })

  it('records usage from chat completions streams', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const { record } = await call(makeProxy({ endpoints: ['codex', 'chat'] }), request('/v1/chat/completions', { method: 'POST', body }))
    expect(record).toMatchObject({ usage_status: 'reported', input_tokens: 1200, output_tokens: 300, reasoning_tokens: 120 })
  })

  it('emits request, error and token metrics', async () => {
    const proxy = makeProxy()
    await call(proxy, request('/v1/responses', { method: 'POST', body: codexBody() }))
    await call(proxy, request('/v1/models', { token: generateToken() }))
    expect(h.metrics.count('Requests')).toBe(2)
    expect(h.metrics.count('ProxyErrors', { Code: 'invalid_token' })).toBe(1)
    expect(h.metrics.count('UpstreamResponses', { StatusClass: '2xx' })).toBe(1)
    expect(h.metrics.count('InputTokens')).toBe(1200)
  })

  it('gives each request its own time-ordered id', async () => {
    const proxy = makeProxy()
    for (let i = 0; i < 3; i++) await call(proxy, request('/v1/models'))
    const ids = h.audit.records.map((r) => r.request_id)
    expect(new Set(ids).size).toBe(3)
    expect([...ids].sort()).toEqual(ids)
  })
})

describe('end of stream', () => {
  it('closes the client stream before building the record', async () => {
    let closedBeforeRecord: boolean | undefined
    let streamClosed = false
    const slowSink = {
      write: async () => {
        closedBeforeRecord = streamClosed
      },
    }
    const proxy = makeProxy({}, 'sk', { audit: slowSink })
    const ctx = testContext()
    const response = await proxy.fetch(request('/v1/responses', { method: 'POST', body: codexBody() }), ctx)
    const reader = response.body!.getReader()
    while (!(await reader.read()).done) {
      // drain
    }
    streamClosed = true
    await ctx.settled()
    expect(closedBeforeRecord).toBe(true)
  })
})
