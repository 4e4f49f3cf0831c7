// The Lambda host adapter: Function URL events in, a streamed response out through the
// (stubbed) awslambda runtime API.
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda'
import { EventEmitter } from 'node:events'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SecretScanMode } from '../../lambda/src/contracts/config.js'
import { createProxy } from '../../lambda/src/core/proxy.js'
import { createSecretScanner } from '../../lambda/src/secrets/index.js'
import { functionUrlEventToRequest } from '../../lambda/src/hosts/function-url-event.js'
import { createStreamingHandler, type ProcessLike } from '../../lambda/src/hosts/lambda.js'
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

function handlerWith(
  options: { audit?: ConstructorParameters<typeof ResilientAuditSink>[0] | MemoryAuditSink; afterInvocation?: () => void; secretScanMode?: SecretScanMode; processGuard?: ProcessLike } = {},
) {
  const proxy = createProxy({
    config: { ...config(), ...(options.secretScanMode && { secretScanMode: options.secretScanMode }) },
    tokens,
    counters: new MemoryCounterStore(),
    audit: options.audit ?? audit,
    key: { get: async () => 'sk-lambda-key' },
    scanner: inlineBodyScanner(createSecretScanner()),
    log: () => {},
  })
  return createStreamingHandler(() => proxy, { afterInvocation: options.afterInvocation, log: () => {}, processGuard: options.processGuard })
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

describe('status and headers reach the client for every response (issue 17)', () => {
  // The runtime sends the prelude only inside the first write(); these responses have
  // no body bytes to write.
  it('keeps an upstream 404 with an empty body', async () => {
    upstream.override = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json', 'x-upstream': 'yes' })
      res.end()
      return true
    }
    const res = await invoke(handlerWith(), functionUrlEvent({ method: 'GET', rawPath: '/v1/models/gpt-nope', headers: auth() }))
    expect(res.preludeSent).toBe(true)
    expect(res.metadata.statusCode).toBe(404)
    expect(res.metadata.headers?.['x-codex-proxy-request-id']).toMatch(/^[0-9A-Z]{26}$/)
    expect(res.body).toBe('')
    expect(audit.records[0]).toMatchObject({ status: 404 })
  })

  it('keeps the status and headers of a HEAD request (null body)', async () => {
    upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '42' })
      res.end()
      return true
    }
    const res = await invoke(handlerWith(), functionUrlEvent({ method: 'HEAD', rawPath: '/v1/models', headers: auth() }))
    expect(upstream.requests[0]!.method).toBe('HEAD')
    expect(res.preludeSent).toBe(true)
    expect(res.metadata.statusCode).toBe(200)
    expect(res.metadata.headers?.['x-codex-proxy-request-id']).toMatch(/^[0-9A-Z]{26}$/)
    expect(res.body).toBe('')
  })

  it('keeps a 204 from upstream', async () => {
    upstream.override = (_req, res) => {
      res.writeHead(204, { 'x-upstream': 'yes' })
      res.end()
      return true
    }
    const res = await invoke(handlerWith(), functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }))
    expect(res.preludeSent).toBe(true)
    expect(res.metadata.statusCode).toBe(204)
    expect(res.body).toBe('')
  })
})

