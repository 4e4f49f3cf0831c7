// Secret detection through the core: what is forwarded, refused and recorded in each
// mode, over the whole corpus of fake credentials.
import { describe, expect, it } from 'vitest'
import type { SecretScanMode } from '../../lambda/src/contracts/config.js'
import { positiveFixtures } from '../fixtures/secrets/positives.js'
import { useCoreHarness } from '../support/core-harness.js'
import { responsesStreamEvents, sseEvent } from '../support/fake-openai.js'

const h = useCoreHarness()
const { makeProxy, request, call } = h
const fixtures = positiveFixtures()
const secrets = fixtures.map((f) => f.secret)

/** A Codex-shaped body with every fake credential in a tool output, plus one in instructions. */
function leakyBody(): string {
  return JSON.stringify({
    model: 'gpt-5.1-codex',
    stream: true,
    instructions: `You are Codex. Deploy key: ${fixtures[0]!.text}`,
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'why does the deploy fail?' }] },
      ...fixtures.map((f, i) => ({ type: 'function_call_output', call_id: `call_${i}`, output: `$ cat .env\n${f.text}\n` })),
    ],
  })
}

const sendWith = async (mode: SecretScanMode, body = leakyBody(), token?: string) =>
  call(makeProxy({ secretScanMode: mode }), request('/v1/responses', { method: 'POST', body, ...(token && { token }) }))

const containsAnySecret = (text: string) => secrets.filter((s) => text.includes(s))

describe('flag mode (the default)', () => {
  it('forwards the body byte for byte', async () => {
    const body = leakyBody()
    await sendWith('flag', body)
    expect(h.upstream.requests[0]!.body.toString('utf8')).toBe(body)
  })

  it('records findings for every credential family, and no secret text anywhere in the record', async () => {
    const { record } = await sendWith('flag')
    const rules = new Set(record.secret_findings.map((f) => f.rule_id))
    for (const f of fixtures) expect(rules, f.rule_id).toContain(f.rule_id)
    expect(containsAnySecret(JSON.stringify(record))).toEqual([])
    expect(record.secret_findings[0]).toEqual({ rule_id: expect.any(String), category: 'credential', location: expect.stringMatching(/^(instructions|input\[\d+\]\.output)$/), offset: expect.any(Number), fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) })
  })

  it('stores the redacted body in the record', async () => {
    const { record } = await sendWith('flag')
    expect(record.request_body).toContain('[REDACTED:')
    expect(() => JSON.parse(record.request_body!)).not.toThrow()
  })

  it('counts findings per rule in metrics', async () => {
    await sendWith('flag')
    expect(h.metrics.count('SecretFindings', { Rule: 'aws-access-key-id' })).toBeGreaterThanOrEqual(2)
    expect(h.metrics.count('SecretFindings', { Rule: 'codex-proxy-token' })).toBe(1)
  })
})

describe('redact mode', () => {
  it('sends no secret upstream and keeps the body valid JSON', async () => {
    await sendWith('redact')
    const sent = h.upstream.requests[0]!.body.toString('utf8')
    expect(containsAnySecret(sent)).toEqual([])
    const parsed = JSON.parse(sent)
    expect(parsed.input).toHaveLength(fixtures.length + 1)
    expect(parsed.input[1].output).toMatch(/\[REDACTED:[a-z0-9-]+\]/)
  })

  it('changes nothing but the secrets', async () => {
    const body = leakyBody()
    await sendWith('redact', body)
    const sent = JSON.parse(h.upstream.requests[0]!.body.toString('utf8'))
    const original = JSON.parse(body)
    expect(sent.model).toBe(original.model)
    expect(sent.input[0]).toEqual(original.input[0])
    expect(sent.input.map((i: { call_id?: string }) => i.call_id)).toEqual(original.input.map((i: { call_id?: string }) => i.call_id))
  })

  it('keeps every secret out of the record too', async () => {
    const { record } = await sendWith('redact')
    expect(containsAnySecret(JSON.stringify(record))).toEqual([])
  })

  it('forwards a body without findings byte for byte', async () => {
    const clean = JSON.stringify({ model: 'gpt-5.1-codex', input: 'const answer = 42 // no secrets here', stream: true })
    await sendWith('redact', clean)
    expect(h.upstream.requests[0]!.body.toString('utf8')).toBe(clean)
  })
})

