// The trust issue's findings on the controls, each reproduced as an attacker or a buggy
// client would send it: default-deny endpoints, inspect-or-refuse on bodies, budgets that
// cannot be bypassed, token hygiene, bad escapes, settlement. Core with in-memory ports
// and a real fake upstream over HTTP.
import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { spendAttr, spendKey } from '../../lambda/src/contracts/counters.js'
import { codexBody, useCoreHarness } from '../support/core-harness.js'
import { testContext } from '../support/memory-ports.js'

const h = useCoreHarness()
const { makeProxy, request, call } = h
const committedToday = (user: string) => h.counters.items.get(spendKey('user', user, new Date()))?.[spendAttr('committed', 'day', new Date())] ?? 0

async function expectRefused(req: Request, status: number, code: string, proxy = makeProxy()) {
  const result = await call(proxy, req)
  expect(result.response.status, result.text).toBe(status)
  expect(JSON.parse(result.text).error.code).toBe(code)
  expect(result.record).toMatchObject({ status, origin: 'proxy', error_code: code })
  return result
}

describe('finding 3: default-deny endpoints', () => {
  it('refuses POST /v1/files and /v1/batches by default, saying how to enable them', async () => {
    for (const path of ['/v1/files', '/v1/batches', '/v1/fine_tuning/jobs', '/v1/images/generations', '/v1/embeddings', '/v1/something/new']) {
      const { text } = await expectRefused(request(path, { method: 'POST', body: '{}' }), 403, 'path_not_allowed')
      expect(JSON.parse(text).error.message).toMatch(/enable it for the deployment .*--endpoints/)
    }
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('forwards a group granted to the deployment, the team or the token, and only that group', async () => {
    const viaDeployment = makeProxy({ endpoints: ['codex', 'embeddings'] })
    expect((await call(viaDeployment, request('/v1/embeddings', { method: 'POST', body: '{"model":"text-embedding-3-small","input":"x"}' }))).response.status).not.toBe(403)
    await expectRefused(request('/v1/files'), 403, 'path_not_allowed', viaDeployment)

    const team = h.tokens.add('t', { team: 'data', team_policy: { endpoints: ['files'] } })
    expect((await call(makeProxy(), request('/v1/files', { token: team.token }))).response.status).not.toBe(403)
    const own = h.tokens.add('o', { endpoints: ['all'] })
    expect((await call(makeProxy(), request('/v1/anything/at/all', { token: own.token }))).response.status).not.toBe(403)
  })
})

describe('finding 3: inspect or refuse — the allow-list is not bypassed by bodies it cannot read', () => {
  const allowListed = () => h.tokens.add('bob', { models: ['gpt-5*'] }).token
  const o3 = JSON.stringify({ model: 'o3', input: 'hi' })

  it.each([
    ['text/plain', 415, 'unsupported_media_type'],
    ['application/octet-stream', 415, 'unsupported_media_type'],
    ['application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['multipart/form-data; boundary=x', 415, 'unsupported_media_type'],
  ])('refuses {"model":"o3"} sent as %s', async (contentType, status, code) => {
    await expectRefused(request('/v1/responses', { method: 'POST', body: o3, token: allowListed(), headers: { 'content-type': contentType } }), status, code)
    expect(h.upstream.requests).toHaveLength(0)
  })

  it.each([
    ['invalid JSON', '{"model":"o3", "input": [oops'],
    ['a model that is not a string', '{"model":["o3"],"input":"hi"}'],
    ['a JSON array', '[{"model":"o3"}]'],
    ['no model at all', '{"input":"hi"}'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"model":"o3","input":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])],
  ])('refuses %s with 400 invalid_body', async (_name, body) => {
    await expectRefused(request('/v1/responses', { method: 'POST', body, token: allowListed() }), 400, 'invalid_body')
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('decodes a gzip body and applies the allow-list to what it says', async () => {
    const token = allowListed()
    await expectRefused(request('/v1/responses', { method: 'POST', body: gzipSync(o3), token, headers: { 'content-encoding': 'gzip' } }), 403, 'model_not_allowed')
    const ok = JSON.stringify({ model: 'gpt-5', input: 'hi' })
    const { response } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: gzipSync(ok), token, headers: { 'content-encoding': 'gzip' } }))
    expect(response.status).toBe(200)
    // Forwarded decoded, without the encoding header.
    expect(h.upstream.requests[0]!.body.toString()).toBe(ok)
    expect(h.upstream.requests[0]!.headers['content-encoding']).toBeUndefined()
  })

  it('refuses an encoding it cannot decode, a corrupt gzip body and a decompression bomb', async () => {
    const token = allowListed()
    await expectRefused(request('/v1/responses', { method: 'POST', body: o3, token, headers: { 'content-encoding': 'compress' } }), 415, 'unsupported_media_type')
    await expectRefused(request('/v1/responses', { method: 'POST', body: Buffer.from('not gzip at all'), token, headers: { 'content-encoding': 'gzip' } }), 415, 'unsupported_media_type')
    const bomb = gzipSync(Buffer.alloc(1_500_000, 0x20)) // 1.5 MB of spaces in ~1.5 KB
    await expectRefused(request('/v1/responses', { method: 'POST', body: bomb, token, headers: { 'content-encoding': 'gzip' } }), 415, 'unsupported_media_type')
    // Incompressible content, so only the size limit (2 MiB here) can stop it.
    const huge = gzipSync(Buffer.from(JSON.stringify({ model: 'gpt-5', input: randomBytes(2_400_000).toString('base64') })))
    await expectRefused(request('/v1/responses', { method: 'POST', body: huge, token, headers: { 'content-encoding': 'gzip' } }), 413, 'request_too_large')
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('refuses an endpoint whose request does not name the model it runs (batches) under an allow-list', async () => {
    const { token } = h.tokens.add('bob', { models: ['gpt-5*'], endpoints: ['batches'] })
    await expectRefused(request('/v1/batches', { method: 'POST', body: '{"input_file_id":"file-1","endpoint":"/v1/responses","completion_window":"24h"}', token }), 403, 'model_not_allowed')
  })

  it('without a control that reads the body, forwards it as received', async () => {
    const { response } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: 'plain text', headers: { 'content-type': 'text/plain' } }))
    expect(response.status).toBe(200)
    expect(h.upstream.requests[0]!.body.toString()).toBe('plain text')
  })
})

