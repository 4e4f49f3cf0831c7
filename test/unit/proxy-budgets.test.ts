// Budget levels, request tags, the cost and remaining-budget headers and budget alerts, as
// the core applies them (in-memory ports, fake upstream over real HTTP).
import { describe, expect, it } from 'vitest'
import { ORG_ID } from '../../lambda/src/contracts/counters.js'
import { codexBody, useCoreHarness } from '../support/core-harness.js'
import { MemoryAlertSink } from '../support/memory-ports.js'

const h = useCoreHarness()
const { makeProxy, request, call } = h
const post = (token: string, extra: { body?: string; headers?: Record<string, string> } = {}) =>
  request('/v1/responses', { method: 'POST', body: extra.body ?? codexBody(), token, ...(extra.headers && { headers: extra.headers }) })
const COST_PER_REQUEST = (200 * 1.25 + 1000 * 0.125 + 300 * 10) / 1e6
const REMAINING = /^(-?\d+\.\d{6}); level=(\w+); id=([^;]+); period=(day|week|month)$/

describe('levels through the core', () => {
  it('refuses by the key budget, naming the token', async () => {
    const { token, caller } = h.tokens.add('bob', { budget_daily_usd: 0.0001 })
    const { response, text } = await call(makeProxy(), post(token))
    expect(response.status).toBe(429)
    expect(JSON.parse(text).error.message).toContain(`budget exceeded: key ${caller.token_id} daily budget of $0.00 reached`)
  })

  it('refuses by the org budget, naming the deployment, and sends the remaining budget along', async () => {
    const { token } = h.tokens.add('bob', { org_policy: { budget_weekly_usd: 0.0001 } })
    const { response, text } = await call(makeProxy(), post(token))
    expect(JSON.parse(text).error.message).toContain(`budget exceeded: org ${ORG_ID} weekly budget`)
    expect(response.headers.get('x-codex-proxy-budget-remaining')).toBe(`0.000100; level=org; id=${ORG_ID}; period=week`)
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('refuses by the tag budget for a request carrying that tag, and not for one without it', async () => {
    const { token } = h.tokens.add('bob', { tags: ['proj-*'] })
    h.tokens.tagPolicies.set('proj-x', { budget_monthly_usd: 0.0001 })
    const tagged = await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': 'proj-x' } }))
    expect(JSON.parse(tagged.text).error.message).toContain('budget exceeded: tag proj-x monthly budget')
    expect((await call(makeProxy(), post(token))).response.status).toBe(200)
  })
})

describe('request tags', () => {
  it('refuses a tag when no allowed tags are set, saying how to allow it', async () => {
    const { token } = h.tokens.add('bob')
    const { response, text, record } = await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': 'proj-x' } }))
    expect(response.status).toBe(403)
    const error = JSON.parse(text).error
    expect(error.code).toBe('tag_not_allowed')
    expect(error.message).toContain('tag proj-x is not allowed for bob: no tags are allowed for this token')
    expect(record).toMatchObject({ error_code: 'tag_not_allowed' })
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('refuses an unlisted tag, naming the allowed ones; token and team lists must both allow it', async () => {
    const { token } = h.tokens.add('bob', { tags: ['proj-*'], team: 'web', team_policy: { tags: ['proj-a', 'ops'] } })
    const { text } = await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': 'proj-b' } }))
    expect(JSON.parse(text).error.message).toBe('tag not allowed: tag proj-b is not allowed for bob (allowed: proj-* and proj-a, ops)')
    expect((await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': 'proj-a' } }))).response.status).toBe(200)
  })

  it('answers Codex with 400 so it shows the message instead of retrying', async () => {
    const { token } = h.tokens.add('bob')
    const { response } = await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': 'x', originator: 'codex_exec' } }))
    expect(response.status).toBe(400)
  })

  for (const [what, value] of [
    ['two tags (a repeated header)', 'proj-a, proj-b'],
    ['a tag with a space', 'proj a'],
    ['an over-long tag', 'p'.repeat(65)],
    ['an empty tag', ''],
    ['a tag starting with punctuation', '-proj'],
    ['a percent-encoded tag', 'proj%2Fx'],
  ] as const) {
    it(`refuses ${what} as malformed`, async () => {
      const { token } = h.tokens.add('bob', { tags: ['*'] })
      const { response, text } = await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': value } }))
      expect(response.status).toBe(403)
      expect(JSON.parse(text).error.message).toMatch(/^tag not allowed: x-codex-proxy-tag must be one tag of letters/)
    })
  }

  it('does not forward the tag header upstream', async () => {
    const { token } = h.tokens.add('bob', { tags: ['proj-x'] })
    await call(makeProxy(), post(token, { headers: { 'x-codex-proxy-tag': 'proj-x' } }))
    expect(h.upstream.requests).toHaveLength(1)
    expect(h.upstream.requests[0]!.headers['x-codex-proxy-tag']).toBeUndefined()
  })
})

describe('cost and remaining-budget headers', () => {
  it('a non-streamed response carries its cost and the budget left after it', async () => {
    const { token } = h.tokens.add('bob', { user_policy: { budget_daily_usd: 5 } })
    const { response, text } = await call(makeProxy(), post(token, { body: codexBody({ stream: false }) }))
    expect(response.status).toBe(200)
    expect(JSON.parse(text).usage.output_tokens).toBe(300) // the body is intact after buffering
    expect(Number(response.headers.get('x-codex-proxy-cost-usd'))).toBeCloseTo(COST_PER_REQUEST, 6)
    const m = REMAINING.exec(response.headers.get('x-codex-proxy-budget-remaining') ?? '')
    expect(m?.slice(2)).toEqual(['user', 'bob', 'day'])
    expect(Number(m![1])).toBeCloseTo(5 - COST_PER_REQUEST, 6)
  })

  it('a non-streamed response carries its cost even where no budget applies, and no remaining header', async () => {
    const { token } = h.tokens.add('bob')
    const { response } = await call(makeProxy(), post(token, { body: codexBody({ stream: false }) }))
    expect(Number(response.headers.get('x-codex-proxy-cost-usd'))).toBeCloseTo(COST_PER_REQUEST, 6)
    expect(response.headers.get('x-codex-proxy-budget-remaining')).toBeNull()
  })

  it('a free call (GET /v1/models) costs 0', async () => {
    const { token } = h.tokens.add('bob')
    const { response } = await call(makeProxy(), request('/v1/models', { token }))
    expect(response.headers.get('x-codex-proxy-cost-usd')).toBe('0.000000')
  })

  it('an upstream failure after admission carries the budget left with the reservation released', async () => {
    const { token } = h.tokens.add('bob', { budget_daily_usd: 5 })
    h.upstream.override = (_req, res) => {
      res.socket?.destroy()
      return true
    }
    const { response } = await call(makeProxy(), post(token))
    expect(response.status).toBe(502)
    expect(response.headers.get('x-codex-proxy-budget-remaining')).toMatch(/^5\.000000; level=key; id=tok_[0-9a-f]{12}; period=day$/)
  })

  it('a stream carries no cost header; its remaining budget counts its reservation', async () => {
    const { token } = h.tokens.add('bob', { budget_daily_usd: 5 })
    const { response, text } = await call(makeProxy(), post(token))
    expect(text).toContain('response.completed')
    expect(response.headers.get('x-codex-proxy-cost-usd')).toBeNull()
    const m = REMAINING.exec(response.headers.get('x-codex-proxy-budget-remaining') ?? '')
    expect(m?.[2]).toBe('key')
    // The reservation (~$0.041 for 4096 output tokens) is more than the actual cost.
    expect(Number(m![1])).toBeLessThan(5 - COST_PER_REQUEST)
  })

  it('a non-streamed body over the body cap is relayed whole, without a cost header', async () => {
    const { token } = h.tokens.add('bob')
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ object: 'response', padding: 'x'.repeat(50_000), usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } }))
      return true
    }
    const { response, text } = await call(makeProxy({ bodyCapBytes: 10_000 }), post(token, { body: codexBody({ stream: false }) }))
    expect(JSON.parse(text).padding).toHaveLength(50_000)
    expect(response.headers.get('x-codex-proxy-cost-usd')).toBeNull()
  })

  it('an upstream that fails mid-body is still relayed as far as it got and recorded', async () => {
    const { token } = h.tokens.add('bob')
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"object":"response","output":[')
      setTimeout(() => res.socket?.destroy(), 20)
      return true
    }
    const proxy = makeProxy()
    const ctx = (await import('../support/memory-ports.js')).testContext()
    const response = await proxy.fetch(post(token, { body: codexBody({ stream: false }) }), ctx)
    await response.text().catch(() => '')
    await ctx.settled()
    expect(h.audit.records.at(-1)).toMatchObject({ response_body_bytes: 31, upstream_error: expect.any(String) })
    expect(response.headers.get('x-codex-proxy-cost-usd')).toBeNull()
  })
})

describe('budget alerts through the core', () => {
  it('sends the warn alert once when a request reaches the threshold', async () => {
    const alerts = new MemoryAlertSink()
    const { token } = h.tokens.add('bob', { user_policy: { budget_daily_usd: 0.05 } })
    const proxy = makeProxy({}, undefined, { alerts })
    await call(proxy, post(token)) // reserves ~$0.041 of $0.05: 83 %
    await call(proxy, post(token))
    expect(alerts.sent.filter((a) => a.kind === 'warn')).toMatchObject([{ level: 'user', id: 'bob', period: 'day', limit_usd: 0.05 }])
  })
})
