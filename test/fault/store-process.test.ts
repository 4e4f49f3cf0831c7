// The embedded store process under supervision (issue 10, finding 8): after kill -9 it
// used to stay dead (every request 503 token_lookup_failed for good) while /healthz said
// 200 and `validate --local` blamed AWS credentials. Real processes: the store child of
// startLocalProxy, killed with SIGKILL; its restart is held back by taking its port, so the
// degraded state can be observed as long as needed, then released.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spendAttr, spendItemKey } from '../../lambda/src/contracts/counters.js'
import { type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'
import { cli } from '../support/cli.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'
import { CountingMetrics } from '../support/memory-ports.js'
import { recordsOnDisk } from '../support/records-on-disk.js'

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Accepts and drops at once, like a port nothing serves (callers fail fast, not hang).
    const server = createServer((socket) => socket.destroy())
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

describe('supervised store process', () => {
  let upstream: FakeOpenAI
  let proxy: LocalProxy
  let dataDir: string
  const metrics = new CountingMetrics()
  const log: string[] = []
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    dataDir = await mkdtemp(join(tmpdir(), 'cxp-supervise-'))
    proxy = await startLocalProxy({
      port: 0,
      dataDir,
      upstreamUrl: upstream.url,
      apiKey: 'sk-upstream',
      metrics,
      log: (m) => void log.push(m),
      storeSupervision: { initialDelayMs: 100, maxDelayMs: 300 },
    })
  }, 60_000)
  afterAll(async () => {
    await proxy?.close()
    await upstream.close()
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  it('kill -9: /healthz says degraded, validate --local names the store process, then it comes back on the same endpoints', async () => {
    const { token } = await proxy.admin.create({ user: 'alice' })
    const auth = { authorization: `Bearer ${token}` }
    expect((await fetch(`${proxy.url}/v1/models`, { headers: auth })).status).toBe(200)
    expect(await (await fetch(`${proxy.url}/healthz`)).json()).toMatchObject({ status: 'ok' })
    const stores = proxy.storeProcess!
    const endpoints = { dynamodb: stores.dynamodbEndpoint, s3: stores.s3Endpoint }
    const firstPid = stores.pid!

    process.kill(firstPid, 'SIGKILL')
    const degraded = await until('degraded /healthz', async () => {
      const res = await fetch(`${proxy.url}/healthz`)
      return res.status === 503 ? ((await res.json()) as { status: string; detail: string }) : undefined
    })
    // Hold the DynamoDB port so the restarts fail until the checks below are done.
    const blocker = await hold(Number(new URL(endpoints.dynamodb).port))
    try {
      expect(degraded.status).toBe('degraded')
      expect(degraded.detail).toMatch(/embedded store process down .*killed by SIGKILL/)
      await until('a failed restart', async () => (/failed attempt/.test(JSON.stringify(stores.health())) ? true : undefined))

      const validate = await cli(['validate', '--local', '--data-dir', dataDir, '--json'], { timeoutMs: 60_000 })
      expect(validate.code).toBe(1)
      const rows = (JSON.parse(validate.stdout) as { checks: { id: string; status: string; detail: string; hint: string | null }[] }).checks
      const stack = rows.find((r) => r.id === 'local-stack')!
      expect(stack.status).toBe('fail')
      expect(stack.detail).toMatch(/embedded store process down/)
      expect(stack.hint).toMatch(/restart/)
      // A second server must not take the data directory while this one's stores restart.
      await expect(startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, log: () => {} })).rejects.toThrow(/already running for data dir/)
      for (const row of rows) expect(row.hint ?? '').not.toMatch(/AWS credentials|log group/)
      expect(rows.find((r) => r.id === 'healthz')!.hint).toMatch(/restarts its store process/)
    } finally {
      blocker.close()
    }

    await until('healthy /healthz', async () => ((await fetch(`${proxy.url}/healthz`)).status === 200 ? true : undefined))
    expect(stores.pid).not.toBe(firstPid)
    expect(stores.restarts).toBe(1)
    expect({ dynamodb: stores.dynamodbEndpoint, s3: stores.s3Endpoint }).toEqual(endpoints)
    expect(metrics.count('LocalStoreRestarts')).toBe(1)
    expect(log.join('\n')).toMatch(/embedded store process \(pid \d+\) killed by SIGKILL; restarting it/)

    // The same token (LevelDB on disk) works again, and records land in the restarted s3rver.
    const res = await until('a request through the restarted stores', async () => {
      const r = await fetch(`${proxy.url}/v1/models`, { headers: auth })
      return r.status === 200 ? r : undefined
    })
    const requestId = res.headers.get('x-codex-proxy-request-id')!
    await until('its record on disk', async () => ((await recordsOnDisk(join(dataDir, 's3'))).some((r) => r.request_id === requestId) ? true : undefined))
  }, 120_000)
})

