// `serve` with its embedded stores writes usage counters and audit objects from its own
// process (CODEX_PROXY_LOCAL_STORE_WRITES=direct, the default): the counters' last changes
// reach the table at shutdown, a restart continues the day's counts, and records land on
// disk where the CLI's readers find them. `store-api` keeps the old transport.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENV } from '../../lambda/src/contracts/config.js'
import { spendAttr, spendItemKey } from '../../lambda/src/contracts/counters.js'
import { startStoreServers } from '../../lambda/src/local/embedded-stores.js'
import { LOCAL_NAMES, type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js'
import { recordsOnDisk } from '../support/records-on-disk.js'

const BODY = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'hello' })
let upstream: FakeOpenAI
let dataDir: string

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-direct-'))
})
afterAll(async () => {
  await upstream.close()
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

const ask = async (proxy: LocalProxy, token: string) => {
  const res = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: BODY })
  await res.text()
  return res
}

/** The user's day item as the table holds it (serve closed: read with a store of our own). */
async function persistedUserDay(user: string, at: Date) {
  const stores = await startStoreServers({ dataDir })
  try {
    const key = spendItemKey('user', user, 'day', at)
    return (await new DynamoCounterStore(dynamoHttpFor({ local: stores }), LOCAL_NAMES.usageTable).get([key])).get(key)
  } finally {
    await stores.close()
  }
}

describe('serve: direct local store writes', () => {
  let token: string
  const at = new Date()

  it('writes the counters left in memory to the table at shutdown, and records straight to disk', async () => {
    // A flush interval longer than the test: only the shutdown flush can write the counters.
    const proxy = await startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, storesInProcess: true, counterFlushIntervalMs: 600_000, log: () => {} })
    expect(proxy.counters).toBeDefined()
    ;({ token } = await proxy.admin.create({ user: 'erin' }))
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await ask(proxy, token)
      expect(res.status).toBe(200)
      ids.push(res.headers.get('x-codex-proxy-request-id')!)
    }
    await proxy.close()
    expect(proxy.counters!.pendingItems).toBe(0)
    const item = await persistedUserDay('erin', at)
    expect(item?.[spendAttr('requests', 'day', at)]).toBe(3)
    expect(item?.[spendAttr('spent', 'day', at)]).toBeGreaterThan(0)
    expect((await recordsOnDisk(join(dataDir, 's3'))).map((r) => r.request_id)).toEqual(expect.arrayContaining(ids))
  }, 60_000)

  it('continues the counts after a restart instead of starting from 0', async () => {
    const proxy = await startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, storesInProcess: true, log: () => {} })
    expect((await ask(proxy, token)).status).toBe(200)
    await proxy.close()
    expect((await persistedUserDay('erin', at))?.[spendAttr('requests', 'day', at)]).toBe(4)
  }, 60_000)

  it('keeps the store APIs with store-api, and refuses an unknown mode before starting', async () => {
    const proxy = await startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, storesInProcess: true, env: { [ENV.localStoreWrites]: 'store-api' }, log: () => {} })
    try {
      expect(proxy.counters).toBeUndefined()
      const res = await ask(proxy, token)
      expect(res.status).toBe(200)
      const id = res.headers.get('x-codex-proxy-request-id')!
      // The API path writes synchronously with the settlement: the table has it without a flush.
      const deadline = Date.now() + 10_000
      let requests = 0
      while (requests < 5 && Date.now() < deadline) {
        const key = spendItemKey('user', 'erin', 'day', at)
        requests = (await new DynamoCounterStore(dynamoHttpFor(proxy.target), proxy.names.usageTable).get([key])).get(key)?.[spendAttr('requests', 'day', at)] ?? 0
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(requests).toBe(5)
      while (!(await recordsOnDisk(join(dataDir, 's3'))).some((r) => r.request_id === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect((await recordsOnDisk(join(dataDir, 's3'))).map((r) => r.request_id)).toContain(id)
    } finally {
      await proxy.close()
    }
    await expect(startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, storesInProcess: true, env: { [ENV.localStoreWrites]: 'sideways' }, log: () => {} })).rejects.toThrow(
      /CODEX_PROXY_LOCAL_STORE_WRITES must be one of direct, store-api \(got "sideways"\)/,
    )
  }, 60_000)
})
