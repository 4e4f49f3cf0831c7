// The local host's node:http relay (hosts/node-upstream-fetch.ts) against the core's default
// fetch, on the same exchanges: the client gets the same answer and the audit record is the
// same — apart from what differs per request anyway (ids, times) — including the stored
// bodies. Streamed, over the body cap, gzip-encoded, an upstream error answer, and an
// upstream that resets mid-stream.
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import type { AuditSink, RecordBodies } from '../../lambda/src/core/ports.js'
import { nodeUpstreamFetch } from '../../lambda/src/hosts/node-upstream-fetch.js'
import { codexBody, useCoreHarness } from '../support/core-harness.js'
import { testContext } from '../support/memory-ports.js'

const h = useCoreHarness()
const relay = nodeUpstreamFetch()
afterAll(() => relay.close())

class CapturingSink implements AuditSink {
  last: { record: AuditRecord; bodies: RecordBodies | undefined } | undefined
  async write(record: AuditRecord, bodies?: RecordBodies): Promise<void> {
    this.last = { record, bodies }
  }
}

/** The record without what differs between any two requests. */
function comparable(record: AuditRecord) {
  const { request_id: _id, timestamp: _t, latency_ms: _l, ttfb_ms: _f, ...rest } = record
  const headers = { ...rest.response_headers }
  delete headers['x-codex-proxy-request-id']
  delete headers.date
  return { ...rest, response_headers: headers, upstream_attempts: rest.upstream_attempts.map(({ ms: _ms, ...a }) => a) }
}

async function exchange(useNodeRelay: boolean, config = {}) {
  const sink = new CapturingSink()
  const proxy = h.makeProxy(config, 'sk-real-key', { audit: sink, ...(useNodeRelay && { fetch: relay }) })
  const ctx = testContext()
  const response = await proxy.fetch(h.request('/v1/responses', { method: 'POST', body: codexBody() }), ctx)
  const text = await response.text()
  await ctx.settled()
  return { status: response.status, text, record: comparable(sink.last!.record), bodies: sink.last!.bodies }
}

function plainBytes(bodies: RecordBodies | undefined) {
  const plain = (b: Uint8Array | undefined) => (b === undefined ? undefined : Uint8Array.from(b))
  const side = (x: RecordBodies['request']) => x && { ...x, stored: plain(x.stored), original: plain(x.original) }
  return bodies && { request: side(bodies.request), response: side(bodies.response) }
}

async function expectSame(config = {}) {
  const viaFetch = await exchange(false, config)
  const viaNode = await exchange(true, config)
  expect(viaNode.status).toBe(viaFetch.status)
  expect(viaNode.text).toBe(viaFetch.text)
  expect(viaNode.record).toEqual(viaFetch.record)
  // Same bytes; the node relay's chunks are Buffers (a Uint8Array subclass), fetch's plain
  // Uint8Arrays, and a body of one chunk is kept as that chunk: compare as plain bytes.
  expect(plainBytes(viaNode.bodies)).toEqual(plainBytes(viaFetch.bodies))
  return viaNode
}

describe('the node:http relay and fetch give the same exchange and record', () => {
  it('for a streamed answer', async () => {
    const r = await expectSame()
    expect(r.record.usage_status).toBe('reported')
  })

  it('for a streamed answer over the body cap', async () => {
    h.upstream.options.deltas = 50
    h.upstream.options.deltaPaddingBytes = 10_000
    try {
      const r = await expectSame({ bodyCapBytes: 64 * 1024 })
      expect(r.record.truncated.response_body).toBe(true)
    } finally {
      delete h.upstream.options.deltas
      delete h.upstream.options.deltaPaddingBytes
    }
  })

  it('for a gzip-encoded JSON answer', async () => {
    h.upstream.override = (_req, res) => {
      const body = JSON.stringify({ id: 'resp_1', model: 'gpt-5.1-codex', usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 } })
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      res.end(gzipSync(body))
      return true
    }
    const r = await expectSame()
    expect(r.record.usage_status).toBe('reported')
  })

  it('for an upstream error answer', async () => {
    h.upstream.override = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', code: null } }))
      return true
    }
    await expectSame()
  })

  it('for an upstream that resets the connection mid-stream', async () => {
    h.upstream.override = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5.1-codex"}}\n\n', () =>
        setTimeout(() => res.socket?.destroy(), 20),
      )
      return true
    }
    const r = await expectSame()
    expect(r.record.upstream_error).toBe('connection reset')
  })
})