describe('malformed Function URL events get 400 bad_request, never exception text', () => {
  const good = () => functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }) as unknown as Record<string, unknown>
  const cases: [string, (e: Record<string, unknown>) => unknown][] = [
    ['cookies not an array', (e) => ({ ...e, cookies: 'a=1' })],
    ['a cookie that is not a string', (e) => ({ ...e, cookies: ['a=1', 7] })],
    ['a header with a number value', (e) => ({ ...e, headers: { ...(e.headers as object), 'x-n': 5 } })],
    ['a header with an object value', (e) => ({ ...e, headers: { ...(e.headers as object), 'x-o': { a: 1 } } })],
    ['headers as an array', (e) => ({ ...e, headers: ['authorization'] })],
    ['a header name with a space', (e) => ({ ...e, headers: { ...(e.headers as object), 'bad name': 'x' } })],
    ['a header value with a newline', (e) => ({ ...e, headers: { ...(e.headers as object), 'x-v': 'a\nb' } })],
    ['no requestContext', (e) => ({ ...e, requestContext: undefined })],
    ['no http in requestContext', (e) => ({ ...e, requestContext: {} })],
    ['a method that is not a string', (e) => ({ ...e, requestContext: { ...(e.requestContext as object), http: { method: 42 } } })],
    ['a method that is not a token', (e) => ({ ...e, requestContext: { ...(e.requestContext as object), http: { method: 'GE T' } } })],
    ['no rawPath', (e) => ({ ...e, rawPath: undefined })],
    ['a rawPath without a leading slash', (e) => ({ ...e, rawPath: 'v1/models' })],
    ['a rawQueryString that is not a string', (e) => ({ ...e, rawQueryString: ['a'] })],
    ['a body that is not a string', (e) => ({ ...e, requestContext: { ...(e.requestContext as object), http: { method: 'POST' } }, body: { model: 'x' } })],
    ['isBase64Encoded that is not a boolean', (e) => ({ ...e, isBase64Encoded: 'yes' })],
    ['a base64 body that is not base64', (e) => ({ ...e, requestContext: { ...(e.requestContext as object), http: { method: 'POST' } }, body: 'eyJtb2RlbCI6!!!', isBase64Encoded: true })],
    ['a base64 body cut mid-quantum', (e) => ({ ...e, requestContext: { ...(e.requestContext as object), http: { method: 'POST' } }, body: 'eyJtb2RlbC', isBase64Encoded: true })],
    ['a domainName that is not a host', (e) => ({ ...e, requestContext: { ...(e.requestContext as object), domainName: 'a b/c' } })],
    ['an event that is not an object', () => 'GET /v1/models'],
    ['a null event', () => null],
  ]
  for (const [name, mutate] of cases) {
    it(name, async () => {
      const logs: string[] = []
      const proxy = createProxy({ config: config(), tokens, counters: new MemoryCounterStore(), audit, key: { get: async () => 'k' }, log: () => {} })
      const handler = createStreamingHandler(() => proxy, { log: (m) => logs.push(m) })
      const res = await invoke(handler, mutate(good()) as ReturnType<typeof functionUrlEvent>)
      expect(res.preludeSent).toBe(true)
      expect(res.metadata.statusCode).toBe(400)
      expect(res.metadata.headers?.['content-type']).toBe('application/json')
      const body = JSON.parse(res.body)
      expect(body.error).toMatchObject({ type: 'codex_proxy_error', code: 'bad_request' })
      expect(body.error.message).toMatch(/^malformed request: the Function URL event /)
      expect(body.error.message).not.toMatch(/not a function|Cannot read|TypeError|undefined \(reading/)
      expect(upstream.requests).toHaveLength(0)
    })
  }

  it('never echoes a header value in the message', async () => {
    const res = await invoke(handlerWith(), { ...good(), headers: { ...(good().headers as object), 'x-secret': 'sk-live-abcdef\r\n' } } as never)
    expect(res.metadata.statusCode).toBe(400)
    expect(res.body).not.toContain('sk-live-abcdef')
  })
})

describe('Function URL event parsing, large and odd input', () => {
  const post = (body: string, isBase64Encoded: boolean) => functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body, isBase64Encoded })
  const signal = new AbortController().signal

  it('accepts a 6 MiB base64 body (no regex blow-up) and refuses one with a bad last character', async () => {
    const bytes = Buffer.alloc(6 * 1024 * 1024, 7)
    const ok = functionUrlEventToRequest(post(bytes.toString('base64'), true), signal)
    expect('request' in ok && Buffer.from(await ok.request.arrayBuffer()).equals(bytes)).toBe(true)
    expect(functionUrlEventToRequest(post(`${bytes.toString('base64').slice(0, -1)}!`, true), signal)).toEqual({ invalid: 'the Function URL event has a body that is not valid base64' })
  })

  it('checks padding: only at the end, at most two', () => {
    for (const [body, valid] of [['YQ==', true], ['YWI=', true], ['YWJj', true], ['', true], ['Y===', false], ['=YWI', false], ['YW=I', false], ['YQ=', false]] as const) {
      expect('request' in functionUrlEventToRequest(post(body, true), signal), body).toBe(valid)
    }
  })

  it('takes 10,000 headers and a 1 MB cookie list without trouble', () => {
    const headers: Record<string, string> = { ...auth() }
    for (let i = 0; i < 10_000; i++) headers[`x-h-${i}`] = 'v'
    const cookies = Array.from({ length: 10_000 }, (_, i) => `c${i}=${'x'.repeat(90)}`)
    const parsed = functionUrlEventToRequest({ ...functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers }), cookies }, signal)
    expect('request' in parsed && parsed.request.headers.get('x-h-9999')).toBe('v')
  })
})

