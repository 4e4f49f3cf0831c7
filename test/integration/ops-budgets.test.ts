// Budgets end to end through `codex-proxy serve` (a real child process with its embedded
// stores) and the CLI: org/user/tag budgets set with the CLI, tagged requests, refusals that
// name the level, headers, alerts to a real loopback webhook (`serve --alert-webhook`), and
// `report budgets`.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebhookBody } from '../../lambda/src/alerts/webhook-alert-sink.js'
import { cli, type ServeProcess, startServe } from '../support/cli.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'

let upstream: FakeOpenAI
let serve: ServeProcess
let dataDir: string
let hook: Server
const alerts: WebhookBody[] = []
const local = () => ['--local', '--data-dir', dataDir]
const TOKEN_CACHE_MS = 5_200

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      alerts.push(JSON.parse(body) as WebhookBody)
      res.end('ok')
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  upstream = await startFakeOpenAI()
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-budgets-'))
  serve = await startServe({ dataDir, upstreamUrl: upstream.url, key: 'sk-test', args: ['--alert-webhook', `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`] })
}, 60_000)
afterAll(async () => {
  await serve?.stop()
  await upstream?.close()
  hook?.closeAllConnections()
  await new Promise((r) => hook?.close(r))
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

const ask = (token: string, headers: Record<string, string> = {}, stream = false) =>
  fetch(`${serve.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-5.1-codex', input: 'x', stream }),
  })
// Fake upstream usage per request: 1200 input (1000 cached), 300 output at gpt-5.1 prices.
const COST = 0.003375

describe('budgets through serve and the CLI', () => {
  it('sets every level from the CLI, refuses by the level that is spent, alerts once, and reports', async () => {
    const added = await cli(['tokens', 'add', 'dana', '--team', 'data', '--tags', 'proj-*', ...local(), '--json'])
    expect(added.code, added.stderr).toBe(0)
    const { token, token_id } = JSON.parse(added.stdout) as { token: string; token_id: string }
    for (const args of [
      ['org', 'set', '--budget-monthly', '1000'],
      ['users', 'set', 'dana', '--budget-weekly', '500'],
      ['teams', 'set', 'data', '--budget-daily', '400'],
      // One request reserves ~$0.041 (4096 output tokens) and costs $0.003375: the first
      // fits under the tag's cap, a second reservation on top of that cost does not.
      ['tags', 'set', 'proj-x', '--budget-daily', '0.042', '--warn-percent', '50'],
    ]) {
      const r = await cli([...args, ...local(), '--json'])
      expect(r.code, r.stderr).toBe(0)
    }
    expect(JSON.parse((await cli(['tags', 'set', 'proj-y', '--budget-monthly', '9', ...local(), '--json'])).stdout)).toEqual({ level: 'tag', name: 'proj-y', budget_monthly_usd: 9 })

    // A non-streamed, tagged request: served, with its cost and the tightest budget left.
    const first = await ask(token, { 'x-codex-proxy-tag': 'proj-x' })
    expect(first.status).toBe(200)
    await first.json()
    expect(Number(first.headers.get('x-codex-proxy-cost-usd'))).toBeCloseTo(COST, 6)
    expect(first.headers.get('x-codex-proxy-budget-remaining')).toBe(`${(0.042 - COST).toFixed(6)}; level=tag; id=proj-x; period=day`)
    // Past the tag's 50 % warn share after this request: the warning header.
    expect(first.headers.get('x-codex-proxy-budget-warning')).toMatch(/^tag proj-x daily budget \d+% used/)

    // The second one's reservation would pass the tag's cap: refused, naming the tag level.
    const second = await ask(token, { 'x-codex-proxy-tag': 'proj-x' })
    expect(second.status).toBe(429)
    expect((await second.json()).error.message).toMatch(/^budget exceeded: tag proj-x daily budget of \$0\.04 reached \(\$0\.00 spent or reserved\)/)
    // Without the tag the same token is served: the tag level applies only to tagged requests.
    expect((await ask(token)).status).toBe(200)
    // An unlisted tag is refused.
    const unlisted = await ask(token, { 'x-codex-proxy-tag': 'ops' })
    expect(unlisted.status).toBe(403)
    expect((await unlisted.json()).error.code).toBe('tag_not_allowed')

    // Alerts: one warn and one cap for the tag's day, to the webhook, whatever the retries.
    await ask(token, { 'x-codex-proxy-tag': 'proj-x' })
    for (let i = 0; i < 50 && alerts.length < 2; i++) await new Promise((r) => setTimeout(r, 100))
    await new Promise((r) => setTimeout(r, 300))
    expect(alerts.map((a) => [a.alert.level, a.alert.id, a.alert.kind, a.alert.period]).sort()).toEqual([
      ['tag', 'proj-x', 'cap', 'day'],
      ['tag', 'proj-x', 'warn', 'day'],
    ])
    expect(alerts.find((a) => a.alert.kind === 'cap')!.alert.blocked).toBe(true)
    expect(alerts[0]!.text).toMatch(/^codex-proxy: tag proj-x daily budget/)

    // report budgets: every limit set above, with the spend of the two served requests.
    const report = await cli(['report', 'budgets', ...local(), '--json'])
    expect(report.code, report.stderr).toBe(0)
    const rows = (JSON.parse(report.stdout) as { rows: { level: string; id: string; period: string; spent_usd: number; limit_usd: number; status: string; forecast_usd: number }[] }).rows
    const row = (level: string, id: string, period: string) => rows.find((r) => r.level === level && r.id === id && r.period === period)
    expect(row('org', 'deployment', 'month')).toMatchObject({ limit_usd: 1000, status: 'ok' })
    expect(row('org', 'deployment', 'month')!.spent_usd).toBeGreaterThanOrEqual(2 * COST - 1e-9)
    expect(row('user', 'dana', 'week')).toMatchObject({ limit_usd: 500 })
    expect(row('user', 'dana', 'week')!.spent_usd).toBeCloseTo(2 * COST, 6)
    expect(row('team', 'data', 'day')).toMatchObject({ limit_usd: 400 })
    expect(row('tag', 'proj-x', 'day')).toMatchObject({ limit_usd: 0.042, spent_usd: COST, used_percent: 8 })
    expect(row('tag', 'proj-y', 'month')).toMatchObject({ limit_usd: 9, spent_usd: 0, forecast_usd: 0 })
    expect(rows.some((r) => r.level === 'key' && r.id === token_id)).toBe(false) // the token has no budget of its own

    const human = await cli(['report', 'budgets', ...local(), '--level', 'tag'])
    expect(human.stdout).toContain('proj-x')
    expect(human.stdout).not.toContain('deployment')
  }, 90_000)

  it('a key budget caps one token without touching the user’s other token', async () => {
    const ci = JSON.parse((await cli(['tokens', 'add', 'erik', '--budget-daily', '0.00001', ...local(), '--json'])).stdout) as { token: string; token_id: string }
    const laptop = JSON.parse((await cli(['tokens', 'add', 'erik', ...local(), '--json'])).stdout) as { token: string }
    const refused = await ask(ci.token)
    expect(refused.status).toBe(429)
    expect((await refused.json()).error.message).toContain(`key ${ci.token_id} daily budget`)
    expect(refused.headers.get('x-codex-proxy-budget-remaining')).toBe(`0.000010; level=key; id=${ci.token_id}; period=day`)
    expect((await ask(laptop.token)).status).toBe(200)
  }, 60_000)

  it('a changed org budget applies to every token within the token cache time', async () => {
    const { token } = JSON.parse((await cli(['tokens', 'add', 'fay', ...local(), '--json'])).stdout) as { token: string }
    expect((await ask(token)).status).toBe(200)
    expect((await cli(['org', 'set', '--budget-daily', '0.00001', ...local()])).code).toBe(0)
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_MS))
    const refused = await ask(token)
    expect(refused.status).toBe(429)
    expect((await refused.json()).error.message).toContain('budget exceeded: org deployment daily budget')
    expect((await cli(['org', 'set', '--budget-daily', 'none', ...local()])).code).toBe(0)
  }, 60_000)

  it('report budgets --help shows examples; bad flag values are refused clearly', async () => {
    const help = await cli(['report', 'budgets', '--help'])
    expect(help.stdout).toContain('EXAMPLES')
    expect(help.stdout).toContain('forecast')
    const bad = await cli(['tags', 'set', 'bad tag', '--budget-daily', '1', ...local()])
    expect(bad.code).toBe(1)
    expect(bad.stderr.replace(/\s+/g, ' ')).toContain('tag "bad tag" is not valid')
    const nothing = await cli(['org', 'set', ...local()])
    expect(nothing.code).toBe(1)
    expect(nothing.stderr.replace(/\s+/g, ' ')).toContain('nothing to set')
    const badTags = await cli(['tokens', 'add', 'gus', '--tags', 'a b', ...local()])
    expect(badTags.stderr.replace(/\s+/g, ' ')).toContain('--tags: "a b" is not a tag or glob')
  }, 60_000)
})
