// The upstream refuses, resets, times out or closes mid-stream, on the local host over
// real HTTP: before any byte the client gets 502 upstream_request_failed; after bytes, a
// cleanly ended stream (a fetch body that reads to the end without "terminated"). The
// record says which, and the proxy serves the next request normally.
import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { type LocalStack, startLocalStack, streamingBody } from '../support/local-stack.js'

const UPSTREAM_TIMEOUT_MS = 1_000
let stack: LocalStack

beforeAll(async () => {
  stack = await startLocalStack({ upstreamRelay: true, proxy: { config: { upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS } } })
})
afterAll(async () => {
  await stack?.close()
})
beforeEach(async () => {
  stack.upstream.override = undefined
  await stack.upstreamRelay!.setMode('pass')
})

async function send(): Promise<{ status: number; text: string; record: AuditRecord }> {
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: streamingBody(),
  })
  // Throws ("terminated") if the proxy cut the stream instead of ending it.
  const text = await response.text()
  const id = response.headers.get('x-codex-proxy-request-id')!
  const { s3 } = await stack.waitForRecords([id])
  return { status: response.status, text, record: s3.find((r) => r.request_id === id)! }
}

const FIRST_EVENT = 'event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5.1-codex"}}\n\n'
function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.write(FIRST_EVENT)
}

async function expectServesNext(): Promise<void> {
  stack.upstream.override = undefined
  await stack.upstreamRelay!.setMode('pass')
  const next = await send()
  expect(next.status).toBe(200)
  expect(next.record).toMatchObject({ upstream_error: null, usage_status: 'reported' })
}

describe('upstream fails before any byte', () => {
  it('answers 502 when the upstream refuses the connection', async () => {
    await stack.upstreamRelay!.setMode('down')
    const { status, text, record } = await send()
    expect(status).toBe(502)
    expect(JSON.parse(text).error).toEqual({ message: 'upstream request failed: connection refused', type: 'codex_proxy_error', code: 'upstream_request_failed' })
    expect(record).toMatchObject({ origin: 'proxy', error_code: 'upstream_request_failed', upstream_error: 'connection refused', ttfb_ms: null })
    await expectServesNext()
  })

  it('answers 502 when the upstream resets the connection before answering', async () => {
    stack.upstream.override = (req, res) => {
      res.socket?.destroy()
      return true
    }
    const { status, text, record } = await send()
    expect(status).toBe(502)
    expect(JSON.parse(text).error.code).toBe('upstream_request_failed')
    expect(record).toMatchObject({ origin: 'proxy', error_code: 'upstream_request_failed', upstream_error: 'connection reset' })
    await expectServesNext()
  })

  it('answers 502 when the upstream sends no headers within the timeout', async () => {
    await stack.upstreamRelay!.setMode('hang')
    const { status, text, record } = await send()
    expect(status).toBe(502)
    expect(JSON.parse(text).error.message).toBe(`upstream request failed: timed out after ${UPSTREAM_TIMEOUT_MS} ms`)
    expect(record).toMatchObject({ origin: 'proxy', error_code: 'upstream_request_failed', upstream_error: `timed out after ${UPSTREAM_TIMEOUT_MS} ms` })
    await expectServesNext()
  })
})

describe('upstream fails after bytes were sent', () => {
  it('ends the stream cleanly when the upstream closes mid-stream, and records why', async () => {
    stack.upstream.override = (_req, res) => {
      startStream(res)
      setTimeout(() => res.socket?.destroy(), 50)
      return true
    }
    const { status, text, record } = await send()
    expect(status).toBe(200)
    expect(text).toBe(FIRST_EVENT)
    expect(record).toMatchObject({ origin: 'upstream', status: 200, error_code: null, client_aborted: false, usage_status: 'missing', response_body: FIRST_EVENT })
    expect(record.upstream_error).toBeTruthy()
    await expectServesNext()
  })

  it('ends the stream cleanly when the upstream stalls past the timeout mid-stream', async () => {
    stack.upstream.override = (_req, res) => {
      startStream(res)
      return true // and nothing more
    }
    const { status, text, record } = await send()
    expect(status).toBe(200)
    expect(text).toBe(FIRST_EVENT)
    expect(record).toMatchObject({ origin: 'upstream', upstream_error: `timed out after ${UPSTREAM_TIMEOUT_MS} ms`, usage_status: 'missing' })
    await expectServesNext()
  })

  it('ends the stream cleanly when the connection to the upstream is reset mid-stream', async () => {
    stack.upstream.override = (_req, res) => {
      startStream(res)
      // The relay drops every open connection: a reset seen from the proxy's side.
      setTimeout(() => void stack.upstreamRelay!.setMode('pass'), 50)
      return true
    }
    const { status, text, record } = await send()
    expect(status).toBe(200)
    expect(text).toBe(FIRST_EVENT)
    expect(record).toMatchObject({ origin: 'upstream', client_aborted: false, usage_status: 'missing' })
    expect(record.upstream_error).toBeTruthy()
    await expectServesNext()
  })
})
