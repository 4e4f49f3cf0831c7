// The ops CLI against a running local stack (spawned `serve`), and its failure modes.
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, type ServeProcess, startServe } from '../support/cli.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'

let upstream: FakeOpenAI
let serve: ServeProcess
let dataDir: string
const local = () => ['--local', '--data-dir', dataDir]
/** oclif wraps error text at the terminal width: compare with whitespace folded. */
const flat = (text: string) => text.replace(/\s+/g, ' ')

beforeAll(async () => {
  upstream = await startFakeOpenAI()
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-cli-'))
  serve = await startServe({ dataDir, upstreamUrl: upstream.url, key: 'sk-cli-test' })
}, 60_000)
afterAll(async () => {
  await serve?.stop()
  await upstream?.close()
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

describe('serve', () => {
  it('creates a first token on an empty stack and prints paste-ready Codex setup', () => {
    const out = serve.stdout()
    expect(out).toMatch(/No tokens existed: created tok_[0-9a-f]{12}/)
    expect(out).toMatch(/Token \(shown once — store it now\): cxp_[0-9A-Za-z]{36}/)
    expect(out).toContain(`base_url = "${serve.url}/v1"`)
    expect(out).toContain('wire_api = "responses"')
    expect(out).toContain("[Environment]::SetEnvironmentVariable('CODEX_PROXY_TOKEN'")
    expect(serve.stderr()).toContain('OpenAI key: read from stdin.')
  })

  it('answers /healthz with its version', async () => {
    const res = await fetch(`${serve.url}/healthz`)
    expect(await res.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
  })
})

describe('tokens', () => {
  let carol: { token: string; token_id: string }

  it('add --json returns the token, its id and the setup for the local URL', async () => {
    const r = await cli(['tokens', 'add', 'carol', '--team', 'ml', '--note', 'laptop', ...local(), '--json'])
    expect(r.code, r.stderr).toBe(0)
    carol = JSON.parse(r.stdout)
    expect(carol).toMatchObject({ user_id: 'carol', team: 'ml', proxy_url: serve.url, token: expect.stringMatching(/^cxp_/), token_id: expect.stringMatching(/^tok_/) })
    expect(JSON.parse(r.stdout).setup.config_toml).toContain('env_key = "CODEX_PROXY_TOKEN"')
  })

  it('the new token works against the proxy at once', async () => {
    const res = await fetch(`${serve.url}/v1/models`, { headers: { authorization: `Bearer ${carol.token}` } })
    expect(res.status).toBe(200)
  })

  it('list shows ids and owners, never tokens', async () => {
    const human = await cli(['tokens', 'list', ...local()])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(carol.token_id)
    expect(human.stdout).not.toContain(carol.token)
    const json = JSON.parse((await cli(['tokens', 'list', '--user', 'carol', ...local(), '--json'])).stdout)
    expect(json).toEqual([expect.objectContaining({ token_id: carol.token_id, user_id: 'carol', team: 'ml', enabled: true, note: 'laptop' })])
  })

  it('show by token id prints the policy', async () => {
    const r = await cli(['tokens', 'show', carol.token_id, ...local()])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('user:     carol')
    expect(r.stdout).toContain('models:   all')
  })

  it('disable by token id refuses the token; enable restores it', async () => {
    const d = await cli(['tokens', 'disable', carol.token_id, ...local(), '--json'])
    expect(JSON.parse(d.stdout)).toEqual([expect.objectContaining({ token_id: carol.token_id, enabled: false })])
    const e = await cli(['tokens', 'enable', carol.token_id, ...local()])
    expect(e.stdout).toContain(`enabled ${carol.token_id}`)
  })

  it('rotate prints a new token and disables the old one', async () => {
    const r = await cli(['tokens', 'rotate', carol.token_id, ...local(), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const rotated = JSON.parse(r.stdout)
    expect(rotated).toMatchObject({ replaced: carol.token_id, user_id: 'carol' })
    const list = JSON.parse((await cli(['tokens', 'list', '--user', 'carol', ...local(), '--json'])).stdout) as { token_id: string; enabled: boolean }[]
    expect(list.find((t) => t.token_id === carol.token_id)?.enabled).toBe(false)
    expect(list.find((t) => t.token_id === rotated.token_id)?.enabled).toBe(true)
  })

  it('delete needs --yes', async () => {
    const refused = await cli(['tokens', 'delete', 'carol', ...local()])
    expect(refused.code).toBe(1)
    expect(flat(refused.stderr)).toContain('re-run with --yes')
    const done = await cli(['tokens', 'delete', 'carol', ...local(), '--yes', '--json'])
    expect(JSON.parse(done.stdout)).toHaveLength(2)
  })

  it('fails with exit 1 and a hint for an unknown user or token id', async () => {
    const r = await cli(['tokens', 'disable', 'nobody', ...local()])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('no token matches "nobody"')
  })

  it('refuses an invalid user name', async () => {
    const r = await cli(['tokens', 'add', 'bad name', ...local()])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('is not valid')
  })

  it('refuses a user id that looks like a token id (tokens show/disable on it would hit that token)', async () => {
    const r = await cli(['tokens', 'add', 'tok_e7b710353fba', ...local()])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('"tok_" starts token ids')
  })
})

// gpt-5.1-codex is priced as gpt-5.1 by the price table: $1.25 input, $0.125 cached
// input, $10 output per million tokens. Per request (fake upstream usage): 200 uncached +
// 1000 cached input, 300 output (reasoning included) → 0.00025 + 0.000125 + 0.003.
const DAVE_COST_USD = 3 * 0.003375

describe('report usage', () => {
  beforeAll(async () => {
    const { token } = JSON.parse((await cli(['tokens', 'add', 'dave', '--team', 'web', ...local(), '--json'])).stdout)
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${serve.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-5.1-codex', input: 'x', stream: true }),
      })
      await res.text()
    }
    await new Promise((r) => setTimeout(r, 300))
  })

  it('--json gives rows per user with token counts', async () => {
    const r = await cli(['report', 'usage', ...local(), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.rows.find((x: { user_id: string }) => x.user_id === 'dave')).toEqual({
      user_id: 'dave',
      requests: 3,
      input_tokens: 3600,
      cached_input_tokens: 3000,
      output_tokens: 900,
      reasoning_tokens: 360,
      total_tokens: 4500,
      cost_usd: DAVE_COST_USD,
      unpriced_requests: 0,
    })
  })

  it('--by team --format csv prints a CSV table', async () => {
    const r = await cli(['report', 'usage', ...local(), '--by', 'team', '--format', 'csv'])
    expect(r.stdout.split('\n')[0]).toBe('team,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,total_tokens,cost_usd,unpriced_requests')
    expect(r.stdout).toContain(`web,3,3600,3000,900,360,4500,${DAVE_COST_USD},0`)
  })

  it('prints a table for humans', async () => {
    const r = await cli(['report', 'usage', ...local(), '--by', 'model'])
    expect(r.stdout).toContain('Usage by model')
    expect(r.stdout).toContain('gpt-5.1-codex')
  })

  it('rejects a malformed --since', async () => {
    const r = await cli(['report', 'usage', ...local(), '--since', 'yesterday'])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('is not a time')
  })
})

describe('targets', () => {
  it('--local without a running stack fails with how to start it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cxp-empty-'))
    const r = await cli(['tokens', 'list', '--local', '--data-dir', empty])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('no local codex-proxy stack is running')
    expect(flat(r.stderr)).toContain('npm start')
  })

  it('no target at all fails with the ways to name one', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cxp-empty-'))
    const r = await cli(['tokens', 'list', '--data-dir', empty], { env: { CODEX_PROXY_TABLE: '', CODEX_PROXY_BUCKET: '' } })
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('no target')
  })

  it('a stack-outputs file that is not JSON fails clearly', async () => {
    const file = join(dataDir, 'bad-outputs.json')
    await writeFile(file, 'not json')
    const r = await cli(['tokens', 'list', '--stack-outputs', file])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('is not JSON')
  })

  it('--help shows examples', async () => {
    const r = await cli(['tokens', 'add', '--help'])
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('codex-proxy tokens add alice --local')
  })
})

