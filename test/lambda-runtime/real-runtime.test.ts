// The production bundle (dist/lambda/index.mjs, built by global-setup.ts) under AWS's
// own Node.js runtime client (npm aws-lambda-ric, built from its sources on Node 22 by
// scripts/ensure-lambda-ric.sh), served by a Runtime API emulator in response-streaming
// mode, with DynamoDB (dynalite), S3 (s3rver), a fake Secrets Manager and a fake OpenAI.
// Run with `npm run test:lambda-runtime` (not part of `npm test`: the first run builds
// the runtime client, ~2-4 minutes; .ci/run runs it after `npm test`).
//
// Lambda freezes the environment while the runtime waits for the next event; the
// emulator does the same (SIGSTOP), and each scenario looks for its audit record in S3
// while the runtime is frozen, so a record written after the handler returned would be
// missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { ENV } from '../../lambda/src/contracts/config.js'
import { LAMBDA_OUT_DIR } from '../../lambda/build.js'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { functionUrlEvent } from '../support/awslambda-stub.js'
import { DEFAULT_USAGE, type FakeOpenAI, responsesStreamEvents, startFakeOpenAI } from '../support/fake-openai.js'
import { deployedLambdaEnv, TEST_SECRET_ARN } from '../support/lambda-env.js'
import { startTestStores, type TestStores } from '../support/stores.js'
import { type FakeSecretsManager, startFakeSecretsManager } from './support/fake-secrets-manager.js'
import { type RicProcess, startRic, taskRootFrom } from './support/ric-process.js'
import { type InvocationResult, type RuntimeApi, startRuntimeApi } from './support/runtime-api.js'

const UPSTREAM_KEY = 'sk-real-runtime-test-key-0123456789'
const streamBody = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' })
// Long enough that a loaded machine still relays the first event within it.
const UPSTREAM_PAUSE_MS = 1_500

let stores: TestStores
let upstream: FakeOpenAI
let secretsManager: FakeSecretsManager
let token: string

beforeAll(async () => {
  stores = await startTestStores()
  upstream = await startFakeOpenAI()
  secretsManager = await startFakeSecretsManager({ [TEST_SECRET_ARN]: UPSTREAM_KEY })
  token = (await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'ric-user', team: 'ops' })).token
})
afterAll(async () => {
  await upstream?.close()
  await secretsManager?.close()
  await stores?.close()
})

/** One function instance: a runtime client process and its Runtime API. */
async function startFunction(env: Record<string, string> = {}, options: { freeze?: boolean } = {}) {
  const runtime = await startRuntimeApi()
  const ric = startRic({
    runtimeApi: runtime.address,
    taskRoot: taskRootFrom(LAMBDA_OUT_DIR),
    env: { ...deployedLambdaEnv(stores, upstream.url), AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url, ...env },
  })
  if (options.freeze !== false) runtime.freeze(ric.pid)
  return {
    runtime,
    ric,
    async stop() {
      await ric.stop()
      await runtime.close()
    },
  }
}

const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', originator: 'codex_exec' })

async function recordsById(): Promise<Map<string, AuditRecord>> {
  const records = new Map<string, AuditRecord>()
  await scanAuditRecords({
    s3: stores.s3,
    bucket: stores.names.bucket,
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 3_600_000),
    onRecord: (r) => void records.set(r.request_id, r),
  })
  return records
}

/**
 * The first output line that matches. Lines reach this process through a pipe, so a line
 * written before the runtime froze may still be on its way: wait a little for it (a
 * frozen runtime writes nothing new).
 */
async function outputLine(ric: RicProcess, match: (line: string) => boolean): Promise<string | undefined> {
  for (let i = 0; i < 40; i++) {
    const line = ric.output.find(match)
    if (line !== undefined) return line
    await new Promise((r) => setTimeout(r, 50))
  }
  return undefined
}

function describeFailure(res: InvocationResult, ric: RicProcess): string {
  return `outcome ${res.outcome}, status ${res.status}, body ${res.body.slice(0, 300)}\nfunction output:\n${ric.output.slice(-30).join('\n')}`
}

