// One 20 MB streamed response through the local host: it reaches the client whole, and
// what the proxy keeps of it for the record is the audit cap, not the response: the
// record counts every byte relayed and holds exactly the cap's worth, marked truncated.
// Bounded retention is checked on what is kept (here, and for the relay alone in
// test/unit/response-relay.test.ts), not by RSS: an RSS bound is a bet on the garbage
// collector's timing that a loaded machine can lose. RSS figures: bench (relay-results.md).
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { MiB } from '../support/memory.js'
import { type LoadStack, startLoadStack } from './load-stack.js'

// 2 000 deltas of 10 KB padding: ~20 MB of SSE (ASCII: one byte per character).
const UPSTREAM = { deltas: 2_000, deltaPaddingBytes: 10_000, reply: 'x'.repeat(2_000) }
let stack: LoadStack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

async function relayLargeResponse(capBytes: number): Promise<{ status: number; bytes: number; record: AuditRecord }> {
  // The stored response of a scanned request is scanned too; on a loaded machine the
  // default 2 s budget can run out for 10 MiB, and then no response is stored (by design):
  // a budget that cannot run out keeps this test about the relay.
  stack = await startLoadStack({ upstream: UPSTREAM, config: { bodyCapBytes: capBytes, scanBudgetMs: 600_000 } })
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: stack.body,
  })
  let bytes = 0
  const reader = response.body!.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength // read and dropped, as a streaming client does
  }
  const id = response.headers.get('x-codex-proxy-request-id')!
  const record = (await stack.records([id])).get(id)
  expect(record).toBeDefined()
  return { status: response.status, bytes, record: record! }
}

describe('one 20 MB streamed response', () => {
  for (const cap of [1 * MiB, 10 * MiB]) {
    it(`reaches the client whole while the record keeps exactly the ${cap / MiB} MiB audit cap of it`, async () => {
      const { status, bytes, record } = await relayLargeResponse(cap)
      expect(status).toBe(200)
      expect(bytes).toBeGreaterThan(20_000_000)
      expect(record.response_body_bytes).toBe(bytes)
      expect(record.truncated.response_body).toBe(true)
      expect(Buffer.byteLength(record.response_body!)).toBe(cap)
      // Usage is read from the stream as it passes, not from the capped copy.
      expect(record.usage_status).toBe('reported')
    })
  }
})
