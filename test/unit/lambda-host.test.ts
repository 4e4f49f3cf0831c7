// The Lambda host adapter: Function URL events in, a streamed response out through the
// (stubbed) awslambda runtime API.
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { SecretScanMode } from '../../lambda/src/contracts/config.js'
import { createProxy } from '../../lambda/src/core/proxy.js'
import { createSecretScanner } from '../../lambda/src/secrets/index.js'
import { createStreamingHandler } from '../../lambda/src/hosts/lambda.js'
import { EmfMetrics } from '../../lambda/src/observability/emf-metrics.js'
import { ResilientAuditSink } from '../../lambda/src/stores/resilient-audit-sink.js'
import { S3AuditSink } from '../../lambda/src/stores/s3-audit-sink.js'
import { captureStream, functionUrlEvent, installAwslambdaStub } from '../support/awslambda-stub.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'
import { MemoryAuditSink, MemoryCounterStore, MemoryTokenStore } from '../support/memory-ports.js'
import { startTestStores, type TestStores } from '../support/stores.js'
import { defaultProxyConfig } from '../../lambda/src/contracts/config.js'
import { inlineBodyScanner } from '../../lambda/src/core/scanners.js'

installAwslambdaStub()

let upstream: FakeOpenAI
let tokens: MemoryTokenStore
let audit: MemoryAuditSink
let token: string
let stores: TestStores

const config = () => ({
  ...defaultProxyConfig('test'),
  upstreamUrl: upstream.url,
  upstreamTimeoutMs: 5_000,
  bodyCapBytes: 1024 * 1024,
  maxRequestBytes: 6 * 1024 * 1024,
  tokenCacheMs: 5_000,
  secretScanMode: 'flag' as const,
  version: 'test',
})

function handlerWith(options: { audit?: ConstructorParameters<typeof ResilientAuditSink>[0] | MemoryAuditSink; afterInvocation?: () => void; secretScanMode?: SecretScanMode } = {}) {
  const proxy = createProxy({
    config: { ...config(), ...(options.secretScanMode && { secretScanMode: options.secretScanMode }) },
    tokens,
    counters: new MemoryCounterStore(),
    audit: options.audit ?? audit,
    key: { get: async () => 'sk-lambda-key' },
    scanner: inlineBodyScanner(createSecretScanner()),
    log: () => {},
  })
  return createStreamingHandler(() => proxy, { afterInvocation: options.afterInvocation, log: () => {} })
}

async function invoke(handler: ReturnType<typeof createStreamingHandler>, event: ReturnType<typeof functionUrlEvent>) {
  const { stream, done } = captureStream()
  const finished = handler(event as unknown as LambdaFunctionURLEvent, stream as never, {} as Context) as Promise<void>
  const captured = await done
  await finished
  return captured
}

const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
const streamBody = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' })

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  stores = await startTestStores()
})
afterAll(async () => {
  await upstream.close()
  await stores.close()
})
beforeEach(() => {
  upstream.options = {}
  upstream.override = undefined
  upstream.requests.length = 0
  tokens = new MemoryTokenStore()
  audit = new MemoryAuditSink()
  token = tokens.add('alice').token
})