describe('the Lambda bundle under the real runtime client', () => {
  let fn: Awaited<ReturnType<typeof startFunction>>

  /** Invokes, then waits until the runtime is frozen on /next and reads the record while it is. */
  async function invoke(event: unknown) {
    const res = await fn.runtime.invoke(event)
    await fn.runtime.idle()
    const id = res.headers['x-codex-proxy-request-id']
    const record = id ? (await recordsById()).get(id) : undefined
    return { res, id, record }
  }

  beforeAll(async () => {
    fn = await startFunction()
  })
  afterAll(async () => {
    await fn?.stop()
  })
  const firstEventLatencies: Record<string, number> = {}
  afterAll(() => {
    // Figures for the record (not asserted as thresholds): first SSE event, upstream write → runtime API.
    console.log(`first event latency (ms): ${JSON.stringify(firstEventLatencies)}`)
  })

  for (const phase of ['cold', 'warm'] as const) {
    it(`streams a Responses request (${phase}): the first event arrives before the upstream's pause ends`, async () => {
      // The first event, a long pause, then the rest.
      const events = responsesStreamEvents({ reply: 'Hello from the fake upstream.', model: 'gpt-5.1-codex', usage: DEFAULT_USAGE, deltas: 3 })
      let firstWrittenAt = 0
      let pauseEndedAt = 0
      upstream.override = async (req, res) => {
        if (req.method !== 'POST') return false
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(events[0])
        firstWrittenAt = performance.now()
        await new Promise((r) => setTimeout(r, UPSTREAM_PAUSE_MS))
        pauseEndedAt = performance.now()
        res.end(events.slice(1).join(''))
        return true
      }
      const secretCalls = secretsManager.calls.length
      const { res, id, record } = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
      upstream.override = undefined
      expect(res.outcome, describeFailure(res, fn.ric)).toBe('streamed')
      expect(res.runtimeHeaders['lambda-runtime-function-response-mode']).toBe('streaming')
      expect(res.runtimeHeaders['transfer-encoding']).toBe('chunked')
      expect(res.preludeSent).toBe(true)
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
      expect(id).toMatch(/^[0-9A-Z]{26}$/)
      const first = res.chunks[0]!
      expect(first.text).toBe(events[0])
      // Arrived while the upstream was still pausing before the rest.
      expect(pauseEndedAt).toBeGreaterThan(0)
      expect(first.at).toBeLessThan(pauseEndedAt)
      firstEventLatencies[phase] = Number((first.at - firstWrittenAt).toFixed(1))
      expect(res.chunks.length).toBeGreaterThanOrEqual(2)
      expect(res.body).toBe(events.join(''))
      expect(res.errorType).toBeUndefined()
      // The record was in S3 before the runtime asked for the next event.
      expect(record).toMatchObject({ request_id: id, status: 200, user_id: 'ric-user', team: 'ops', usage_status: 'reported', total_tokens: 1500, client_aborted: false })
      const stored = JSON.stringify(record)
      expect(stored).not.toContain(token)
      expect(stored).not.toContain(UPSTREAM_KEY)
      // The key comes from Secrets Manager on the first request only, signed like the real SDK call.
      expect(secretsManager.calls.length - secretCalls).toBe(phase === 'cold' ? 1 : 0)
      expect(secretsManager.calls.every((c) => c.signed && c.secretId === TEST_SECRET_ARN)).toBe(true)
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    })
  }

  it('answers /healthz', async () => {
    const { res } = await invoke(functionUrlEvent({ method: 'GET', rawPath: '/healthz' }))
    expect(res.status, describeFailure(res, fn.ric)).toBe(200)
    expect(res.preludeSent).toBe(true)
    expect(res.body).toContain('ok')
  })

  it('refuses an invalid token with the catalogue error, status and headers intact', async () => {
    const requests = upstream.requests.length
    const { res, id, record } = await invoke(functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: { authorization: 'Bearer cxp_not-a-real-token' } }))
    expect(res.status, describeFailure(res, fn.ric)).toBe(401)
    expect(res.headers['content-type']).toBe('application/json')
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'codex_proxy_error', code: 'invalid_token' })
    expect(upstream.requests.length).toBe(requests)
    expect(record).toMatchObject({ request_id: id, status: 401, error_code: 'invalid_token' })
  })

  it('keeps the status and headers of an upstream 404 with an empty body', async () => {
    upstream.override = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end()
      return true
    }
    const { res, id, record } = await invoke(functionUrlEvent({ method: 'GET', rawPath: '/v1/models/gpt-nope', headers: auth() }))
    upstream.override = undefined
    expect(res.preludeSent, describeFailure(res, fn.ric)).toBe(true)
    expect(res.status).toBe(404)
    expect(id).toMatch(/^[0-9A-Z]{26}$/)
    expect(res.body).toBe('')
    expect(record).toMatchObject({ request_id: id, status: 404 })
  })

  it('keeps the status and headers of a HEAD request (no body at all)', async () => {
    upstream.override = (req, res) => {
      if (req.method !== 'HEAD') return false
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream-head': 'yes' }).end()
      return true
    }
    const { res, id, record } = await invoke(functionUrlEvent({ method: 'HEAD', rawPath: '/v1/models', headers: auth() }))
    upstream.override = undefined
    expect(res.preludeSent, describeFailure(res, fn.ric)).toBe(true)
    expect(res.status).toBe(200)
    expect(id).toMatch(/^[0-9A-Z]{26}$/)
    expect(res.body).toBe('')
    expect(record).toMatchObject({ request_id: id, method: 'HEAD', status: 200 })
  })

  it('keeps the status of an upstream 204 (no body)', async () => {
    upstream.override = (_req, res) => {
      res.writeHead(204, { 'x-upstream': 'yes' }).end()
      return true
    }
    const { res, id, record } = await invoke(functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }))
    upstream.override = undefined
    expect(res.preludeSent, describeFailure(res, fn.ric)).toBe(true)
    expect(res.status).toBe(204)
    expect(id).toMatch(/^[0-9A-Z]{26}$/)
    expect(res.body).toBe('')
    expect(record).toMatchObject({ request_id: id, status: 204 })
  })

  it('ends the stream and records the failure when the upstream dies mid-stream', async () => {
    upstream.override = (req, res) => {
      if (req.method !== 'POST') return false
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created","response":{"id":"resp_cut"}}\n\n')
      setTimeout(() => res.destroy(), 100)
      return true
    }
    const { res, id, record } = await invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
    upstream.override = undefined
    expect(res.outcome, describeFailure(res, fn.ric)).toBe('streamed')
    expect(res.status).toBe(200)
    expect(res.body).toContain('response.created')
    expect(record).toMatchObject({ request_id: id, status: 200, usage_status: 'missing' })
    expect(record!.upstream_error).toBeTruthy()
  })

  it('answers a malformed event with 400 bad_request and no exception text', async () => {
    const event = { ...functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }), cookies: 'a=1' }
    const res = await fn.runtime.invoke(event)
    expect(res.status, describeFailure(res, fn.ric)).toBe(400)
    expect(JSON.parse(res.body)).toEqual({
      error: { message: 'malformed request: the Function URL event has cookies that are not an array of strings', type: 'codex_proxy_error', code: 'bad_request' },
    })
  })

  it('kept one runtime process for every invocation, with no invocation error', () => {
    expect(fn.ric.hasExited()).toBe(false)
    expect(fn.runtime.initErrors).toEqual([])
    expect(fn.ric.output.join('\n')).not.toMatch(/Invoke Error|Unhandled|uncaught/i)
  })
})

