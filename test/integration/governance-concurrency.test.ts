// Rate limits and budgets under concurrency, through the local host (node:http + the
// embedded dynalite/s3rver stores), with many parallel clients.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { fromMicroUsd, spendAttr, spendKey } from '../../lambda/src/contracts/counters.js'
import { estimateCostUsd } from '../../lambda/src/core/governance/cost-estimate.js'
import { type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { createPricer } from '../../lambda/src/pricing/index.js'
import { dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'
import { DynamoCounterStore } from '../../lambda/src/stores/dynamo-counter-store.js'
import { type FakeOpenAI, responsesStreamEvents, startFakeOpenAI } from '../support/fake-openai.js'

let upstream: FakeOpenAI
let proxy: LocalProxy
let dataDir: string
let release: () => void = () => {}

const BODY = JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: 'x'.repeat(4000) })
const send = (token: string) =>
  fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: BODY }).then(async (r) => ({
    status: r.status,
    body: await r.text(),
  }))

/** Upstream answers are held until release(): no request settles while others are admitted. */
function holdUpstream() {
  let open!: () => void
  const gate = new Promise<void>((r) => (open = r))
  release = open
  upstream.override = async (_req, res) => {
    await gate
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(responsesStreamEvents({ reply: 'ok', model: 'gpt-5.1-codex', usage: { input_tokens: 1200, cached_tokens: 1000, output_tokens: 300, reasoning_tokens: 0 }, deltas: 1 }).join(''))
    return true
  }
}

async function awayFromMinuteBoundary() {
  const intoMinute = Date.now() % 60_000
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200))
}

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-gov-'))
  proxy = await startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, storesInProcess: true, log: () => {} })
}, 60_000)
afterAll(async () => {
  release()
  await proxy?.close()
  await upstream?.close()
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})
beforeEach(() => {
  upstream.override = undefined
})

describe('hard budget under concurrency', () => {
  it('admits exactly K of 100 concurrent requests when the budget is worth K estimates', async () => {
    const estimate = Math.ceil(estimateCostUsd(createPricer(), { model: 'gpt-5.1-codex', bodyBytes: Buffer.byteLength(BODY), maxOutputTokens: null }, new Date()) * 1e6)
    const K = 7
    // Just under K+1 estimates: room for exactly K reservations.
    const limitUsd = fromMicroUsd(estimate * K + Math.floor(estimate / 2))
    const { token } = await proxy.admin.create({ user: 'racer', policy: { budget_daily_usd: limitUsd } })
    holdUpstream()
    let answered = 0
    const pending = Array.from({ length: 100 }, () => send(token).finally(() => (answered += 1)))
    // The refused ones answer while the admitted ones are held: wait until all 93 are
    // back (however loaded the machine is), then let the K finish.
    while (answered < 100 - K) await new Promise((r) => setTimeout(r, 20))
    release()
    const results = await Promise.all(pending)
    expect(results.filter((r) => r.status === 200)).toHaveLength(K)
    expect(results.filter((r) => r.status === 429 && r.body.includes('budget_exceeded'))).toHaveLength(100 - K)

    // After settlement the counters hold the actual spend of the K served requests.
    await new Promise((r) => setTimeout(r, 300))
    const counters = new DynamoCounterStore(dynamoHttpFor(proxy.target), proxy.names.usageTable)
    const now = new Date()
    const item = (await counters.get([spendKey('user', 'racer', now)])).values().next().value!
    const actual = Math.round(((200 * 1.25 + 1000 * 0.125 + 300 * 10) / 1e6) * 1e6)
    expect(item[spendAttr('spent', 'day', now)]).toBe(K * actual)
    expect(item[spendAttr('committed', 'day', now)]).toBe(K * actual)
    expect(item[spendAttr('spent', 'month', now)]).toBe(K * actual)
    expect(item[spendAttr('spent', 'day', now)]).toBeLessThanOrEqual(limitUsd * 1e6)
  }, 60_000)
})

describe('rate limit under concurrency', () => {
  it('admits exactly rpm of 40 concurrent requests in one minute window', async () => {
    await awayFromMinuteBoundary()
    const { token } = await proxy.admin.create({ user: 'burst', policy: { rpm: 10 } })
    const results = await Promise.all(Array.from({ length: 40 }, () => send(token)))
    expect(results.filter((r) => r.status === 200)).toHaveLength(10)
    expect(results.filter((r) => r.status === 429 && r.body.includes('rate_limited'))).toHaveLength(30)
  }, 90_000)
})
