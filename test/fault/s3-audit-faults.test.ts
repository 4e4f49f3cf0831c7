// S3 (the audit store) down, slow or hung, on the local host with real s3rver behind a
// fault relay: the client never notices, and no request goes unrecorded — every record
// is either in S3 or on a fallback line, counted by the AuditWriteFailures metric.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { METRIC } from '../../lambda/src/contracts/metrics.js'
import { type LocalStack, readTimed, startLocalStack, streamingBody } from '../support/local-stack.js'

let stack: LocalStack

beforeAll(async () => {
  // Per-attempt store timeout: above the slow case's delay (that write must succeed),
  // low enough that the hung case gives up within seconds.
  stack = await startLocalStack({ upstream: { deltas: 8 }, proxy: { storeRequestTimeoutMs: 3_000 } })
})
afterAll(async () => {
  await stack?.close()
})
beforeEach(async () => {
  await stack.s3Relay.setMode('pass')
})

async function send(text = 'hi') {
  const startedAt = performance.now()
  const response = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    body: streamingBody(text),
  })
  const read = await readTimed(response, startedAt)
  return { response, id: response.headers.get('x-codex-proxy-request-id')!, ...read }
}

const fallbackFailures = () => stack.metrics.count(METRIC.auditWriteFailures)

describe('S3 unavailable', () => {
  it('gives the client the same bytes as when S3 is up', async () => {
    const healthy = await send()
    await stack.s3Relay.setMode('down')
    const broken = await send()
    expect(broken.response.status).toBe(200)
    expect(broken.body.equals(healthy.body)).toBe(true)
    expect(broken.body.toString()).toBe(stack.upstream.lastStreamBody)
    const headers = (r: Response) => [...r.headers].filter(([n]) => !['date', 'x-codex-proxy-request-id'].includes(n))
    expect(headers(broken.response)).toEqual(headers(healthy.response))
    await stack.waitForRecords([healthy.id, broken.id])
  })

  it('writes each record to the fallback line and counts it in AuditWriteFailures', async () => {
    const before = fallbackFailures()
    await stack.s3Relay.setMode('down')
    const ids = (await Promise.all([send('a'), send('b'), send('c')])).map((r) => r.id)
    const { s3, fallback } = await stack.waitForRecords(ids)
    for (const id of ids) {
      expect(fallback.filter((r) => r.request_id === id)).toHaveLength(1)
      expect(s3.some((r) => r.request_id === id)).toBe(false)
    }
    const record = fallback.find((r) => r.request_id === ids[0])!
    expect(record).toMatchObject({ user_id: 'alice', status: 200, usage_status: 'reported', response_body: stack.upstream.lastStreamBody })
    expect(fallbackFailures() - before).toBe(3)
  })

  it('loses no record across an outage: every request is in S3 or on a fallback line, once', async () => {
    const ids: string[] = []
    const burst = async (n: number) => ids.push(...(await Promise.all(Array.from({ length: n }, (_, i) => send(`r${i}`)))).map((r) => r.id))
    const s3Before = new Set((await stack.s3Records()).map((r) => r.request_id))
    const fallbackBefore = new Set((await stack.fallbackRecords()).map((r) => r.request_id))
    // Each phase waits for its records: writes still in flight when S3 goes down (or
    // comes back) may land on either side, which is fine but not what this counts.
    await burst(6)
    await stack.waitForRecords(ids)
    await stack.s3Relay.setMode('down')
    await burst(6)
    await stack.waitForRecords(ids)
    await stack.s3Relay.setMode('pass')
    await burst(6)
    const { s3, fallback } = await stack.waitForRecords(ids)
    const newInS3 = s3.filter((r) => !s3Before.has(r.request_id)).map((r) => r.request_id)
    const newInFallback = fallback.filter((r) => !fallbackBefore.has(r.request_id)).map((r) => r.request_id)
    console.log(`outage of 6 of 18 requests: ${newInS3.length} records in S3, ${newInFallback.length} on fallback lines`)
    expect([...newInS3, ...newInFallback].sort()).toEqual([...ids].sort())
    expect(newInFallback.sort()).toEqual(ids.slice(6, 12).sort())
  })

  it('writes records to S3 again once it is back', async () => {
    await stack.s3Relay.setMode('down')
    const during = await send()
    await stack.waitForRecords([during.id])
    await stack.s3Relay.setMode('pass')
    const { id } = await send()
    const { s3, fallback } = await stack.waitForRecords([id])
    expect(s3.some((r) => r.request_id === id)).toBe(true)
    expect(fallback.some((r) => r.request_id === id)).toBe(false)
  })
})

describe('S3 slow or hung', () => {
  it('does not hold the response back while a slow S3 write is under way', async () => {
    await stack.s3Relay.setMode('slow', 1_000)
    const { id, response, body, totalMs } = await send()
    // The client has everything; the record is still on its way to S3.
    const atClientEnd = await Promise.all([stack.s3Records(), stack.fallbackRecords()])
    expect(response.status).toBe(200)
    expect(body.toString()).toBe(stack.upstream.lastStreamBody)
    expect(atClientEnd.flat().some((r) => r.request_id === id)).toBe(false)
    const recordStarted = performance.now()
    const { s3 } = await stack.waitForRecords([id])
    console.log(`slow S3 (+1 s per chunk): client done in ${totalMs.toFixed(0)} ms; record landed ${(performance.now() - recordStarted).toFixed(0)} ms later`)
    expect(s3.some((r) => r.request_id === id)).toBe(true)
  })

  it('falls back to the log line when S3 accepts connections but never answers', async () => {
    const before = fallbackFailures()
    await stack.s3Relay.setMode('hang')
    const { id, response, body, totalMs } = await send()
    const atClientEnd = await stack.fallbackRecords()
    expect(response.status).toBe(200)
    expect(body.toString()).toBe(stack.upstream.lastStreamBody)
    expect(atClientEnd.some((r) => r.request_id === id)).toBe(false)
    const recordStarted = performance.now()
    const { fallback } = await stack.waitForRecords([id])
    console.log(`hung S3: client done in ${totalMs.toFixed(0)} ms; fallback line ${(performance.now() - recordStarted).toFixed(0)} ms later`)
    expect(fallback.some((r) => r.request_id === id)).toBe(true)
    expect(fallbackFailures() - before).toBe(1)
  })

  it('keeps serving other requests while an audit write hangs', async () => {
    await stack.s3Relay.setMode('hang')
    const results = await Promise.all([send('x'), send('y'), send('z')])
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200])
    await stack.s3Relay.setMode('pass')
    await stack.waitForRecords(results.map((r) => r.id))
  })
})
