// The upstream pool's failover against real HTTP servers on loopback (no mocks of fetch).
import { afterEach, describe, expect, it } from 'vitest'
import { parseUpstreamPool, type Upstream } from '../../lambda/src/contracts/upstreams.js'
import type { KeySource, Metrics } from '../../lambda/src/core/ports.js'
import { UpstreamPool, type PoolRequest, type PoolResult } from '../../lambda/src/core/upstreams/failover.js'
import { DEFAULT_HEALTH, UpstreamHealth } from '../../lambda/src/core/upstreams/health.js'
import { rankUpstreams } from '../../lambda/src/core/upstreams/router.js'
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js'
import { QUOTA_BODY, refusedUrl, sendJson, startAzureFake, startOrgBound, startRateLimited, startResetMidStream } from '../support/fake-upstreams.js'

const servers: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const s = await p
  servers.push(s)
  return s
}

function makePool(list: unknown[], options: { keys?: Record<string, KeySource>; firstByteTimeoutMs?: number } = {}) {
  const config = parseUpstreamPool({ upstreams: list, ...(options.firstByteTimeoutMs && { first_byte_timeout_ms: options.firstByteTimeoutMs }) }, { source: 'test', keys: 'none' })
  const emitted: { name: string; dims: Record<string, string> | undefined }[] = []
  const metrics: Metrics = { emit: (name, _v, _u, dims) => void emitted.push({ name, dims }) }
  const health = new UpstreamHealth(() => performance.now(), DEFAULT_HEALTH)
  const pool = new UpstreamPool({
    config,
    keyFor: (u) => options.keys?.[u.id] ?? { get: async () => `sk-${u.id}` },
    health,
    fetch: (input, init) => fetch(input, init),
    monotonic: () => performance.now(),
    metrics,
  })
  return { pool, health, emitted, config }
}

/** A session key whose ranking puts `first` first (rendezvous is deterministic, so search). */
function sessionPreferring(upstreams: Upstream[], model: string, ...order: string[]): string {
  for (let i = 0; i < 10_000; i++) {
    const ids = rankUpstreams(upstreams, model, `sess-${i}`).map((u) => u.id)
    if (order.every((id, j) => ids[j] === id)) return `sess-${i}`
  }
  throw new Error('no such session key')
}

function request(json: Record<string, unknown>, session: string, extra: Partial<PoolRequest> = {}): PoolRequest {
  const body = new TextEncoder().encode(JSON.stringify(json))
  return {
    method: 'POST',
    path: '/v1/responses',
    query: null,
    headers: new Headers({ 'content-type': 'application/json', 'session-id': session, authorization: 'Bearer cxp_proxy_token' }),
    body,
    json,
    model: typeof json.model === 'string' ? json.model : null,
    requestId: 'req-1',
    stream: json.stream === true,
    previousResponseId: typeof json.previous_response_id === 'string' ? json.previous_response_id : null,
    clientSignal: new AbortController().signal,
    deadline: AbortSignal.timeout(10_000),
    deadlineMs: 10_000,
    ...extra,
  }
}

