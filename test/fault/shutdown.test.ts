// Graceful shutdown of the local host (issue 10, finding 2): SIGTERM while streams outlast
// the grace period used to leave 0 records. Real processes: a slow streaming fake upstream,
// `codex-proxy serve` as a child, SIGTERM mid-stream, then the records are counted where
// they land — s3rver's directory (objects) and the fallback file — and must equal the
// requests made.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REQUEST_ID_HEADER } from '../../lambda/src/core/headers.js'
import { startServe } from '../support/cli.js'
import { type FakeOpenAIProcess, startFakeOpenAIProcess } from '../support/fake-openai-process.js'
import { streamingBody } from '../support/local-stack.js'
import { fallbackFileRecords, recordsOnDisk } from '../support/records-on-disk.js'

async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('serve: a stop mid-stream writes a record for every exchange', () => {
  let upstream: FakeOpenAIProcess
  const dirs: string[] = []
  beforeAll(async () => {
    // ~2 minutes per stream: far longer than the grace period.
    upstream = await startFakeOpenAIProcess({ eventDelayMs: 300, deltas: 400 })
  })
  afterAll(async () => {
    await upstream.close()
    for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  it.each([
    ['SIGTERM', 6],
    ['SIGINT', 2],
    ['GET /shutdown', 2],
  ] as const)('%s: streams cut after the grace period, short requests before it: all recorded, exit 0', async (how, STREAMS) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cxp-shutdown-'))
    dirs.push(dataDir)
    const serve = await startServe({ dataDir, upstreamUrl: upstream.url, key: 'sk-upstream', args: ['--shutdown-grace', '1', '--json', '--http-shutdown'] })
    const token = (JSON.parse(serve.stdout().trim().split('\n').at(-1)!) as { first_token: { token: string } }).first_token.token
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

    // Two short exchanges, done before the signal.
    for (let i = 0; i < 2; i++) expect((await fetch(`${serve.url}/v1/models`, { headers: auth })).status).toBe(200)

    // Streams, each seen delivering before the stop.
    const streams = await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        const res = await fetch(`${serve.url}/v1/responses`, { method: 'POST', headers: auth, body: streamingBody() })
        expect(res.status).toBe(200)
        const reader = res.body!.getReader()
        const first = await reader.read()
        expect(first.done).toBe(false)
        return { requestId: res.headers.get(REQUEST_ID_HEADER), reader }
      }),
    )
    const ended = streams.map(({ reader }) =>
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended'
      })().catch(() => 'cut'),
    )

    const signalledAt = performance.now()
    if (how === 'SIGINT') process.kill(serve.pid, 'SIGINT')
    if (how === 'GET /shutdown') expect((await fetch(`${serve.url}/shutdown`)).status).toBe(200)
    if (how !== 'SIGTERM') await gone(serve.pid)
    const code = await serve.stop() // SIGTERM, or only the exit code when already gone
    const stoppedMs = performance.now() - signalledAt
    expect(code).toBe(0)
    // The grace period was honoured (1 s), and the wait was bounded (grace + records).
    expect(stoppedMs).toBeGreaterThanOrEqual(900)
    // Cut streams end, by an error or an early end, never by hanging.
    expect(await Promise.all(ended)).toHaveLength(STREAMS)

    const records = [...(await recordsOnDisk(join(dataDir, 's3'))), ...(await fallbackFileRecords(dataDir))]
    const ids = new Set(records.map((r) => r.request_id))
    expect(ids.size).toBe(STREAMS + 2)
    for (const { requestId } of streams) expect(ids.has(requestId!)).toBe(true)
    const streamed = records.filter((r) => r.path === '/v1/responses')
    expect(streamed).toHaveLength(STREAMS)
    for (const r of streamed) {
      expect(r.status).toBe(200)
      // What was relayed before the cut is in the record.
      expect(r.response_body).toContain('response.created')
      expect(r.response_body).not.toContain('response.completed')
      // The proxy ended it, not the client.
      expect(r).toMatchObject({ client_aborted: false, upstream_error: 'ended by the proxy shutting down (grace period over)' })
    }
    expect(serve.stderr()).toContain(`${how}: shutting down`)
    expect(serve.stderr()).toContain(`${STREAMS} request(s) cut after the grace period (recorded)`)
  }, 90_000)
})