describe('supervised store process with direct store writes (the default)', () => {
  let upstream: FakeOpenAI
  let proxy: LocalProxy
  let dataDir: string
  const metrics = new CountingMetrics()
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    dataDir = await mkdtemp(join(tmpdir(), 'cxp-supervise-direct-'))
    proxy = await startLocalProxy({
      port: 0,
      dataDir,
      upstreamUrl: upstream.url,
      apiKey: 'sk-upstream',
      metrics,
      log: () => {},
      // A token lookup cached for the whole test: the request below needs no store.
      config: { tokenCacheMs: 120_000 },
      // Slow restarts, so the port can be taken before the first one.
      storeSupervision: { initialDelayMs: 1_000, maxDelayMs: 1_000 },
    })
  }, 60_000)
  afterAll(async () => {
    await proxy?.close()
    await upstream.close()
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  it('kill -9 of the store process: a request with a loaded token and counters is served and recorded; its counters reach the table once the store is back', async () => {
    const { token } = await proxy.admin.create({ user: 'dora' })
    const ask = () => fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hi' }) })
    const first = await ask()
    expect(first.status).toBe(200)
    await first.text()
    const at = new Date()
    const key = spendItemKey('user', 'dora', 'day', at)
    const table = new DynamoCounterStore(dynamoHttpFor(proxy.target), proxy.names.usageTable)
    const requestsInTable = async () => (await table.get([key])).get(key)?.[spendAttr('requests', 'day', at)]
    // Settled (after the response) and written: the counters are loaded in serve.
    await until('the first request counted in the table', async () => ((await requestsInTable()) === 1 ? true : undefined))
    const stores = proxy.storeProcess!
    const dynamoPort = Number(new URL(stores.dynamodbEndpoint).port)
    process.kill(stores.pid!, 'SIGKILL')
    await until('the store process seen down', async () => (stores.health().ok ? undefined : true))
    // Keep it down (its DynamoDB port held) while the request goes through.
    const blocker = await hold(dynamoPort)
    let requestId: string
    try {
      const second = await ask()
      expect(second.status).toBe(200)
      await second.text()
      requestId = second.headers.get('x-codex-proxy-request-id')!
      // serve wrote the record itself; the store process is not needed for it.
      await until('its record on disk while the store is down', async () => ((await recordsOnDisk(join(dataDir, 's3'))).some((r) => r.request_id === requestId) ? true : undefined))
      await until('a failed counter write', async () => (metrics.count('LocalCounterFlushFailures') > 0 ? true : undefined))
      expect(proxy.counters!.pendingItems).toBeGreaterThan(0)
    } finally {
      blocker.close()
    }
    await until('healthy again', async () => (stores.health().ok ? true : undefined))
    await until('both requests counted in the table', async () => ((await requestsInTable()) === 2 ? true : undefined))
    expect(proxy.counters!.pendingItems).toBe(0)
  }, 120_000)
})