function response(result: PoolResult) {
  if (result.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(result)}`)
  return result
}

const turn = { model: 'gpt-5', stream: true, input: [{ role: 'user', content: 'hi' }] }

describe('upstream pool failover (loopback upstreams)', () => {
  it('routes around a rate-limited upstream and rests it for its retry-after', async () => {
    const limited = await track(startRateLimited({ 'retry-after': '20' }))
    const healthy = await track(startFakeOpenAI())
    const { pool, health, emitted, config } = makePool([
      { id: 'limited', url: limited.url },
      { id: 'healthy', url: healthy.url },
    ])
    const session = sessionPreferring(config.upstreams, 'gpt-5', 'limited', 'healthy')
    const r = response(await pool.send(request(turn, session)))
    expect(r.upstream.id).toBe('healthy')
    expect(r.response.status).toBe(200)
    expect(await r.response.text()).toContain('response.completed')
    expect(r.attempts.map((a) => [a.upstream_id, a.status, a.error])).toEqual([
      ['limited', 429, 'status 429'],
      ['healthy', 200, ''],
    ])
    expect(health.view('limited').available).toBe(false)
    expect(health.view('limited').until - performance.now()).toBeGreaterThan(15_000)
    expect(emitted.filter((e) => e.name === 'UpstreamFailovers')).toEqual([{ name: 'UpstreamFailovers', dims: { Upstream: 'limited' } }])
    expect(emitted.filter((e) => e.name === 'UpstreamRateLimited')).toHaveLength(1)

    // The next request of the session skips the resting upstream altogether.
    const again = response(await pool.send(request(turn, session)))
    expect(again.attempts.map((a) => a.upstream_id)).toEqual(['healthy'])
    expect(limited.requests).toHaveLength(1)
  })

  it('fails over from an upstream that refuses connections', async () => {
    const down = await refusedUrl()
    const healthy = await track(startFakeOpenAI())
    const { pool, config } = makePool([
      { id: 'down', url: down },
      { id: 'up', url: healthy.url },
    ])
    const r = response(await pool.send(request(turn, sessionPreferring(config.upstreams, 'gpt-5', 'down'))))
    expect(r.upstream.id).toBe('up')
    expect(r.attempts[0]).toMatchObject({ upstream_id: 'down', status: 0, error: 'connection refused' })
  })

  it('fails over when no response headers come within the first-byte timeout', async () => {
    const stuck = await track(startFakeOpenAI())
    stuck.override = () => true // never answers
    const healthy = await track(startFakeOpenAI())
    const { pool, config } = makePool(
      [
        { id: 'stuck', url: stuck.url },
        { id: 'up', url: healthy.url },
      ],
      { firstByteTimeoutMs: 300 },
    )
    const r = response(await pool.send(request(turn, sessionPreferring(config.upstreams, 'gpt-5', 'stuck'))))
    expect(r.upstream.id).toBe('up')
    expect(r.attempts[0]).toMatchObject({ upstream_id: 'stuck', error: 'no response headers within 300 ms' })
  })

  it('fails over on a 5xx, and hands back the last 5xx when every upstream fails', async () => {
    const broken = await track(startFakeOpenAI())
    broken.override = (_req, res) => (sendJson(res, 502, { error: { message: 'bad gateway', type: 'server_error' } }), true)
    const healthy = await track(startFakeOpenAI())
    const { pool, config } = makePool([
      { id: 'broken', url: broken.url },
      { id: 'up', url: healthy.url },
    ])
    const session = sessionPreferring(config.upstreams, 'gpt-5', 'broken', 'up')
    expect(response(await pool.send(request(turn, session))).upstream.id).toBe('up')

    healthy.override = (_req, res) => (sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } }), true)
    const all = response(await pool.send(request(turn, session)))
    expect(all.response.status).toBe(503)
    expect(await all.response.json()).toEqual({ error: { message: 'overloaded', type: 'server_error' } })
    expect(all.attempts.map((a) => a.status)).toEqual([502, 503])
  })

  it('does not fail over once the stream has begun: a reset mid-stream reaches the client as a cut stream', async () => {
    const cutting = await track(startResetMidStream())
    const healthy = await track(startFakeOpenAI())
    const { pool, config } = makePool([
      { id: 'cutting', url: cutting.url },
      { id: 'up', url: healthy.url },
    ])
    const r = response(await pool.send(request(turn, sessionPreferring(config.upstreams, 'gpt-5', 'cutting'))))
    expect(r.upstream.id).toBe('cutting')
    expect(r.attempts).toHaveLength(1)
    await expect(r.response.text()).rejects.toThrow()
    expect(healthy.requests).toHaveLength(0)
  })

  it('passes a 429 through with a Retry-After when no other upstream serves the model', async () => {
    const limited = await track(startRateLimited({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6s' }))
    const { pool } = makePool([{ id: 'only', url: limited.url }])
    const r = response(await pool.send(request(turn, 's')))
    expect(r.response.status).toBe(429)
    // Codex fails at once on a 429 without Retry-After; with one it waits and retries.
    expect(Number(r.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(5)
    expect((await r.response.json()).error.code).toBe('rate_limit_exceeded')
  })

  it('adds no Retry-After to a quota-exhausted 429 (waiting does not help)', async () => {
    const broke = await track(startFakeOpenAI())
    broke.override = (_req, res) => (sendJson(res, 429, QUOTA_BODY), true)
    const { pool, health } = makePool([{ id: 'broke', url: broke.url }])
    const r = response(await pool.send(request(turn, 's')))
    expect(r.response.status).toBe(429)
    expect(r.response.headers.get('retry-after')).toBeNull()
    expect(health.view('broke').reason).toBe('quota exhausted')
  })

  it('keeps a request naming previous_response_id on its upstream, with a documented error', async () => {
    const limited = await track(startRateLimited())
    const healthy = await track(startFakeOpenAI())
    const { pool, config } = makePool([
      { id: 'home', url: limited.url },
      { id: 'other', url: healthy.url },
    ])
    const result = await pool.send(request({ ...turn, previous_response_id: 'resp_123' }, sessionPreferring(config.upstreams, 'gpt-5', 'home')))
    expect(result).toMatchObject({ kind: 'refusal', refusal: { code: 'failover_not_possible' } })
    expect(healthy.requests).toHaveLength(0)
  })

  it('names the failures when every upstream is unreachable', async () => {
    const { pool, config } = makePool([
      { id: 'a', url: await refusedUrl() },
      { id: 'b', url: await refusedUrl() },
    ])
    const result = await pool.send(request(turn, sessionPreferring(config.upstreams, 'gpt-5', 'a')))
    expect(result).toMatchObject({ kind: 'refusal', refusal: { code: 'upstream_request_failed', detail: 'a: connection refused; b: connection refused' } })
  })

  it('refuses a model no upstream serves', async () => {
    const { pool } = makePool([{ id: 'a', url: 'http://127.0.0.1:9', models: ['o3'] }])
    expect(await pool.send(request(turn, 's'))).toMatchObject({ kind: 'refusal', refusal: { code: 'no_upstream_for_model', detail: 'gpt-5 (served: a: o3)' } })
  })

  it('speaks Azure: v1 path, api-key header, deployment out and model back in the stream', async () => {
    const azure = await track(startAzureFake({ key: 'az-key', deployments: { 'gpt5-prod': 'gpt-5' } }))
    const { pool } = makePool([{ id: 'az', kind: 'azure', url: azure.url, models: { 'gpt-5': 'gpt5-prod' } }], { keys: { az: { get: async () => 'az-key' } } })
    const r = response(await pool.send(request(turn, 's')))
    expect(r.response.status).toBe(200)
    const text = await r.response.text()
    expect(text).toContain('"model":"gpt-5"')
    expect(text).not.toContain('gpt5-prod')
    const seen = azure.requests[0]!
    expect(seen.url).toBe('/openai/v1/responses')
    expect(seen.headers['api-key']).toBe('az-key')
    expect(seen.headers.authorization).toBeUndefined()
    expect((seen.json as { model: string }).model).toBe('gpt5-prod')
    // The record keeps the body as sent upstream.
    expect(JSON.parse(new TextDecoder().decode(r.sentBody)).model).toBe('gpt5-prod')
  })

  it('drops foreign encrypted reasoning when the session moves to another org, and records it', async () => {
    const a = await track(startOrgBound('orga'))
    const b = await track(startOrgBound('orgb'))
    const { pool, config } = makePool([
      { id: 'a', url: a.url, org: 'orga' },
      { id: 'b', url: b.url, org: 'orgb' },
    ])
    const session = sessionPreferring(config.upstreams, 'gpt-5', 'a', 'b')
    const input = [
      { role: 'user', content: 'turn 1' },
      { type: 'reasoning', id: 'rs_a_1', summary: [], encrypted_content: 'enc:orga:1:xxxx' },
      { role: 'assistant', content: 'answer 1' },
      { role: 'user', content: 'turn 2' },
    ]
    a.override = (_req, res) => (sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } }), true)
    const r = response(await pool.send(request({ ...turn, input }, session)))
    expect(r.upstream.id).toBe('b')
    expect(r.attempts.map((x) => [x.upstream_id, x.status, x.stripped_reasoning])).toEqual([
      ['a', 500, 0],
      ['b', 200, 1],
    ])
    const sent = b.requests[0]!.json as { input: unknown[] }
    expect(sent.input).toEqual([input[0], input[2], input[3]])
    expect(r.sentBody).toBeDefined()
  })

  it('resends without encrypted reasoning when an upstream refuses it as foreign (the session was elsewhere before)', async () => {
    const a = await track(startOrgBound('orga'))
    const { pool } = makePool([{ id: 'a', url: a.url, org: 'orga' }])
    const input = [{ role: 'user', content: 'hi' }, { type: 'reasoning', id: 'rs_b_1', summary: [], encrypted_content: 'enc:orgb:1:xxxx' }]
    const r = response(await pool.send(request({ ...turn, input }, 's')))
    expect(r.response.status).toBe(200)
    expect(r.attempts.map((x) => [x.status, x.stripped_reasoning])).toEqual([
      [400, 0],
      [200, 1],
    ])
  })

  it('retries once with the rotated key after a 401, on the same upstream', async () => {
    const up = await track(startFakeOpenAI())
    up.override = (req, res) => {
      if (req.headers.authorization === 'Bearer new') return false
      sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } })
      return true
    }
    let key = 'old'
    const keys: KeySource = { get: async () => key, refreshAfterUnauthorized: async () => ((key = 'new'), true) }
    const { pool } = makePool([{ id: 'a', url: up.url }], { keys: { a: keys } })
    const r = response(await pool.send(request(turn, 's')))
    expect(r.response.status).toBe(200)
    expect(r.attempts.map((x) => x.status)).toEqual([401, 200])
  })

  it('never forwards the proxy token upstream', async () => {
    const up = await track(startFakeOpenAI())
    const { pool } = makePool([{ id: 'a', url: up.url }])
    await response(await pool.send(request(turn, 's'))).response.text()
    expect(up.requests[0]!.headers.authorization).toBe('Bearer sk-a')
  })
})

export type { FakeOpenAI }

describe('the first-byte timeout', () => {
  it('does not apply to the last upstream left: a slow answer beats no answer', async () => {
    const slow = await track(startFakeOpenAI())
    slow.override = async () => {
      await new Promise((r) => setTimeout(r, 600))
      return false // then the normal answer
    }
    const { pool } = makePool([{ id: 'slow', url: slow.url }], { firstByteTimeoutMs: 200 })
    const r = response(await pool.send(request(turn, 's')))
    expect(r.response.status).toBe(200)
    expect(r.attempts).toHaveLength(1)
  })
})

describe('key failures', () => {
  it('says key_unavailable when the rotated key cannot be read after a 401, or the refresh itself fails', async () => {
    const up = await track(startFakeOpenAI())
    up.override = (_req, res) => (sendJson(res, 401, { error: { message: 'bad key' } }), true)
    let reads = 0
    const rereadFails: KeySource = {
      get: async () => {
        if (++reads > 1) throw new Error('secrets manager down on re-read')
        return 'sk-old'
      },
      refreshAfterUnauthorized: async () => true,
    }
    const first = makePool([{ id: 'a', url: up.url }], { keys: { a: rereadFails } })
    expect(await first.pool.send(request(turn, 's'))).toMatchObject({ kind: 'refusal', refusal: { code: 'key_unavailable' } })
    const refreshThrows: KeySource = { get: async () => 'sk-old', refreshAfterUnauthorized: async () => Promise.reject(new Error('down')) }
    const second = makePool([{ id: 'a', url: up.url }], { keys: { a: refreshThrows } })
    expect(await second.pool.send(request(turn, 's'))).toMatchObject({ kind: 'refusal', refusal: { code: 'key_unavailable' } })
  })

  it('fails over from an upstream whose key cannot be read', async () => {
    const up = await track(startFakeOpenAI())
    const { pool, config } = makePool(
      [
        { id: 'nokey', url: up.url },
        { id: 'ok', url: up.url },
      ],
      { keys: { nokey: { get: async () => Promise.reject(new Error('x')) } } },
    )
    const r = response(await pool.send(request(turn, sessionPreferring(config.upstreams, 'gpt-5', 'nokey'))))
    expect(r.upstream.id).toBe('ok')
    expect(r.attempts[0]).toMatchObject({ upstream_id: 'nokey', status: 0, error: 'key unavailable: Error' })
  })
})