describe('block mode under the real runtime client', () => {
  let fn: Awaited<ReturnType<typeof startFunction>>
  beforeAll(async () => {
    fn = await startFunction({ [ENV.secretScan]: 'block' })
  })
  afterAll(async () => {
    await fn?.stop()
  })

  it('refuses a request carrying a secret, forwards nothing, and records it', async () => {
    const requests = upstream.requests.length
    const leaky = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'deploy with AKIAFAKE7Q3ZL2N4W6XY please' })
    const res = await fn.runtime.invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: leaky }))
    await fn.runtime.idle()
    expect(res.status, describeFailure(res, fn.ric)).toBe(400)
    expect(JSON.parse(res.body).error.code).toBe('secret_detected')
    expect(upstream.requests.length).toBe(requests)
    const id = res.headers['x-codex-proxy-request-id']!
    const record = (await recordsById()).get(id)
    expect(record).toMatchObject({ status: 400, error_code: 'secret_detected' })
    expect(JSON.stringify(record)).not.toContain('AKIAFAKE7Q3ZL2N4W6XY')
  })
})

describe('a cut runtime response connection under the real runtime client', () => {
  // Lambda does not cut this connection when a Function URL client disconnects (README,
  // "Deploy to AWS"); this guards the record if anything else does.
  let fn: Awaited<ReturnType<typeof startFunction>>
  beforeAll(async () => {
    fn = await startFunction({}, { freeze: false })
  })
  afterAll(async () => {
    await fn?.stop()
  })

  it('writes the record before the runtime client exits on its own "socket hang up"', async () => {
    upstream.override = undefined
    upstream.options = { eventDelayMs: 300, deltas: 4 }
    // Warm the function first, so the cut invocation is not also the one reading the key.
    await fn.runtime.invoke(functionUrlEvent({ method: 'GET', rawPath: '/healthz' }))
    const res = await fn.runtime.invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }), { cutAfterBodyBytes: 1 })
    expect(res.outcome, describeFailure(res, fn.ric)).toBe('cut')
    const id = res.headers['x-codex-proxy-request-id']!
    expect(id).toMatch(/^[0-9A-Z]{26}$/)
    const exit = await Promise.race([fn.ric.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))])
    expect(exit, fn.ric.output.join('\n')).toEqual({ code: 1, signal: null })
    const output = fn.ric.output.join('\n')
    const record = (await recordsById()).get(id)
    expect(record, `no record ${id} in S3; function output:\n${output}`).toMatchObject({ request_id: id, client_aborted: true })
    expect(output).toMatch(/lambda host: unhandled rejection: .*socket hang up/)
    // The upstream call was aborted rather than read to the end.
    expect(upstream.lastStreamEventTimes.length).toBeLessThan(upstream.lastStreamBody.split('\n\n').length - 1)
  })
})

