// Token and audit storage against real dynalite and s3rver.
import { gunzipSync } from 'node:zlib'
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { hashToken, isWellFormedToken, tokenIdFromHash } from '../../lambda/src/contracts/token.js'
import { DynamoTokenStore } from '../../lambda/src/stores/dynamo-token-store.js'
import { ResilientAuditSink } from '../../lambda/src/stores/resilient-audit-sink.js'
import { S3AuditSink } from '../../lambda/src/stores/s3-audit-sink.js'
import { TokenAdmin, TokenAdminError } from '../../lambda/src/stores/token-admin.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { CountingMetrics } from '../support/memory-ports.js'
import { sampleRecord } from '../support/records.js'
import { startTestStores, type TestStores } from '../support/stores.js'

let t: TestStores
let admin: TokenAdmin
let store: DynamoTokenStore

beforeAll(async () => {
  t = await startTestStores()
  admin = new TokenAdmin(t.doc, t.names.tokensTable)
  store = new DynamoTokenStore(t.dynamo, t.names.tokensTable)
})
afterAll(async () => {
  await t.close()
})

describe('token admin and lookup (dynalite)', () => {
  it('stores only the hash: the item key and id derive from SHA-256 of the token', async () => {
    const { token, item } = await admin.create({ user: 'u-hash' })
    expect(isWellFormedToken(token)).toBe(true)
    expect(item.pk).toBe(`token#${hashToken(token)}`)
    expect(item.token_id).toBe(tokenIdFromHash(hashToken(token)))
    expect(JSON.stringify(item)).not.toContain(token)
  })

  it('looks up an enabled token by its hash', async () => {
    const { token } = await admin.create({ user: 'u-lookup', team: 'eng' })
    expect(await store.lookup(hashToken(token))).toMatchObject({ user_id: 'u-lookup', team: 'eng' })
  })

  it('returns nothing for an unknown hash', async () => {
    expect(await store.lookup('0'.repeat(64))).toBeUndefined()
  })

  it("disables all of a user's tokens by user id, and re-enables them", async () => {
    const a = await admin.create({ user: 'u-multi' })
    const b = await admin.create({ user: 'u-multi' })
    const disabled = await admin.setEnabled(await admin.resolve('u-multi'), false)
    expect(disabled.map((i) => i.enabled)).toEqual([false, false])
    expect(await store.lookup(hashToken(a.token))).toBeUndefined()
    expect(await store.lookup(hashToken(b.token))).toBeUndefined()
    await admin.setEnabled(await admin.resolve('u-multi'), true)
    expect(await store.lookup(hashToken(a.token))).toBeDefined()
  })

  it('resolves a single token by its token id', async () => {
    await admin.create({ user: 'u-id' })
    const { item } = await admin.create({ user: 'u-id' })
    const found = await admin.resolve(item.token_id)
    expect(found.map((i) => i.token_id)).toEqual([item.token_id])
  })

  it('rotates a token: new token, same owner and policy, old one disabled', async () => {
    const { token: oldToken, item } = await admin.create({ user: 'u-rot', team: 'ml', note: 'laptop', policy: { rpm: 30, models: ['gpt-5*'] } })
    const rotated = await admin.rotate(item)
    expect(rotated.token).not.toBe(oldToken)
    expect(rotated.item).toMatchObject({ user_id: 'u-rot', team: 'ml', note: 'laptop', rpm: 30, models: ['gpt-5*'], rotated_from: item.token_id, enabled: true })
    expect(await store.lookup(hashToken(oldToken))).toBeUndefined()
    expect(await store.lookup(hashToken(rotated.token))).toMatchObject({ user_id: 'u-rot', rpm: 30 })
  })

  it('deletes tokens', async () => {
    const { token, item } = await admin.create({ user: 'u-del' })
    await admin.delete([item])
    expect(await admin.resolve(item.token_id)).toEqual([])
    expect(await store.lookup(hashToken(token))).toBeUndefined()
  })

  it('lists tokens across pages of a scan', async () => {
    for (let i = 0; i < 30; i++) await admin.create({ user: `bulk-${i}` })
    const all = await admin.list()
    expect(all.filter((i) => i.user_id.startsWith('bulk-'))).toHaveLength(30)
  })

  it.each(['', 'has space', '../x', 'a'.repeat(200), '-leading-dash'])('refuses the user name %j', async (user) => {
    await expect(admin.create({ user })).rejects.toThrow(TokenAdminError)
  })
})