describe('block mode', () => {
  it('answers 400 secret_detected naming rules and places, never the secret, without calling upstream', async () => {
    const { response, text, record } = await sendWith('block')
    expect(response.status).toBe(400)
    const error = JSON.parse(text).error
    expect(error.code).toBe('secret_detected')
    expect(error.message).toMatch(/^secret detected in request: aws-access-key-id in instructions; .+ in input\[1\] \(function_call_output\)/)
    expect(error.message).toContain('nothing was sent upstream')
    expect(containsAnySecret(text)).toEqual([])
    expect(containsAnySecret(JSON.stringify(record))).toEqual([])
    expect(h.upstream.requests).toHaveLength(0)
  })

  it('lets clean requests through', async () => {
    const { response } = await sendWith('block', JSON.stringify({ model: 'gpt-5.1-codex', input: 'hello', stream: true }))
    expect(response.status).toBe(200)
  })
})

describe('off mode', () => {
  it('neither scans nor changes anything', async () => {
    const body = leakyBody()
    const { record } = await sendWith('off', body)
    expect(record.secret_findings).toEqual([])
    expect(h.upstream.requests[0]!.body.toString('utf8')).toBe(body)
  })
})

describe('overrides per token and team', () => {
  it('applies a token setting over the deployment mode', async () => {
    const { token } = h.tokens.add('strict-user', { secret_scan: 'block' })
    expect((await sendWith('flag', leakyBody(), token)).response.status).toBe(400)
  })

  it('applies the team setting when the token has none', async () => {
    const { token } = h.tokens.add('team-user', { team: 'sec', team_policy: { secret_scan: 'redact' } })
    await sendWith('flag', leakyBody(), token)
    expect(containsAnySecret(h.upstream.requests[0]!.body.toString('utf8'))).toEqual([])
  })
})

describe('what the upstream echoes back', () => {
  it('redacts secrets echoed in the stored response body (e.g. instructions in response.created)', async () => {
    const fixture = fixtures.find((f) => f.rule_id === 'aws-access-key-id')!
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(sseEvent({ type: 'response.created', response: { model: 'gpt-5.1-codex', instructions: fixture.text } }))
      res.end(responsesStreamEvents({ reply: 'done', model: 'gpt-5.1-codex', usage: { input_tokens: 1, cached_tokens: 0, output_tokens: 1, reasoning_tokens: 0 }, deltas: 1 }).slice(1).join(''))
      return true
    }
    const { text, record } = await sendWith('flag')
    expect(text).toContain(fixture.secret) // the client gets the upstream's bytes unchanged
    expect(record.response_body).not.toContain(fixture.secret)
    expect(record.response_body).toContain('[REDACTED:aws-access-key-id]')
  })
})

describe('categories: generic findings only flag, PII follows its own mode', () => {
  const body = (text: string) => JSON.stringify({ model: 'gpt-5.1-codex', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }] })

  it('forwards a body whose only finding is generic, even in block mode, and records the finding', async () => {
    const generic = 'db_password = "Zq8#vT2m!pLx9wR4kN7s"'
    const { createSecretScanner } = await import('../../lambda/src/secrets/index.js')
    expect(createSecretScanner().scanText(generic).map((m) => m.category)).toContain('generic')
    const { response, record } = await call(makeProxy({ secretScanMode: 'block' }), request('/v1/responses', { method: 'POST', body: body(generic) }))
    expect(response.status).toBe(200)
    expect(h.upstream.requests[0]!.body.toString()).toContain('Zq8#vT2m!pLx9wR4kN7s')
    expect(record.secret_findings.map((f) => f.category)).toContain('generic')
    expect(record.request_body).not.toContain('Zq8#vT2m!pLx9wR4kN7s')
  })

  it('blocks a card number when PII is in block mode, redacts it in redact mode, ignores it when off', async () => {
    const { createSecretScanner } = await import('../../lambda/src/secrets/index.js')
    const { inlineBodyScanner } = await import('../../lambda/src/core/scanners.js')
    const scanner = inlineBodyScanner(createSecretScanner({ pii: true }))
    const card = body('charge card 4111 1111 1111 1111 please')
    const blocked = await call(makeProxy({ piiScanMode: 'block', secretScanMode: 'flag' }, undefined, { scanner }), request('/v1/responses', { method: 'POST', body: card }))
    expect(blocked.response.status).toBe(400)
    expect(JSON.parse(blocked.text).error.message).toContain('pii-payment-card')

    const redacted = await call(makeProxy({ piiScanMode: 'redact', secretScanMode: 'flag' }, undefined, { scanner }), request('/v1/responses', { method: 'POST', body: card }))
    expect(redacted.response.status).toBe(200)
    expect(h.upstream.requests.at(-1)!.body.toString()).not.toContain('4111 1111 1111 1111')

    const off = await call(makeProxy({ piiScanMode: 'off', secretScanMode: 'flag' }, undefined, { scanner }), request('/v1/responses', { method: 'POST', body: card }))
    expect(off.response.status).toBe(200)
    expect(off.record.secret_findings).toEqual([])
  })
})
