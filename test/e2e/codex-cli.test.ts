// End to end with the real Codex CLI (@openai/codex 0.169.0): Codex → `codex-proxy serve`
// (spawned exactly as documented, key on stdin) → fake OpenAI upstream.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { readStackFile } from '../../lambda/src/local/stack-file.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { cli, runCodex, type ServeProcess, startServe } from '../support/cli.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'

const UPSTREAM_KEY = 'sk-e2e-upstream-key-0123456789'
const REPLY = 'PONG-from-the-fake-upstream'

let upstream: FakeOpenAI
let serve: ServeProcess
let dataDir: string
let token: string

async function auditRecords(): Promise<AuditRecord[]> {
  const info = (await readStackFile(dataDir))!
  const s3 = s3Client({ local: { dynamodbEndpoint: info.dynamodb_endpoint, s3Endpoint: info.s3_endpoint } })
  const out: AuditRecord[] = []
  await scanAuditRecords({ s3, bucket: info.bucket, from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void out.push(r) })
  return out
}

beforeAll(async () => {
  upstream = await startFakeOpenAI({ reply: REPLY, eventDelayMs: 100, deltas: 4 })
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-e2e-'))
  // Strict mode: Codex must work with only the paths the strict list allows.
  serve = await startServe({ dataDir, upstreamUrl: upstream.url, key: UPSTREAM_KEY, args: ['--strict'], env: { CODEX_PROXY_TOKEN_CACHE_MS: '1000' } })
  const added = await cli(['tokens', 'add', 'alice', '--team', 'eng', '--local', '--data-dir', dataDir, '--json'])
  expect(added.code, added.stderr).toBe(0)
  token = JSON.parse(added.stdout).token
}, 120_000)