describe('finding 3: block mode does not forward what it cannot scan', () => {
  const secretBody = JSON.stringify({ model: 'gpt-5', input: 'key AKIAFAKE2AKEWDGZ7S6P secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEYAWS' })
  const blocking = () => h.tokens.add('carol', { secret_scan: 'block' }).token

  it.each([['application/octet-stream'], ['multipart/form-data; boundary=zz']])('refuses a %s body in block mode', async (contentType) => {
    await expectRefused(request('/v1/responses', { method: 'POST', body: secretBody, token: blocking(), headers: { 'content-type': contentType } }), 415, 'unsupported_media_type')
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('scans a gzip body after decoding it, and blocks the secret inside', async () => {
    await expectRefused(request('/v1/responses', { method: 'POST', body: gzipSync(secretBody), token: blocking(), headers: { 'content-encoding': 'gzip' } }), 400, 'secret_detected')
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('refuses in block mode when the scan does not finish within its budget, and records flag-mode requests as incomplete', async () => {
    const slow = { scanJsonBody: async () => ({ timedOut: true as const }), scanText: async () => ({ timedOut: true as const }) }
    await expectRefused(request('/v1/responses', { method: 'POST', body: secretBody, token: blocking() }), 413, 'scan_incomplete', makeProxy({}, undefined, { scanner: slow }))
    const { response, record } = await call(makeProxy({}, undefined, { scanner: slow }), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(response.status).toBe(200)
    expect(record.secret_scan).toBe('incomplete')
  })
})

describe('finding 4: budgets see every cost', () => {
  it('refuses endpoints whose cost it cannot measure to a caller with a hard budget', async () => {
    const { token } = h.tokens.add('dave', { budget_daily_usd: 5, endpoints: ['batches', 'images', 'fine_tuning'] })
    for (const path of ['/v1/batches', '/v1/images/generations', '/v1/fine_tuning/jobs']) {
      await expectRefused(request(path, { method: 'POST', body: '{"model":"gpt-image-1","prompt":"x"}', token }), 403, 'unmetered_endpoint')
    }
    // Reading them costs nothing and stays open.
    expect((await call(makeProxy(), request('/v1/batches', { token }))).response.status).not.toBe(403)
    expect(committedToday('dave')).toBe(0)
  })

  it('lets the model list through on a spent budget and reserves nothing for it', async () => {
    const { token } = h.tokens.add('erin', { budget_daily_usd: 0.05 })
    const proxy = makeProxy()
    for (let i = 0; i < 5; i++) expect((await call(proxy, request('/v1/models', { token }))).response.status).toBe(200)
    expect(committedToday('erin')).toBe(0)
  })

  it('reserves for n choices and for a previous_response_id conversation', async () => {
    const { token } = h.tokens.add('fay', { user_policy: { budget_daily_usd: 1 } }) // the user level (a token's own budget is level key)
    // Held upstream answers: reservations stay visible until the end of the test.
    let open!: () => void
    const gate = new Promise<void>((r) => (open = r))
    h.upstream.override = async (_req, res) => {
      await gate
      res.writeHead(500).end()
      return true
    }
    const proxy = makeProxy()
    const inFlight: Promise<unknown>[] = []
    const reservedFor = async (extra: object) => {
      const before = committedToday('fay')
      const ctx = testContext()
      inFlight.push(proxy.fetch(request('/v1/responses', { method: 'POST', body: codexBody({ stream: false, ...extra }), token }), ctx).then((r) => r.text()).then(() => ctx.settled()))
      for (let i = 0; i < 400 && committedToday('fay') === before; i++) await new Promise((r) => setTimeout(r, 5))
      return committedToday('fay') - before
    }
    const one = await reservedFor({})
    const four = await reservedFor({ n: 4 })
    const chained = await reservedFor({ previous_response_id: 'resp_123' })
    open()
    await Promise.all(inFlight)
    expect(four).toBeGreaterThan(3 * one)
    expect(chained).toBeGreaterThan(one + 272_000 * 1.25 * 0.9) // micro-USD: 272k input tokens at $1.25/M
  })
})

describe('finding 7: proxy tokens outside Authorization', () => {
  it.each([
    ['the query', (t: string) => ({ path: `/v1/models?api_key=${t}`, headers: {} })],
    ['the query, percent-encoded', (t: string) => ({ path: `/v1/models?k=${encodeURIComponent(t).replace('_', '%5F')}`, headers: {} })],
    ['the path', (t: string) => ({ path: `/v1/files/${t}`, headers: {} })],
    ['a bearer header', (t: string) => ({ path: '/v1/models', headers: { bearer: t } })],
    ['x-openai-key', (t: string) => ({ path: '/v1/models', headers: { 'x-openai-key': t } })],
    ['a cookie', (t: string) => ({ path: '/v1/models', headers: { cookie: `session=${t}` } })],
  ])('refuses a token in %s with 400 and never stores or forwards it', async (_where, place) => {
    const { path, headers } = place(h.alice.token)
    const rawTarget = path
    const { response, text, record } = await call(makeProxy(), request(path, { headers }), rawTarget)
    expect(response.status).toBe(400)
    expect(JSON.parse(text).error.code).toBe('token_misplaced')
    expect(text).not.toContain(h.alice.token)
    expect(JSON.stringify(record)).not.toContain(h.alice.token)
    expect(JSON.stringify(record)).not.toContain(h.alice.token.slice(4))
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('forwards only the known header set: credentials under any other name never leave', async () => {
    const credentials = { bearer: 'sk-1', 'x-key': 'sk-2', 'x-openai-key': 'sk-3', 'x-credential': 'sk-4', 'openai-api-key': 'sk-5', 'x-amz-security-token': 'sk-6', 'openai-organization': 'org-x' }
    const { record } = await call(makeProxy(), request('/v1/models', { headers: { ...credentials, originator: 'codex_exec', 'session-id': 's-1', 'x-codex-turn-metadata': '{}' } }))
    const sent = h.upstream.requests[0]!.headers
    for (const name of Object.keys(credentials)) expect(sent[name], name).toBeUndefined()
    expect(sent).toMatchObject({ originator: 'codex_exec', 'session-id': 's-1', 'x-codex-turn-metadata': '{}' })
    for (const name of Object.keys(credentials)) expect(record.request_headers[name], name).toBe('[REDACTED]')
    expect(record.request_headers.originator).toBe('codex_exec')
  })
})

describe('finding 9: malformed escapes', () => {
  it.each(['/v1/models/%E0%A4%A', '/v1/models/%E0%A4', '/v1/models/%zz', '/v1/models/abc%'])('answers 400 invalid_path for %s, not 500', async (path) => {
    const logs: string[] = []
    const { response, text } = await call(makeProxy({}, undefined, { log: (m) => logs.push(m) }), request('/v1/models'), path)
    expect(response.status).toBe(400)
    expect(JSON.parse(text).error.code).toBe('invalid_path')
    expect(logs.join('\n')).not.toMatch(/internal error|URIError/)
  })
})

describe('finding 11: what the record says', () => {
  it('records a redaction in the stored response as a finding at response_body', async () => {
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: 'AKIAFAKE2AKEWDGZ7S6P' }))
      return true
    }
    const { record } = await call(makeProxy(), request('/v1/responses', { method: 'POST', body: codexBody({ stream: false }) }))
    expect(record.response_body).not.toContain('AKIAFAKE2AKEWDGZ7S6P')
    expect(record.secret_findings).toContainEqual(expect.objectContaining({ location: 'response_body' }))
  })
})

describe('finding 12: settlement happens once, whatever happens after admission', () => {
  it('releases the reservation when the upstream model list is cut mid-read (no estimate left committed)', async () => {
    const { token } = h.tokens.add('gus', { budget_daily_usd: 5, models: ['gpt-5*'] })
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"object":"list","data":[')
      setTimeout(() => res.destroy(), 20)
      return true
    }
    const { response, text, record } = await call(makeProxy(), request('/v1/models', { token }))
    expect(response.status).toBe(200)
    // Default-deny: a list that could not be read shows no model rather than an unfiltered part.
    expect(JSON.parse(text)).toEqual({ object: 'list', data: [] })
    expect(record.upstream_error).toMatch(/model list/)
    expect(committedToday('gus')).toBe(0)
  })

  it('releases the reservation when the key cannot be read, and says key_unavailable after a 401 too', async () => {
    const { token } = h.tokens.add('hal', { budget_daily_usd: 5 })
    const broken = { get: async () => Promise.reject(new Error('secrets manager down')) }
    await expectRefused(request('/v1/responses', { method: 'POST', body: codexBody(), token }), 503, 'key_unavailable', makeProxy({}, undefined, { key: broken }))
    expect(committedToday('hal')).toBe(0)

    h.upstream.override = (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"bad key"}}')
      return true
    }
    let reads = 0
    const rotating = {
      get: async () => {
        reads += 1
        if (reads > 1) throw new Error('secrets manager down on re-read')
        return 'sk-old'
      },
      refreshAfterUnauthorized: async () => true,
    }
    await expectRefused(request('/v1/responses', { method: 'POST', body: codexBody(), token }), 503, 'key_unavailable', makeProxy({}, undefined, { key: rotating }))
    expect(committedToday('hal')).toBe(0)
  })

  it('settles and records exactly once when a stage throws after admission', async () => {
    const { token } = h.tokens.add('ivy', { budget_daily_usd: 5 })
    const proxy = makeProxy({}, undefined, {
      fetch: () => {
        throw new TypeError('boom inside fetch')
      },
    })
    const { response } = await call(proxy, request('/v1/responses', { method: 'POST', body: codexBody(), token }))
    expect(response.status).toBe(502)
    expect(committedToday('ivy')).toBe(0)
    expect(h.audit.records).toHaveLength(1)
  })
})

describe('finding 6: nothing after the response can throw', () => {
  it('relays and records an upstream SSE stream that never sends a newline', async () => {
    const piece = 'x'.repeat(1024 * 1024)
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      let sent = 0
      const pump = () => {
        while (sent < 20) {
          sent += 1
          if (!res.write(sent === 1 ? `data: ${piece}` : piece)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
      return true
    }
    const { response, text, record } = await call(makeProxy({ upstreamTimeoutMs: 60_000, bodyCapBytes: 1024 }), request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(response.status).toBe(200)
    expect(text.length).toBe(20 * 1024 * 1024 + 6)
    expect(record).toMatchObject({ status: 200, usage_status: 'missing', response_body_bytes: 20 * 1024 * 1024 + 6 })
  })

  it('still writes a record when pricing or record building throws after the stream', async () => {
    const logs: string[] = []
    let calls = 0
    // The estimate at admission gets no price; the pricing after the stream throws.
    const throwing = {
      price: () => {
        if (calls++ === 0) return null
        throw new RangeError('Invalid string length')
      },
    }
    const proxy = makeProxy({}, undefined, { pricer: throwing as never, log: (m) => logs.push(m) })
    const { response, record } = await call(proxy, request('/v1/responses', { method: 'POST', body: codexBody() }))
    expect(response.status).toBe(200)
    expect(record).toMatchObject({ status: 200, origin: 'upstream' })
    expect(logs.join('\n')).toMatch(/usage extraction failed/)
  })
})

describe('finding 10: error bodies carry no exception text', () => {
  it('describes an unknown upstream failure by its kind only', async () => {
    const proxy = makeProxy({}, undefined, {
      fetch: () => Promise.reject(new Error('connect to http://internal.example:8080/?key=sk-SECRET failed')),
    })
    const { text, record } = await call(proxy, request('/v1/models'))
    expect(JSON.parse(text).error).toMatchObject({ code: 'upstream_request_failed', message: 'upstream request failed: connection failed (Error)' })
    expect(JSON.stringify(record)).not.toContain('sk-SECRET')
  })
})
