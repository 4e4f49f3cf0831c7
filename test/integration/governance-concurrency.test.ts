// Rate limits and budgets under concurrency, through the local host (node:http + the
// embedded dynalite/s3rver stores), with many parallel clients.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { fromMicroUsd, type Level, ORG_ID, type Period, spendAttr, spendItemKey } from '../../lambda/src/contracts/counters.js'
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
const send = (token: string, headers: Record<string, string> = {}) =>
  fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: BODY }).then(async (r) => ({
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

describe('hard budget under concurrency, at every level', () => {
  // Each level with one period's hard budget worth just under K+1 reservations, and
  // nothing else limited: 100 concurrent requests must give exactly K admissions, and
  // after settlement the level's counters must hold exactly K actual costs. Requests are
  // spread over several tokens (and users) wherever the level spans them.
  const estimate = () => Math.ceil(estimateCostUsd(createPricer(), { model: 'gpt-5.1-codex', bodyBytes: Buffer.byteLength(BODY), maxOutputTokens: null }, new Date()) * 1e6)
  const actual = Math.round(((200 * 1.25 + 1000 * 0.125 + 300 * 10) / 1e6) * 1e6)
  const K = 7
  const counters = () => new DynamoCounterStore(dynamoHttpFor(proxy.target), proxy.names.usageTable)
  const itemOf = async (level: Level, id: string, period: Period) => (await counters().get([spendItemKey(level, id, period, new Date())])).get(spendItemKey(level, id, period, new Date())) ?? {}

  /** The item once it has counted `requests` settled requests (or after 20 s). */
  async function settledItem(level: Level, id: string, period: Period, requests: number) {
    const now = new Date()
    let item = await itemOf(level, id, period)
    for (let waited = 0; (item[spendAttr('requests', period, now)] ?? 0) < requests && waited < 20_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100))
      item = await itemOf(level, id, period)
    }
    return item
  }

  async function race(level: Level, id: string, period: Period, tokens: string[], headers: Record<string, string> = {}, before = { micro: 0, requests: 0 }) {
    holdUpstream()
    let answered = 0
    const pending = Array.from({ length: 100 }, (_, i) => send(tokens[i % tokens.length]!, headers).finally(() => (answered += 1)))
    // The refused ones answer without waiting for the upstream: once 100 − K are back, let the
    // K held ones finish (settling lowers `committed` to the actual cost, which would make
    // room for late admissions). A broken limit admits more than K: then fewer come back,
    // and after the wait the assertions below fail.
    for (let waited = 0; answered < 100 - K && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50))
    release()
    const results = await Promise.all(pending)
    const statuses = JSON.stringify(results.reduce<Record<number, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {}))
    expect(results.filter((r) => r.status === 200), statuses).toHaveLength(K)
    const refused = results.filter((r) => r.status === 429)
    expect(refused).toHaveLength(100 - K)
    for (const r of refused) expect(JSON.parse(r.body).error.message).toContain(`budget exceeded: ${level} ${id} `)

    // After settlement (after each response, in the background) the level's counters hold
    // the actual spend of the K served requests: wait for the last one to land.
    const now = new Date()
    const expected = before.micro + K * actual
    const item = await settledItem(level, id, period, before.requests + K)
    expect(expected).toBeLessThanOrEqual(Math.round(limitFor(before.micro) * 1e6))
    expect(item[spendAttr('spent', period, now)]).toBe(expected)
    expect(item[spendAttr('committed', period, now)]).toBe(expected)
    expect(item[spendAttr('requests', period, now)]).toBe(before.requests + K)
  }
  const limitFor = (already = 0) => fromMicroUsd(already + estimate() * K + Math.floor(estimate() / 2))

  it('key: one token\'s daily budget', async () => {
    const { token, item } = await proxy.admin.create({ user: 'racer', policy: { budget_daily_usd: limitFor() } })
    await race('key', item.token_id, 'day', [token])
    // The user level counted the same spend without a budget.
    expect((await settledItem('user', 'racer', 'day', K))[spendAttr('spent', 'day', new Date())]).toBe(K * actual)
  }, 60_000)

  it('user: a weekly budget across three tokens of the user', async () => {
    await proxy.admin.setBudgets('user', 'multi', { budget_weekly_usd: limitFor() })
    const tokens = await Promise.all([1, 2, 3].map(async () => (await proxy.admin.create({ user: 'multi' })).token))
    await race('user', 'multi', 'week', tokens)
  }, 60_000)

  it('team: a monthly budget across users of the team', async () => {
    await proxy.admin.setTeam('racers', { budget_monthly_usd: limitFor() })
    const tokens = await Promise.all(['t1', 't2', 't3', 't4'].map(async (user) => (await proxy.admin.create({ user, team: 'racers' })).token))
    await race('team', 'racers', 'month', tokens)
  }, 60_000)

  it('tag: a daily budget across users sending the tag', async () => {
    await proxy.admin.setBudgets('tag', 'race-x', { budget_daily_usd: limitFor() })
    const tokens = await Promise.all(['g1', 'g2'].map(async (user) => (await proxy.admin.create({ user, policy: { tags: ['race-*'] } })).token))
    await race('tag', 'race-x', 'day', tokens, { 'x-codex-proxy-tag': 'race-x' })
  }, 60_000)

  // Last: the org budget covers every request of the deployment, these tests' included.
  it('org: the deployment\'s weekly budget across users and teams', async () => {
    // The four races above served 4 K requests, all counted at the org level too.
    const org = await settledItem('org', ORG_ID, 'week', 4 * K)
    const now = new Date()
    // Everything before settled at its actual cost: spent equals committed.
    const already = { micro: org[spendAttr('committed', 'week', now)] ?? 0, requests: org[spendAttr('requests', 'week', now)] ?? 0 }
    expect(org[spendAttr('spent', 'week', now)] ?? 0).toBe(already.micro)
    await proxy.admin.setBudgets('org', ORG_ID, { budget_weekly_usd: limitFor(already.micro) })
    const tokens = await Promise.all(['o1', 'o2', 'o3'].map(async (user, i) => (await proxy.admin.create({ user, ...(i === 0 && { team: 'racers-2' }) })).token))
    try {
      await race('org', ORG_ID, 'week', tokens, {}, already)
    } finally {
      await proxy.admin.setBudgets('org', ORG_ID, { budget_weekly_usd: null })
    }
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