afterAll(async () => {
  await serve?.stop()
  await upstream?.close()
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

describe('Codex CLI through codex-proxy serve', () => {
  it('prints the upstream answer', async () => {
    const result = await runCodex({ baseUrl: serve.url, token, prompt: 'say hi' })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(REPLY)
  })

  it('only used the paths of the strict list (what Codex 0.169 needs)', () => {
    const paths = new Set(upstream.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`))
    expect([...paths].every((p) => ['POST /v1/responses', 'POST /v1/responses/compact', 'GET /v1/models'].includes(p))).toBe(true)
    expect(paths.has('POST /v1/responses')).toBe(true)
  })

  it('sent the real key upstream and never the proxy token', () => {
    expect(upstream.requests.length).toBeGreaterThan(0)
    for (const r of upstream.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
      expect(JSON.stringify(r.rawHeaders)).not.toContain(token)
      expect(r.body.toString('utf8')).not.toContain(token)
    }
  })

  it('wrote an audit record with user, model, status, usage and the full SSE body', async () => {
    // Records are written after each response (Codex exits right after its last one): poll.
    let records: AuditRecord[] = []
    for (let i = 0; i < 100 && records.length === 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100))
      records = (await auditRecords()).filter((r) => r.path === '/v1/responses' && r.status === 200)
    }
    expect(records.length).toBeGreaterThan(0)
    const record = records[0]!
    expect(record).toMatchObject({
      user_id: 'alice',
      team: 'eng',
      method: 'POST',
      origin: 'upstream',
      stream: true,
      usage_status: 'reported',
      input_tokens: 1200,
      cached_input_tokens: 1000,
      output_tokens: 300,
      reasoning_tokens: 120,
      total_tokens: 1500,
    })
    expect(record.model).toBeTruthy()
    expect(record.client.originator).toBe('codex_exec')
    expect(record.response_body).toBe(upstream.lastStreamBody)
    expect(record.request_body_bytes).toBeGreaterThan(10_000)
    expect(JSON.stringify(record)).not.toContain(token)
    expect(JSON.stringify(record)).not.toContain(UPSTREAM_KEY)
  })

  it('reports the usage per user with the CLI', async () => {
    const report = await cli(['report', 'usage', '--local', '--data-dir', dataDir, '--json'])
    expect(report.code, report.stderr).toBe(0)
    const rows = JSON.parse(report.stdout).rows as Record<string, unknown>[]
    expect(rows.find((r) => r.user_id === 'alice')).toMatchObject({ input_tokens: 1200, cached_input_tokens: 1000, output_tokens: 300, reasoning_tokens: 120, total_tokens: 1500 })
  })

  it('shows "invalid or disabled token" once the admin disables the token', async () => {
    const disabled = await cli(['tokens', 'disable', 'alice', '--local', '--data-dir', dataDir])
    expect(disabled.code, disabled.stderr).toBe(0)
    await new Promise((r) => setTimeout(r, 1_200)) // token cache TTL of this server: 1 s
    const result = await runCodex({ baseUrl: serve.url, token, prompt: 'say hi again' })
    expect(`${result.stdout}${result.stderr}`).toContain('invalid or disabled token')
    expect(result.stdout).not.toContain(REPLY)
  }, 120_000)
})

describe('governance seen from Codex', () => {
  it('prints the budget_exceeded message when the user is over budget', async () => {
    const added = await cli(['tokens', 'add', 'spender', '--local', '--data-dir', dataDir, '--json'])
    const { token: spender } = JSON.parse(added.stdout)
    expect((await cli(['users', 'set', 'spender', '--budget-daily', '0.000001', '--local', '--data-dir', dataDir])).code).toBe(0)
    const result = await runCodex({ baseUrl: serve.url, token: spender, prompt: 'spend money' })
    const output = `${result.stdout}${result.stderr}`
    expect(output).toMatch(/budget exceeded: user spender daily budget of \$0\.00 reached/)
    expect(output).not.toContain(REPLY)
  }, 120_000)

  it('sends the tag set once in the provider config (http_headers), which a tag budget then caps', async () => {
    const added = await cli(['tokens', 'add', 'tagger', '--tags', 'proj-*', '--local', '--data-dir', dataDir, '--json'])
    const { token: tagger } = JSON.parse(added.stdout)
    expect((await cli(['tags', 'set', 'proj-e2e', '--budget-daily', '0.000001', '--local', '--data-dir', dataDir])).code).toBe(0)
    const tagged = await runCodex({ baseUrl: serve.url, token: tagger, prompt: 'tagged work', httpHeaders: { 'x-codex-proxy-tag': 'proj-e2e' } })
    expect(`${tagged.stdout}${tagged.stderr}`).toMatch(/budget exceeded: tag proj-e2e daily budget of \$0\.00 reached/)
    const unlisted = await runCodex({ baseUrl: serve.url, token: tagger, prompt: 'other work', httpHeaders: { 'x-codex-proxy-tag': 'ops' } })
    expect(`${unlisted.stdout}${unlisted.stderr}`).toContain('tag not allowed: tag ops is not allowed for tagger (allowed: proj-*)')
    const untagged = await runCodex({ baseUrl: serve.url, token: tagger, prompt: 'untagged work' })
    expect(untagged.stdout).toContain(REPLY)
  }, 300_000)
})

describe('secret detection seen from Codex', () => {
  it('prints the secret_detected message in block mode, and nothing reaches the upstream', async () => {
    const added = await cli(['tokens', 'add', 'leaker', '--secret-scan', 'block', '--local', '--data-dir', dataDir, '--json'])
    expect(added.code, added.stderr).toBe(0)
    const { token: leaker } = JSON.parse(added.stdout)
    const fakeKey = 'AKIAFAKE7Q3ZL2N4W6XY' // AWS key ids are base32 (A–Z, 2–7)
    const before = upstream.requests.length
    const result = await runCodex({ baseUrl: serve.url, token: leaker, prompt: `why is this failing? export AWS_ACCESS_KEY_ID=${fakeKey}` })
    const output = `${result.stdout}${result.stderr}`
    expect(output).toMatch(/secret detected in request: aws-access-key-id in input\[\d+\] \(message\)/)
    expect(upstream.requests.length).toBe(before)
    // Records are written after each response: poll (a loaded machine writes them later).
    let blocked: AuditRecord[] = []
    for (let i = 0; i < 100 && blocked.length === 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100))
      blocked = (await auditRecords()).filter((r) => r.error_code === 'secret_detected')
    }
    expect(blocked.length).toBeGreaterThan(0)
    expect(JSON.stringify(blocked)).not.toContain(fakeKey)
  }, 120_000)
})

describe('Codex behaviour the proxy relies on (fails when a Codex upgrade changes it)', () => {
  it('hides the message of a 429, which is why budget refusals to Codex are 400s', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'budget exceeded: marker-429', type: 'codex_proxy_error', code: 'budget_exceeded' } }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as { port: number }).port
    try {
      const result = await runCodex({ baseUrl: `http://127.0.0.1:${port}`, token: 'x', prompt: 'hi' })
      const output = `${result.stdout}${result.stderr}`
      expect(output).toContain('429')
      expect(output).not.toContain('marker-429')
    } finally {
      server.close()
    }
  })
})

describe('streaming through serve', () => {
  it('delivers the first event well before the upstream finishes (slow upstream)', async () => {
    const { token: bob } = JSON.parse((await cli(['tokens', 'add', 'bob', '--local', '--data-dir', dataDir, '--json'])).stdout)
    upstream.options = { reply: REPLY, eventDelayMs: 250, deltas: 4 }
    const response = await fetch(`${serve.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' }),
    })
    const reader = response.body!.getReader()
    await reader.read()
    const firstByteAtClient = performance.now()
    const upstreamFirstWrite = upstream.lastStreamEventTimes[0]!
    while (!(await reader.read()).done) {
      // drain
    }
    const upstreamLastWrite = upstream.lastStreamEventTimes.at(-1)!
    // The upstream spends ~1.5 s (6 pauses of 250 ms) after its first event.
    expect(upstreamLastWrite - firstByteAtClient).toBeGreaterThan(1_000)
    // First-byte delay added by the proxy (same clock: both run in this process).
    expect(firstByteAtClient - upstreamFirstWrite).toBeLessThan(250)
    console.info(`[measure] first-byte delay through serve: ${(firstByteAtClient - upstreamFirstWrite).toFixed(1)} ms`)
  })
})