describe('policies', () => {
  it('tokens add sets limits that tokens show reports with spend', async () => {
    const r = await cli(['tokens', 'add', 'erin', '--team', 'ml', '--models', 'gpt-5*,o4-mini', '--rpm', '30', '--budget-daily', '20', '--budget-monthly', '300', '--soft', ...local(), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const { token } = JSON.parse(r.stdout)
    const res = await fetch(`${serve.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.1-codex', input: 'x' }),
    })
    expect(res.status).toBe(200)
    await new Promise((r) => setTimeout(r, 300))
    const shown = JSON.parse((await cli(['tokens', 'show', 'erin', ...local(), '--json'])).stdout)[0]
    expect(shown).toMatchObject({ models: ['gpt-5*', 'o4-mini'], rpm: 30, budget_daily_usd: 20, budget_monthly_usd: 300, budget_mode: 'soft' })
    // The token's budgets are its own (level key); the user and team levels are counted too.
    expect(shown.spend[0]).toMatchObject({ level: 'key', id: shown.token_id, day: { spent_usd: 0.003375, limit_usd: 20, requests: 1 } })
    expect(shown.spend[1]).toMatchObject({ level: 'user', id: 'erin', week: { spent_usd: 0.003375, limit_usd: null } })
    expect(shown.spend[2]).toMatchObject({ level: 'team', id: 'ml', month: { spent_usd: 0.003375, limit_usd: null } })
    const human = await cli(['tokens', 'show', 'erin', ...local()])
    expect(human.stdout).toContain('models:   gpt-5*, o4-mini')
    expect(human.stdout).toContain(`spend (key ${shown.token_id}): today $0.0034 of $20`)
  })

  it('a disallowed model is refused once the allow-list is set with tokens update', async () => {
    const { token } = JSON.parse((await cli(['tokens', 'add', 'frank', ...local(), '--json'])).stdout)
    const updated = await cli(['tokens', 'update', 'frank', '--models', 'o4-mini', ...local(), '--json'])
    expect(JSON.parse(updated.stdout)[0].models).toEqual(['o4-mini'])
    await new Promise((r) => setTimeout(r, 5_200)) // token cache TTL of this server (default 5 s)
    const res = await fetch(`${serve.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.1-codex', input: 'x' }),
    })
    expect(res.status).toBe(403)
    expect((await res.json()).error.message).toBe('model not allowed: gpt-5.1-codex is not allowed for frank (allowed: o4-mini)')
    const cleared = await cli(['tokens', 'update', 'frank', '--models', 'all', ...local(), '--json'])
    expect(JSON.parse(cleared.stdout)[0].models).toBeNull()
  }, 30_000)

  it('teams set, list and show a team policy', async () => {
    const set = await cli(['teams', 'set', 'ml', '--budget-monthly', '500', '--rpm', '100', ...local(), '--json'])
    expect(JSON.parse(set.stdout)).toEqual({ team: 'ml', budget_monthly_usd: 500, rpm: 100 })
    const list = JSON.parse((await cli(['teams', 'list', ...local(), '--json'])).stdout)
    expect(list).toContainEqual({ team: 'ml', budget_monthly_usd: 500, rpm: 100 })
    const show = JSON.parse((await cli(['teams', 'show', 'ml', ...local(), '--json'])).stdout)
    expect(show.members.map((m: { user_id: string }) => m.user_id)).toContain('erin')
    expect(show.spend.month.limit_usd).toBe(500)
  })

  it.each([
    [['--rpm', '1.5'], '--rpm must be a positive whole number'],
    [['--budget-daily', '-3'], '--budget-daily must be a positive number'],
    [['--models', 'gpt 5'], 'invalid character'],
    [['--warn-percent', '150'], 'up to 100'],
  ])('refuses %j with a clear message', async (flags, message) => {
    const r = await cli(['tokens', 'add', 'gina', ...flags, ...local()])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain(message)
  })

  it('update without changes says what it can change', async () => {
    const r = await cli(['tokens', 'update', 'erin', ...local()])
    expect(r.code).toBe(1)
    expect(flat(r.stderr)).toContain('nothing to change')
  })
})

describe('secret detection', () => {
  const LEAK = 'AKIAFAKE2QZLNW6XY7AB' // fake, base32 like real AWS key ids
  const leakyRequest = (url: string, token: string) =>
    fetch(`${url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.1-codex', input: [{ type: 'function_call_output', call_id: 'c1', output: `AWS_ACCESS_KEY_ID=${LEAK}` }] }),
    })

  it('report secrets summarises findings per rule without the secret', async () => {
    const { token } = JSON.parse((await cli(['tokens', 'add', 'hank', ...local(), '--json'])).stdout)
    for (let i = 0; i < 2; i++) expect((await leakyRequest(serve.url, token)).status).toBe(200) // flag mode: forwarded
    await new Promise((r) => setTimeout(r, 300))
    const r = await cli(['report', 'secrets', ...local(), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain(LEAK)
    const report = JSON.parse(r.stdout)
    expect(report.rows.find((x: { rule_id: string }) => x.rule_id === 'aws-access-key-id')).toMatchObject({ findings: 2, requests: 2, distinct_secrets: 1, blocked_requests: 0, users: 1 })
    const byUser = JSON.parse((await cli(['report', 'secrets', ...local(), '--by', 'user', '--json'])).stdout)
    expect(byUser.rows.find((x: { user_id: string }) => x.user_id === 'hank')).toMatchObject({ findings: 2, rules: 1 })
  })

  it('serve --secret-scan block refuses a request carrying a credential', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxp-block-'))
    const blocking = await startServe({ dataDir: dir, upstreamUrl: upstream.url, key: 'sk-x', args: ['--secret-scan', 'block'] })
    try {
      expect(blocking.stderr()).toContain('secret scan: block')
      const { token } = JSON.parse((await cli(['tokens', 'add', 'ivan', '--local', '--data-dir', dir, '--json'])).stdout)
      const before = upstream.requests.length
      const res = await leakyRequest(blocking.url, token)
      expect(res.status).toBe(400)
      expect((await res.json()).error.message).toContain('aws-access-key-id in input[0] (function_call_output)')
      expect(upstream.requests.length).toBe(before)
    } finally {
      await blocking.stop()
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    }
  })

  it('tokens add --secret-scan sets a per-token mode and rejects unknown modes', async () => {
    const ok = JSON.parse((await cli(['tokens', 'add', 'jane', '--secret-scan', 'redact', ...local(), '--json'])).stdout)
    expect(JSON.parse((await cli(['tokens', 'show', ok.token_id, ...local(), '--json'])).stdout)[0].secret_scan).toBe('redact')
    const bad = await cli(['tokens', 'add', 'jane', '--secret-scan', 'loud', ...local()])
    expect(bad.code).toBe(1)
    expect(flat(bad.stderr)).toContain('--secret-scan must be one of off, flag, redact, block')
  })
})

describe('serve options', () => {
  it('--http-shutdown: GET /shutdown stops the server with exit code 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxp-shutdown-'))
    const s = await startServe({ dataDir: dir, upstreamUrl: upstream.url, args: ['--http-shutdown'] })
    const res = await fetch(`${s.url}/shutdown`)
    expect(res.status).toBe(200)
    expect(await s.stop()).toBe(0)
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  it('stops on SIGTERM after a clean shutdown, even when the key was piped in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxp-stop-'))
    const s = await startServe({ dataDir: dir, upstreamUrl: upstream.url, key: 'sk-piped' })
    expect(existsSync(join(dir, 'stack.json'))).toBe(true)
    expect(await s.stop()).toBe(0)
    expect(() => process.kill(s.pid, 0)).toThrow()
    expect(existsSync(join(dir, 'stack.json'))).toBe(false) // removed by the orderly close
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  it('without --http-shutdown, /shutdown is just an unauthenticated request', async () => {
    const res = await fetch(`${serve.url}/shutdown`)
    expect(res.status).toBe(401)
  })

  it('runs on given DynamoDB tables and S3 bucket instead of the embedded stores', async () => {
    const { startTestStores } = await import('../support/stores.js')
    const { TokenAdmin } = await import('../../lambda/src/stores/token-admin.js')
    const { scanAuditRecords } = await import('../../ops-cli/src/lib/audit-scan.js')
    const stores = await startTestStores()
    const dir = await mkdtemp(join(tmpdir(), 'cxp-aws-'))
    const s = await startServe({
      dataDir: dir,
      upstreamUrl: upstream.url,
      key: 'sk-aws-mode',
      args: ['--table', stores.names.tokensTable, '--usage-table', stores.names.usageTable, '--bucket', stores.names.bucket, '--region', 'us-east-1'],
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: stores.target.local!.dynamodbEndpoint,
        AWS_ENDPOINT_URL_S3: stores.target.local!.s3Endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        CODEX_PROXY_S3_FORCE_PATH_STYLE: 'true',
      },
    })
    try {
      const { token } = await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'aws-mode' })
      const res = await fetch(`${s.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-5.1-codex', input: 'hi' }),
      })
      expect(res.status).toBe(200)
      const id = res.headers.get('x-codex-proxy-request-id')
      // The record is written after the response: poll for it (audit v2 writes several objects).
      const seen: string[] = []
      for (let i = 0; i < 100 && !seen.includes(id!); i++) {
        await new Promise((r) => setTimeout(r, 100))
        seen.length = 0
        await scanAuditRecords({ s3: stores.s3, bucket: stores.names.bucket, from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void seen.push(r.request_id) })
      }
      expect(seen).toContain(id)
      expect(s.stderr()).toContain(`AWS ${stores.names.tokensTable}, s3://${stores.names.bucket}`)
    } finally {
      await s.stop()
      await stores.close()
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    }
  })
})
