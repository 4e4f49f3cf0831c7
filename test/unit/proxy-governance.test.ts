// Model allow-lists, rate limits, budgets and cost, as the core applies them.
import { describe, expect, it } from 'vitest'
import { spendAttr, spendKey } from '../../lambda/src/contracts/counters.js'
import { codexBody, useCoreHarness } from '../support/core-harness.js'

const h = useCoreHarness()
const { makeProxy, request, call } = h
const post = (body = codexBody(), token?: string) => request('/v1/responses', { method: 'POST', body, ...(token && { token }) })
const today = (user: string, measure: 'committed' | 'spent' | 'requests') => h.counters.items.get(spendKey('user', user, new Date()))?.[spendAttr(measure, 'day', new Date())] ?? 0
const spentToday = (user: string) => today(user, 'spent')

// Per request the fake upstream reports 1200 input (1000 cached) and 300 output tokens;
// gpt-5.1-codex is priced as gpt-5.1 ($1.25 / $0.125 cached / $10 per Mtok).
const COST_PER_REQUEST = (200 * 1.25 + 1000 * 0.125 + 300 * 10) / 1e6

describe('model allow-list', () => {
  it('refuses another model with 403 naming the allowed ones, without calling upstream', async () => {
    const { token } = h.tokens.add('bob', { models: ['gpt-5-mini', 'o4-*'] })
    const { response, text } = await call(makeProxy(), post(codexBody({ model: 'gpt-5' }), token))
    expect(response.status).toBe(403)
    expect(JSON.parse(text).error).toEqual({
      message: 'model not allowed: gpt-5 is not allowed for bob (allowed: gpt-5-mini, o4-*)',
      type: 'codex_proxy_error',
      code: 'model_not_allowed',
    })
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('lets an allowed model through', async () => {
    const { token } = h.tokens.add('bob', { models: ['gpt-5*'] })
    expect((await call(makeProxy(), post(codexBody(), token))).response.status).toBe(200)
  })

  it('applies the team allow-list as well', async () => {
    const { token } = h.tokens.add('bob', { models: ['gpt-5*'], team: 'eng', team_policy: { models: ['*-mini'] } })
    expect((await call(makeProxy(), post(codexBody({ model: 'gpt-5' }), token))).response.status).toBe(403)
    expect((await call(makeProxy(), post(codexBody({ model: 'gpt-5-mini' }), token))).response.status).toBe(200)
  })

  it('shows only allowed models in GET /v1/models', async () => {
    const { token } = h.tokens.add('bob', { models: ['gpt-5.1-codex*'] })
    const { response, text, record } = await call(makeProxy(), request('/v1/models', { token }))
    expect(response.status).toBe(200)
    expect(JSON.parse(text).data.map((m: { id: string }) => m.id)).toEqual(['gpt-5.1-codex', 'gpt-5.1-codex-mini'])
    expect(record.response_body).toBe(text)
  })

  it('refuses a lookup of a model outside the list', async () => {
    const { token } = h.tokens.add('bob', { models: ['gpt-5*'] })
    expect((await call(makeProxy(), request('/v1/models/o3', { token }))).response.status).toBe(403)
  })
})

describe('rate limits through the core', () => {
  it('answers 429 rate_limited with Retry-After once rpm is used up', async () => {
    const { token } = h.tokens.add('bob', { rpm: 2 })
    const proxy = makeProxy()
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await call(proxy, post(codexBody(), token))).response)
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429])
    const retryAfter = Number(statuses[2]!.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(h.upstream.requests).toHaveLength(2)
  })
})

