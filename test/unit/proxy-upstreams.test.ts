// The upstream pool through the core (createProxy): what is recorded when the pool changes
// the body on its way (Azure deployment names), and that secrets stay out of that copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SecretScanMode } from '../../lambda/src/contracts/config.js'
import { parseUpstreamPool } from '../../lambda/src/contracts/upstreams.js'
import { upstreamPoolFactory } from '../../lambda/src/core/upstreams/index.js'
import { positiveFixtures } from '../fixtures/secrets/positives.js'
import { useCoreHarness } from '../support/core-harness.js'
import { startAzureFake, type FakeOpenAI } from '../support/fake-upstreams.js'

const h = useCoreHarness()
const secret = positiveFixtures()[0]!
let azure: FakeOpenAI

beforeAll(async () => {
  azure = await startAzureFake({ key: 'az-key', deployments: { 'gpt5-prod': 'gpt-5' } })
})
afterAll(() => azure.close())

function azureProxy(mode: SecretScanMode) {
  const pool = parseUpstreamPool({ upstreams: [{ id: 'az', kind: 'azure', url: azure.url, models: { 'gpt-5': 'gpt5-prod' } }] }, { source: 't', keys: 'none' })
  return h.makeProxy({ secretScanMode: mode }, 'unused', { upstreams: upstreamPoolFactory(pool, () => ({ get: async () => 'az-key' })) })
}

const body = JSON.stringify({ model: 'gpt-5', stream: true, input: [{ type: 'function_call_output', call_id: 'c', output: `$ cat .env\n${secret.text}\n` }] })

describe('the pool through the core', () => {
  it('records the body as Codex sent it and as sent to Azure (deployment name), with the secret redacted in flag mode', async () => {
    const { response, text, record } = await h.call(azureProxy('flag'), h.request('/v1/responses', { method: 'POST', body }))
    expect(response.status).toBe(200)
    expect(text).toContain('"model":"gpt-5"')
    // Flag mode forwards the body unchanged (apart from the deployment name)…
    expect(azure.requests.at(-1)!.body.toString('utf8')).toContain(secret.secret)
    // …and the record shows both sides, without the secret: what Codex sent and what went upstream.
    expect(JSON.parse(record.request_body!.replace(/\[REDACTED[^\]]*\]/g, 'x')).model).toBe('gpt-5')
    expect(JSON.parse(record.upstream_request_body!.replace(/\[REDACTED[^\]]*\]/g, 'x')).model).toBe('gpt5-prod')
    expect(record.request_body).not.toContain(secret.secret)
    expect(record.upstream_request_body).not.toContain(secret.secret)
    expect(record.secret_findings.length).toBeGreaterThan(0)
    expect(record).toMatchObject({ upstream_id: 'az', response_model: 'gpt-5', model: 'gpt-5' })
    expect(record.upstream_attempts).toEqual([{ upstream_id: 'az', status: 200, error: '', ms: expect.any(Number), stripped_reasoning: 0 }])
  })

  it('renames the model of a redacted body too (redact mode)', async () => {
    const { response, record } = await h.call(azureProxy('redact'), h.request('/v1/responses', { method: 'POST', body }))
    expect(response.status).toBe(200)
    const sent = azure.requests.at(-1)!.body.toString('utf8')
    expect(JSON.parse(sent).model).toBe('gpt5-prod')
    expect(sent).not.toContain(secret.secret)
    expect(record.request_body).not.toContain(secret.secret)
    expect(record.upstream_request_body).not.toContain(secret.secret)
  })

  it('answers no_upstream_for_model as a catalogue error, nothing sent', async () => {
    const before = azure.requests.length
    const { response, text, record } = await h.call(azureProxy('off'), h.request('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'o3', input: 'hi' }) }))
    expect(response.status).toBe(400)
    expect(JSON.parse(text).error).toMatchObject({ code: 'no_upstream_for_model', message: 'no upstream serves this model: o3 (served: az: gpt-5)' })
    expect(azure.requests.length).toBe(before)
    expect(record).toMatchObject({ upstream_id: null, upstream_attempts: [] })
  })
})
