// The real Codex CLI (@openai/codex 0.169.0) holding a multi-turn session through
// `codex-proxy serve --upstreams FILE` while its upstream account is rate-limited and comes
// back: two fake OpenAI accounts on loopback that each encrypt reasoning for their own
// org and refuse the other's (as OpenAI does), one of them rate-limited with Retry-After.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { readStackFile } from '../../lambda/src/local/stack-file.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { cli, CODEX, run, type ServeProcess, startServe } from '../support/cli.js'
import { startOrgBound } from '../support/fake-upstreams.js'

let a: Awaited<ReturnType<typeof startOrgBound>>
let b: Awaited<ReturnType<typeof startOrgBound>>
let serve: ServeProcess
let dataDir: string
let codexHome: string
let token: string

async function auditRecords(): Promise<AuditRecord[]> {
  const info = (await readStackFile(dataDir))!
  const s3 = s3Client({ local: { dynamodbEndpoint: info.dynamodb_endpoint, s3Endpoint: info.s3_endpoint } })
  const out: AuditRecord[] = []
  await scanAuditRecords({ s3, bucket: info.bucket, from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void out.push(r) })
  return out.filter((r) => r.path === '/v1/responses').sort((x, y) => (x.request_id < y.request_id ? -1 : 1))
}

/** One Codex turn in the persistent home: a new session, or `exec resume --last`. */
function codexTurn(prompt: string, resume: boolean) {
  const provider = `model_providers.cxp={name="cxp",base_url="${serve.url}/v1",wire_api="responses",env_key="CXP_TOKEN"}`
  const args = ['exec', ...(resume ? ['resume', '--last'] : []), '--skip-git-repo-check', '-c', provider, '-c', 'model_provider=cxp', '-c', 'model="gpt-5"', prompt]
  return run(CODEX, args, { cwd: codexHome, env: { CODEX_HOME: codexHome, HOME: codexHome, CXP_TOKEN: token, OPENAI_API_KEY: '', RUST_LOG: 'error' }, timeoutMs: 90_000 })
}

beforeAll(async () => {
  a = await startOrgBound('orga', 'ANSWER-FROM-ORG-A')
  b = await startOrgBound('orgb', 'ANSWER-FROM-ORG-B')
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-pool-e2e-'))
  codexHome = await mkdtemp(join(tmpdir(), 'cxp-pool-codex-'))
  const poolFile = join(dataDir, 'upstreams.json')
  await writeFile(
    poolFile,
    JSON.stringify({
      upstreams: [
        { id: 'acct-a', url: a.url, org: 'orga', key_env: 'CXP_KEY_A' },
        { id: 'acct-b', url: b.url, org: 'orgb', key_env: 'CXP_KEY_B' },
      ],
    }),
  )
  serve = await startServe({ dataDir, upstreamUrl: 'http://127.0.0.1:9', args: ['--upstreams', poolFile], env: { CXP_KEY_A: 'sk-account-a', CXP_KEY_B: 'sk-account-b' } })
  const added = await cli(['tokens', 'add', 'alice', '--local', '--data-dir', dataDir, '--json'])
  expect(added.code, added.stderr).toBe(0)
  token = JSON.parse(added.stdout).token
}, 120_000)

afterAll(async () => {
  await serve?.stop()
  await Promise.all([a?.close(), b?.close()])
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  await rm(codexHome, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

describe('a Codex session across a failover (serve --upstreams)', () => {
  let home: typeof a
  let other: typeof a
  let homeAnswer: string
  let otherAnswer: string

  it('turn 1 lands on one account, which keeps the session', async () => {
    const r = await codexTurn('turn one: say something', false)
    expect(r.code, r.stderr).toBe(0)
    const onA = a.turns === 1
    ;[home, other, homeAnswer, otherAnswer] = onA ? [a, b, 'ANSWER-FROM-ORG-A', 'ANSWER-FROM-ORG-B'] : [b, a, 'ANSWER-FROM-ORG-B', 'ANSWER-FROM-ORG-A']
    expect(a.turns + b.turns).toBe(1)
    expect(r.stdout).toContain(homeAnswer)
  }, 120_000)

  it('turn 2: the account is rate-limited (Retry-After); Codex gets the answer from the other account, without the foreign reasoning', async () => {
    home.rateLimited = { 'retry-after': '2' }
    const r = await codexTurn('turn two: and now?', true)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain(otherAnswer)
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/429|retry limit/)
    const sent = other.requests.filter((q) => q.method === 'POST').at(-1)!
    const text = sent.body.toString('utf8')
    // The history is there (turn 1's prompt and answer); the home org's reasoning is not.
    expect(text).toContain('turn one: say something')
    expect(text).toContain(homeAnswer)
    expect(text).not.toContain(`enc:${home === a ? 'orga' : 'orgb'}:`)
  }, 120_000)

  it('turn 3: the account is back; the session returns to it and its reasoning from the other account is dropped', async () => {
    home.rateLimited = null
    await new Promise((r) => setTimeout(r, 2_200)) // the proxy rests it for its Retry-After
    const r = await codexTurn('turn three: last one', true)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain(homeAnswer)
  }, 120_000)

  it('recorded every attempt, one session id throughout', async () => {
    const records = await auditRecords()
    expect(records).toHaveLength(3)
    const homeId = home === a ? 'acct-a' : 'acct-b'
    const otherId = home === a ? 'acct-b' : 'acct-a'
    expect(new Set(records.map((r) => r.client.session_id)).size).toBe(1)
    expect(records.map((r) => r.upstream_id)).toEqual([homeId, otherId, homeId])
    expect(records[1]!.upstream_attempts.map((x) => [x.upstream_id, x.status, x.stripped_reasoning])).toEqual([
      [homeId, 429, 0],
      [otherId, 200, 1],
    ])
    // Turn 3 carries the other org's reasoning (turn 2): refused once, resent without any
    // encrypted reasoning — the proxy cannot tell which org produced an item, so turn 1's
    // (the home's own) goes too: 2 items.
    expect(records[2]!.upstream_attempts.map((x) => [x.upstream_id, x.status, x.stripped_reasoning])).toEqual([
      [homeId, 400, 0],
      [homeId, 200, 2],
    ])
  })
})