describe('budgets through the core', () => {
  it('answers 429 budget_exceeded naming level, limit, spend and reset time', async () => {
    const { token } = h.tokens.add('bob', { user_policy: { budget_daily_usd: 0.0001 } })
    const { response, text, record } = await call(makeProxy(), post(codexBody(), token))
    expect(response.status).toBe(429)
    const message = JSON.parse(text).error.message as string
    expect(message).toMatch(/^budget exceeded: user bob daily budget of \$0\.00 reached \(\$0\.00 spent or reserved\); resets \d{4}-\d{2}-\d{2}T00:00:00\.000Z$/)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(record).toMatchObject({ error_code: 'budget_exceeded', origin: 'proxy' })
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('adds the budget warning header past the warn threshold', async () => {
    // One request reserves ~$0.043 (55 B body → 14 tokens in, 4096 out at $10/Mtok).
    const { token } = h.tokens.add('bob', { user_policy: { budget_daily_usd: 0.05 } })
    const { response } = await call(makeProxy(), post(codexBody(), token))
    expect(response.status).toBe(200)
    expect(response.headers.get('x-codex-proxy-budget-warning')).toMatch(/^user bob daily budget \d+% used: \$0\.04 of \$0\.05/)
  })

  it('reconciles to the actual cost after the response', async () => {
    const { token } = h.tokens.add('bob', { budget_daily_usd: 5 })
    await call(makeProxy(), post(codexBody(), token))
    expect(today('bob', 'spent')).toBe(Math.round(COST_PER_REQUEST * 1e6))
    expect(today('bob', 'committed')).toBe(Math.round(COST_PER_REQUEST * 1e6))
  })

  it('records spend once per request even when the audit write fails', async () => {
    h.audit.failWith = new Error('S3 down')
    await call(makeProxy(), post())
    expect(spentToday('alice')).toBe(Math.round(COST_PER_REQUEST * 1e6))
    expect(today('alice', 'requests')).toBe(1)
  })

  it('keeps the reservation when the stream is cut before usage arrives', async () => {
    const { token } = h.tokens.add('bob', { budget_daily_usd: 5 })
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5.1-codex"}}\n\n')
      setTimeout(() => res.socket?.destroy(), 20)
      return true
    }
    const { record } = await call(makeProxy(), post(codexBody(), token))
    expect(record).toMatchObject({ usage_status: 'missing', cost_usd: null })
    expect(today('bob', 'committed')).toBeGreaterThan(40_000)
  })

  it('releases the reservation when the upstream cannot be reached', async () => {
    const { token } = h.tokens.add('bob', { budget_daily_usd: 5 })
    const proxy = makeProxy({ upstreamTimeoutMs: 100 })
    expect((await call(proxy, post(codexBody(), token))).response.status).toBe(200)
    h.upstream.override = () => true // never answers: the proxy times out
    expect((await call(proxy, post(codexBody(), token))).response.status).toBe(502)
    expect(today('bob', 'committed')).toBe(Math.round(COST_PER_REQUEST * 1e6)) // only the first, served request
  })

  it('fails closed with 503 usage_check_failed when counters are down and limits apply', async () => {
    const { token } = h.tokens.add('bob', { rpm: 10 })
    h.counters.failWith = new Error('ECONNREFUSED')
    const { response, text } = await call(makeProxy(), post(codexBody(), token))
    expect(response.status).toBe(503)
    expect(JSON.parse(text).error.code).toBe('usage_check_failed')
  })

  it('still serves callers without limits when counters are down, counting the lost spend', async () => {
    h.counters.failWith = new Error('ECONNREFUSED')
    const { response } = await call(makeProxy(), post())
    expect(response.status).toBe(200)
    expect(h.metrics.count('SpendRecordFailures')).toBe(1)
  })
})

describe('cost in the record', () => {
  it('records cost_usd from the upstream usage and the price table', async () => {
    const { record } = await call(makeProxy(), post())
    expect(record.cost_usd).toBeCloseTo(COST_PER_REQUEST, 12)
    expect(h.metrics.count('CostUSD')).toBeCloseTo(COST_PER_REQUEST, 12)
  })

  it('records null and counts a metric for a model without a price', async () => {
    const { record } = await call(makeProxy(), post(codexBody({ model: 'mystery-model-9' })))
    expect(record).toMatchObject({ cost_usd: null, usage_status: 'reported' })
    expect(h.metrics.count('UnpricedRequests')).toBe(1)
  })

  it('prices a non-stream response too', async () => {
    const { record } = await call(makeProxy(), post(codexBody({ stream: false })))
    expect(record.cost_usd).toBeCloseTo(COST_PER_REQUEST, 12)
  })
})

describe('budget refusals for Codex clients', () => {
  it('answers Codex with 400 and no Retry-After, so it shows the message instead of sleeping until the reset', async () => {
    const { token } = h.tokens.add('bob', { budget_daily_usd: 0.0001 })
    const req = request('/v1/responses', { method: 'POST', body: codexBody(), token, headers: { originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0' } })
    const { response, text, record } = await call(makeProxy(), req)
    expect(response.status).toBe(400)
    expect(response.headers.get('retry-after')).toBeNull()
    expect(JSON.parse(text).error.code).toBe('budget_exceeded')
    expect(record).toMatchObject({ status: 400, error_code: 'budget_exceeded' })
  })

  it('keeps 429 with Retry-After for rate limits, which Codex waits out and retries', async () => {
    const { token } = h.tokens.add('bob', { rpm: 1 })
    const proxy = makeProxy()
    const headers = { originator: 'codex_exec' }
    await call(proxy, request('/v1/responses', { method: 'POST', body: codexBody(), token, headers }))
    const { response } = await call(proxy, request('/v1/responses', { method: 'POST', body: codexBody(), token, headers }))
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).not.toBeNull()
  })
})