describe('failures of the deployment under the real runtime client', () => {
  it('writes the fallback log line before the next event when the bucket is unreachable', async () => {
    const fn = await startFunction({ [ENV.bucket]: 'bucket-that-does-not-exist' })
    try {
      const res = await fn.runtime.invoke(functionUrlEvent({ rawPath: '/v1/responses', headers: auth(), body: streamBody }))
      await fn.runtime.idle()
      expect(res.status, describeFailure(res, fn.ric)).toBe(200)
      const id = res.headers['x-codex-proxy-request-id']!
      const line = await outputLine(fn.ric, (l) => l.startsWith('CODEX_PROXY_AUDIT_FALLBACK ') && l.includes(id))
      expect(line, fn.ric.output.join('\n')).toBeTruthy()
      const record = (JSON.parse(line!.slice('CODEX_PROXY_AUDIT_FALLBACK '.length)) as { record: AuditRecord }).record
      expect(record).toMatchObject({ request_id: id, status: 200 })
      expect(line).not.toContain(token)
      expect(line).not.toContain(UPSTREAM_KEY)
    } finally {
      await fn.stop()
    }
  })

  it('answers 500 with the catalogue message only when the configuration is broken, and logs why', async () => {
    const fn = await startFunction({ [ENV.tokensTable]: '' })
    try {
      const res = await fn.runtime.invoke(functionUrlEvent({ method: 'GET', rawPath: '/v1/models', headers: auth() }))
      await fn.runtime.idle()
      expect(res.status, describeFailure(res, fn.ric)).toBe(500)
      expect(JSON.parse(res.body)).toEqual({ error: { message: 'internal error', type: 'codex_proxy_error', code: 'internal_error' } })
      expect(await outputLine(fn.ric, (l) => l.includes(`environment variable ${ENV.tokensTable} is not set`)), fn.ric.output.join('\n')).toBeTruthy()
    } finally {
      await fn.stop()
    }
  })
})
