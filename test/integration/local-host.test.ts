// The local host (node:http adapter + embedded stores) driven over real HTTP, with the
// official openai SDK as the client.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { readStackFile } from '../../lambda/src/local/stack-file.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'

let upstream: FakeOpenAI
let proxy: LocalProxy
let dataDir: string
let dumpDir: string
let token: string
let client: OpenAI

async function records(): Promise<AuditRecord[]> {
  const out: AuditRecord[] = []
  const s3 = s3Client(proxy.target)
  await scanAuditRecords({ s3, bucket: proxy.names.bucket, from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void out.push(r) })
  return out
}

async function recordFor(requestId: string): Promise<AuditRecord> {
  // The record is written after the response body has been sent: poll briefly.
  for (let i = 0; i < 50; i++) {
    const found = (await records()).find((r) => r.request_id === requestId)
    if (found) return found
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no audit record for ${requestId}`)
}

beforeAll(async () => {
  upstream = await startFakeOpenAI({ reply: 'Hi from upstream', eventDelayMs: 5 })
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-local-'))
  dumpDir = join(dataDir, 'dumps')
  proxy = await startLocalProxy({
    port: 0,
    dataDir,
    upstreamUrl: upstream.url,
    apiKey: 'sk-upstream-secret',
    dumpDir,
    storesInProcess: true,
    config: { tokenCacheMs: 200 },
    log: () => {},
  })
  token = (await proxy.admin.create({ user: 'alice', team: 'eng' })).token
  client = new OpenAI({ apiKey: token, baseURL: `${proxy.url}/v1`, maxRetries: 0 })
})
afterAll(async () => {
  await proxy?.close()
  await upstream?.close()
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

describe('local host with the openai SDK', () => {
  it('streams a Responses answer event by event', async () => {
    const stream = await client.responses.create({ model: 'gpt-5.1-codex', input: 'hello', stream: true })
    const types: string[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') text += event.delta
    }
    expect(types[0]).toBe('response.created')
    expect(types.at(-1)).toBe('response.completed')
    expect(text).toBe('Hi from upstream')
  })

  it('answers a non-streaming Responses call with usage', async () => {
    const { data, response } = await client.responses.create({ model: 'gpt-5.1-codex', input: 'hello' }).withResponse()
    expect(data.output_text).toBe('Hi from upstream')
    expect(data.usage?.input_tokens).toBe(1200)
    const record = await recordFor(response.headers.get('x-codex-proxy-request-id')!)
    expect(record).toMatchObject({ user_id: 'alice', team: 'eng', stream: null, status: 200, usage_status: 'reported', input_tokens: 1200 })
  })

  it('writes the audit record to S3 with the full SSE body', async () => {
    const { response } = await client.responses.create({ model: 'gpt-5.1-codex', input: 'audit me', stream: true }).withResponse()
    const sse = await response.text()
    const record = await recordFor(response.headers.get('x-codex-proxy-request-id')!)
    expect(record.response_body).toBe(sse)
    expect(record.request_body).toContain('audit me')
    expect(record.request_headers.authorization).toBe('[REDACTED]')
    expect(JSON.stringify(record)).not.toContain(token)
    expect(JSON.stringify(record)).not.toContain('sk-upstream-secret')
  })

  it('surfaces proxy errors to the SDK with the catalogue message', async () => {
    const bad = new OpenAI({ apiKey: 'cxp_thisisnotavalidtoken00000000000000000', baseURL: `${proxy.url}/v1`, maxRetries: 0 })
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401, message: expect.stringContaining('invalid or disabled token') })
  })

  it('writes dump files in the codex responses-api-proxy format, credentials redacted', async () => {
    await client.responses.create({ model: 'gpt-5.1-codex', input: 'dump me', stream: true }).then(async (s) => {
      for await (const _ of s) {
        // drain
      }
    })
    await new Promise((r) => setTimeout(r, 200))
    const files = (await readdir(dumpDir)).sort()
    const requestFile = files.filter((f) => f.endsWith('-request.json')).at(-1)!
    expect(requestFile).toMatch(/^\d{6}-\d{13}-request\.json$/)
    const dumped = JSON.parse(await readFile(join(dumpDir, requestFile), 'utf8'))
    expect(dumped).toMatchObject({ method: 'POST', url: '/v1/responses' })
    expect(dumped.headers).toContainEqual({ name: 'authorization', value: '[REDACTED]' })
    expect(dumped.body.input).toBe('dump me')
    const response = JSON.parse(await readFile(join(dumpDir, requestFile.replace('-request', '-response')), 'utf8'))
    expect(response.status).toBe(200)
    expect(response.body).toContain('response.completed')
  })

  it('refuses a token right after it is disabled (cache TTL)', async () => {
    const { token: bob } = await proxy.admin.create({ user: 'bob' })
    const bobClient = new OpenAI({ apiKey: bob, baseURL: `${proxy.url}/v1`, maxRetries: 0 })
    await bobClient.models.list()
    await proxy.admin.setEnabled(await proxy.admin.resolve('bob'), false)
    await new Promise((r) => setTimeout(r, 300))
    await expect(bobClient.models.list()).rejects.toMatchObject({ status: 401 })
  })

  it('announces itself in the data directory for --local CLI commands', async () => {
    const info = await readStackFile(dataDir)
    expect(info).toMatchObject({ pid: process.pid, url: proxy.url, tokens_table: 'codex-proxy-tokens', bucket: 'codex-proxy-logs' })
  })

  it('answers a request it cannot parse with an OpenAI-shaped 400', async () => {
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(proxy.port, '127.0.0.1', () => socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'))
      let data = ''
      socket.on('data', (d) => (data += d.toString()))
      socket.on('close', () => resolve(data))
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { message: 'malformed request', type: 'codex_proxy_error', code: 'bad_request' },
    })
  })

  it('refuses to start a second server on the same data directory', async () => {
    await expect(startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, storesInProcess: true, log: () => {} })).rejects.toThrow(/already running/)
  })
})