describe('budget items (dynalite)', () => {
  it('brings the user, team and org budgets with the caller, and a tag\'s on request', async () => {
    const { token } = await admin.create({ user: 'u-levels', team: 'lv', policy: { budget_daily_usd: 1, tags: ['p-*'] } })
    await admin.setTeam('lv', { budget_monthly_usd: 30 })
    await admin.setBudgets('user', 'u-levels', { budget_weekly_usd: 7, budget_mode: 'soft' })
    await admin.setBudgets('org', 'ignored', { budget_monthly_usd: 5000, budget_warn_percent: 60 })
    await admin.setBudgets('tag', 'p-x', { budget_daily_usd: 2 })
    const caller = await store.lookup(hashToken(token))
    expect(caller).toMatchObject({
      budget_daily_usd: 1,
      tags: ['p-*'],
      team_policy: { budget_monthly_usd: 30 },
      user_policy: { budget_weekly_usd: 7, budget_mode: 'soft' },
      org_policy: { budget_monthly_usd: 5000, budget_warn_percent: 60 },
    })
    expect(await store.tagPolicy('p-x')).toEqual({ budget_daily_usd: 2 })
    expect(await store.tagPolicy('p-unknown')).toBeUndefined()
    // The user item is not a token: the by_user index and token listings do not see it.
    expect((await admin.list('u-levels')).map((i) => i.kind)).toEqual(['token'])
    expect(await admin.getBudgets('org', 'anything')).toMatchObject({ kind: 'org', name: 'deployment' })
    await admin.setBudgets('org', 'x', { budget_monthly_usd: null, budget_warn_percent: null })
    expect((await store.lookup(hashToken(token)))!.org_policy).toEqual({})
  })

  it('refuses a tag or user name that could not be a key', async () => {
    await expect(admin.setBudgets('tag', 'has space', { budget_daily_usd: 1 })).rejects.toThrow(TokenAdminError)
    await expect(admin.setBudgets('user', '#bad', { budget_daily_usd: 1 })).rejects.toThrow(TokenAdminError)
  })
})

describe('audit records in S3 (s3rver)', () => {
  it('writes gzip JSON at logs/year=/month=/day=/<id>.json.gz', async () => {
    const record = sampleRecord({ request_id: '01JDAUDITWRITE000000000001', timestamp: '2026-11-21T10:11:12.000Z' })
    await new S3AuditSink(t.s3, t.names.bucket).write(record)
    const object = await t.s3.send(new GetObjectCommand({ Bucket: t.names.bucket, Key: 'logs/year=2026/month=11/day=21/01JDAUDITWRITE000000000001.json.gz' }))
    const bytes = await object.Body!.transformToByteArray()
    expect(JSON.parse(gunzipSync(bytes).toString('utf8'))).toEqual(record)
  })

  it('falls back to one marked log line and counts a failure when S3 refuses', async () => {
    const lines: string[] = []
    const metrics = new CountingMetrics()
    const sink = new ResilientAuditSink(new S3AuditSink(t.s3, 'no-such-bucket'), (l) => lines.push(l), metrics)
    const record = sampleRecord({ request_id: '01JDFALLBACK00000000000001' })
    await sink.write(record)
    expect(metrics.count('AuditWriteFailures')).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]!.startsWith('CODEX_PROXY_AUDIT_FALLBACK {')).toBe(true)
    expect(JSON.parse(lines[0]!.slice('CODEX_PROXY_AUDIT_FALLBACK '.length)).record).toEqual(record)
  })

  it('scans records back newest first within a time range', async () => {
    const ids = ['01JDSCAN000000000000000001', '01JDSCAN000000000000000002', '01JDSCAN000000000000000003']
    for (const [i, id] of ids.entries()) {
      await new S3AuditSink(t.s3, t.names.bucket).write(sampleRecord({ request_id: id, timestamp: `2026-10-0${i + 1}T12:00:00.000Z` }))
    }
    const seen: AuditRecord[] = []
    await scanAuditRecords({ s3: t.s3, bucket: t.names.bucket, from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z'), onRecord: (r) => void seen.push(r) })
    expect(seen.map((r) => r.request_id)).toEqual([ids[1], ids[0]])
  })

  it('stops a bounded scan after maxRecords', async () => {
    let n = 0
    const result = await scanAuditRecords({ s3: t.s3, bucket: t.names.bucket, from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-03T23:59:59Z'), maxRecords: 1, onRecord: () => void n++ })
    expect(n).toBe(1)
    expect(result.read).toBe(1)
  })

  it('keeps the bucket listing free of tokens (keys are request ids only)', async () => {
    const { Contents } = await t.s3.send(new ListObjectsV2Command({ Bucket: t.names.bucket, Prefix: 'logs/' }))
    for (const o of Contents ?? []) expect(o.Key).toMatch(/^logs\/year=\d{4}\/month=\d{2}\/day=\d{2}\/[0-9A-Z]+\.json\.gz$/)
  })
})