describe('Lambda Function URL host', () => {
  it('writes the prelude with status and headers, then the body', async () => {
    const res = await invoke(handlerWith(), functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }))
    expect(res.metadata.statusCode).toBe(200)
    expect(res.metadata.headers?.['content-type']).toBe('application/json')
    expect(res.metadata.headers?.['x-codex-proxy-request-id']).toMatch(/^[0-9A-Z]{26}$/)
    expect(JSON.parse(res.body).object).toBe('list')
  })

  it('streams chunks as the upstream produces them, not all at the end', async () => {
    upstream.options = { eventDelayMs: 120, deltas: 4 }
    const res = await invoke(handlerWith(), functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
    expect(res.chunks.length).toBeGreaterThanOrEqual(5)
    const spread = res.chunks.at(-1)!.at - res.chunks[0]!.at
    expect(spread).toBeGreaterThan(500) // 7 events, 120 ms apart
    expect(res.chunks[0]!.text).toContain('response.created')
    expect(res.body).toContain('response.completed')
  })

  it('decodes base64 request bodies', async () => {
    await invoke(handlerWith(), functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: Buffer.from(streamBody).toString('base64'), isBase64Encoded: true }))
    expect(upstream.requests[0]!.body.toString()).toBe(streamBody)
  })

  it('normalises /responses to /v1/responses and forwards the query string', async () => {
    await invoke(handlerWith(), functionUrlEvent({ rawPath: '/responses', rawQueryString: 'include=usage', headers: auth(), body: streamBody }))
    expect(upstream.requests[0]!.url).toBe('/v1/responses?include=usage')
  })

  it('checks the raw path, so a dot segment is refused', async () => {
    const res = await invoke(handlerWith(), functionUrlEvent({ method: 'GET', rawPath: '/v1/../admin', headers: auth() }))
    expect(res.metadata.statusCode).toBe(400)
    expect(JSON.parse(res.body).error.code).toBe('invalid_path')
  })

  it('records cookies of payload 2.0 redacted and does not forward them (default-deny headers)', async () => {
    await invoke(handlerWith(), functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth(), cookies: ['a=1', 'b=2'] }))
    expect(upstream.requests[0]!.headers.cookie).toBeUndefined()
    expect(audit.records[0]!.request_headers.cookie).toBe('[REDACTED]')
  })

  it('answers proxy errors in the OpenAI shape', async () => {
    const res = await invoke(handlerWith(), functionUrlEvent({ method: 'GET', rawPath: '/v1/models' }))
    expect(res.metadata.statusCode).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ error: { message: 'missing or invalid Authorization header', type: 'codex_proxy_error', code: 'missing_authorization' } })
  })

  it('writes the audit record after the stream has ended, before the handler resolves', async () => {
    upstream.options = { eventDelayMs: 30 }
    audit.delayMs = 300
    const { stream, done } = captureStream()
    let resolvedAt = 0
    const finished = (handlerWith()(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }) as never, stream as never, {} as Context) as Promise<void>).then(
      () => (resolvedAt = performance.now()),
    )
    const res = await done
    const streamEndedAt = performance.now()
    expect(audit.records).toHaveLength(0) // the client already has everything
    await finished
    expect(audit.records).toHaveLength(1)
    expect(resolvedAt - streamEndedAt).toBeGreaterThanOrEqual(250)
    expect(audit.records[0]!.response_body).toBe(res.body)
  })

  it('falls back to a marked log line and an AuditWriteFailures metric when S3 fails', async () => {
    const lines: string[] = []
    const metrics = new EmfMetrics((l) => lines.push(l))
    const sink = new ResilientAuditSink(new S3AuditSink(stores.s3, 'bucket-that-does-not-exist'), (l) => lines.push(l), metrics)
    const res = await invoke(handlerWith({ audit: sink, afterInvocation: () => metrics.flush() }), functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
    expect(res.metadata.statusCode).toBe(200)
    expect(res.body).toContain('response.completed')
    const fallback = lines.find((l) => l.startsWith('CODEX_PROXY_AUDIT_FALLBACK '))
    expect(JSON.parse(fallback!.slice('CODEX_PROXY_AUDIT_FALLBACK '.length)).record.response_body).toBe(res.body)
    const emf = lines.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l))
    expect(emf.some((d) => d.AuditWriteFailures === 1 && d._aws.CloudWatchMetrics[0].Namespace === 'CodexProxy')).toBe(true)
  })

  it('aborts the upstream call when the client disconnects mid-stream', async () => {
    let upstreamClosedAt = 0
    upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created"}\n\n')
      res.on('close', () => (upstreamClosedAt = performance.now()))
      return true
    }
    const { stream } = captureStream()
    const finished = handlerWith()(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }) as never, stream as never, {} as Context) as Promise<void>
    await new Promise<void>((resolve) => stream.once('data', () => resolve()))
    await new Promise((r) => setTimeout(r, 50))
    const goneAt = performance.now()
    stream.destroy()
    await finished
    await new Promise((r) => setTimeout(r, 50))
    expect(upstreamClosedAt).toBeGreaterThan(0)
    expect(upstreamClosedAt - goneAt).toBeLessThan(1_000)
    expect(audit.records[0]).toMatchObject({ client_aborted: true })
  })
})

describe('secret scanning through the Lambda host', () => {
  const leaky = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'deploy with AKIAFAKE7Q3ZL2N4W6XY please' })

  it('blocks in block mode with the catalogue error', async () => {
    const res = await invoke(handlerWith({ secretScanMode: 'block' }), functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: leaky }))
    expect(res.metadata.statusCode).toBe(400)
    expect(JSON.parse(res.body).error.code).toBe('secret_detected')
    expect(upstream.requests).toHaveLength(0)
  })

  it('forwards a redacted body in redact mode', async () => {
    await invoke(handlerWith({ secretScanMode: 'redact' }), functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: leaky }))
    expect(upstream.requests[0]!.body.toString()).toContain('[REDACTED:aws-access-key-id]')
    expect(upstream.requests[0]!.body.toString()).not.toContain('AKIAFAKE7Q3ZL2N4W6XY')
  })

  it('forwards the original and records findings in flag mode', async () => {
    await invoke(handlerWith({ secretScanMode: 'flag' }), functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: leaky }))
    expect(upstream.requests[0]!.body.toString()).toBe(leaky)
    expect(audit.records[0]!.secret_findings.map((f) => f.rule_id)).toEqual(['aws-access-key-id'])
    expect(audit.records[0]!.request_body).not.toContain('AKIAFAKE7Q3ZL2N4W6XY')
  })
})