describe('internal failures answer the catalogue message only', () => {
  it('logs the exception and answers 500 internal_error without its text', async () => {
    const logs: string[] = []
    const handler = createStreamingHandler(
      () => {
        throw new Error('event.cookies.join is not a function at /var/task/index.mjs:1:2')
      },
      { log: (m) => logs.push(m) },
    )
    const res = await invoke(handler, functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }))
    expect(res.metadata.statusCode).toBe(500)
    expect(JSON.parse(res.body)).toEqual({ error: { message: 'internal error', type: 'codex_proxy_error', code: 'internal_error' } })
    expect(logs.join('\n')).toContain('event.cookies.join is not a function')
  })

  it('ends the stream when a failure comes after the prelude went out (no second prelude, no hang)', async () => {
    const logs: string[] = []
    const broken = { status: 200, headers: new Headers({ 'content-type': 'text/event-stream' }), body: { getReader: () => { throw new Error('reader exploded') } } }
    const handler = createStreamingHandler(() => ({ fetch: async () => broken }) as never, { log: (m) => logs.push(m) })
    const res = await invoke(handler, functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
    expect(res.metadata.statusCode).toBe(200)
    expect(res.body).toBe('')
    expect(logs.join('\n')).toContain('reader exploded')
  })

  it('ends the stream without a second prelude when the failure comes mid-body', async () => {
    const logs: string[] = []
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: one\n\n'))
      },
      pull() {
        throw new Error('upstream parser exploded: internal detail')
      },
    })
    const handler = createStreamingHandler(() => ({ fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }) }) as never, { log: (m) => logs.push(m) })
    const res = await invoke(handler, functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
    expect(res.metadata.statusCode).toBe(200)
    expect(res.body).toBe('data: one\n\n')
    expect(res.body).not.toContain('internal detail')
  })
})

describe('process guard: a cut runtime connection does not lose the record', () => {
  // Under the real runtime client a cut response connection rejects the client's own
  // promises unhandled ("socket hang up"), and Node would end the process at once.
  const fakeProcess = () => Object.assign(new EventEmitter(), { exit: vi.fn() }) as EventEmitter & ProcessLike & { exit: ReturnType<typeof vi.fn> }

  it('holds the exit until the invocation in flight has written its record', async () => {
    const proc = fakeProcess()
    upstream.options = { eventDelayMs: 60, deltas: 6 }
    audit.delayMs = 150
    const { stream } = captureStream()
    const finished = handlerWith({ processGuard: proc })(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }) as never, stream as never, {} as Context) as Promise<void>
    await new Promise<void>((resolve) => stream.once('data', () => resolve()))
    stream.destroy(new Error('socket hang up'))
    proc.emit('unhandledRejection', new Error('socket hang up'))
    await new Promise((r) => setTimeout(r, 20))
    expect(proc.exit).not.toHaveBeenCalled()
    await finished
    await new Promise((r) => setTimeout(r, 0))
    expect(audit.records).toHaveLength(1)
    expect(audit.records[0]).toMatchObject({ client_aborted: true })
    expect(proc.exit).toHaveBeenCalledTimes(1)
    expect(proc.exit).toHaveBeenCalledWith(1)
  })

  it('exits at once, as Node would, when nothing is in flight', async () => {
    const proc = fakeProcess()
    handlerWith({ processGuard: proc })
    proc.emit('uncaughtException', new Error('boom'))
    await new Promise((r) => setTimeout(r, 0))
    expect(proc.exit).toHaveBeenCalledWith(1)
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
