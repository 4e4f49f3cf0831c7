// Audit v2 end to end on a real local stack (dynalite + s3rver + the proxy over HTTP, a fake
// upstream): Codex-shaped sessions go through the proxy; `audit list`, `audit show`
// (byte-exact bodies, hash-checked), `report sessions`, `audit migrate` and check-origin's
// search read what it stored. v1 records are written by the v1 sink, as before audit v2.
import { createHash, generateKeyPairSync } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena'
import { mockClient } from 'aws-sdk-client-mock'
import { ulid } from 'ulid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BODIES_PREFIX, dayPartition, METADATA_PREFIX } from '../../lambda/src/contracts/audit-bodies.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { BodyWriter } from '../../lambda/src/bodies/body-writer.js'
import { ensureBucket } from '../../lambda/src/local/provision.js'
import { AuditStoreSink } from '../../lambda/src/stores/audit-store-sink.js'
import { S3AuditSink } from '../../lambda/src/stores/s3-audit-sink.js'
import { S3ObjectStore } from '../../lambda/src/stores/s3-object-store.js'
import AuditList, { type AuditList as AuditListResult } from '../../ops-cli/src/commands/audit/list.js'
import AuditMigrate, { type AuditMigration } from '../../ops-cli/src/commands/audit/migrate.js'
import AuditShow, { type AuditShow as AuditShowResult } from '../../ops-cli/src/commands/audit/show.js'
import ReportSessions, { type SessionsReport } from '../../ops-cli/src/commands/report/sessions.js'
import ReportUsage, { type UsageReport } from '../../ops-cli/src/commands/report/usage.js'
import { searchAuditRecords } from '../../ops-cli/src/lib/origin/search.js'
import { auditListSql, sessionsSql } from '../../ops-cli/src/lib/usage/athena-sessions.js'
import { codexSession } from '../support/codex-session.js'
import { runCommand } from '../support/in-process.js'
import { type OpsStack, startOpsStack } from '../support/ops-stack.js'
import { sampleRecord } from '../support/records.js'

const SESSION = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

let stack: OpsStack
let outputs: string
let token: string
const sent: { id: string; forwarded: Buffer; received: string }[] = []

async function waitForMetadata(id: string): Promise<void> {
  const s3 = s3Client(stack.proxy.target)
  for (let i = 0; i < 100; i++) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.proxy.names.bucket, Prefix: `${METADATA_PREFIX}${dayPartition(new Date())}` }))
    if (page.Contents?.some((o) => o.Key?.includes(id))) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no metadata for ${id}`)
}

async function send(body: Uint8Array, headers: Record<string, string>): Promise<{ id: string; received: string }> {
  const res = await fetch(`${stack.proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body as Uint8Array<ArrayBuffer>,
  })
  const received = await res.text()
  const id = res.headers.get('x-codex-proxy-request-id')!
  await waitForMetadata(id)
  return { id, received }
}

const json = async <T>(command: Parameters<typeof runCommand>[0], args: string[]): Promise<T> => {
  const r = await runCommand(command, [...args, '--stack-outputs', outputs, '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as T
}

beforeAll(async () => {
  stack = await startOpsStack()
  outputs = await stack.writeOutputs()
  token = (await stack.proxy.admin.create({ user: 'alice', team: 'eng' })).token
  for (const [i, turn] of codexSession(4, 3, SESSION).entries()) {
    const before = stack.upstream.requests.length
    const { id, received } = await send(turn.request, { ...turn.headers, ...(i === 3 && { 'x-openai-subagent': 'review' }) })
    sent.push({ id, forwarded: stack.upstream.requests[before]!.body, received })
  }
}, 120_000)
afterAll(() => stack?.close())

describe('audit list', () => {
  it('lists a session\'s requests in order, with turn ids and request kinds', async () => {
    const list = await json<AuditListResult>(AuditList, ['--engine', 'scan', '--session', SESSION, '--since', '1h'])
    expect(list.rows.map((r) => r.request_id)).toEqual(sent.map((s) => s.id))
    expect(list.rows.map((r) => r.turn_id)).toEqual(['turn-1', 'turn-2', 'turn-3', 'turn-4'])
    expect(list.rows.map((r) => r.request_kind)).toEqual([null, null, null, 'review'])
    expect(list.rows.every((r) => r.user_id === 'alice' && r.status === 200)).toBe(true)
  })

  it('filters by user', async () => {
    expect((await json<AuditListResult>(AuditList, ['--engine', 'scan', '--user', 'nobody', '--since', '1h'])).rows).toEqual([])
  })

  it('asks Athena for the newest --limit+1 rows of the session and shows them oldest first', async () => {
    const sql = auditListSql({ database: 'db', table: 'audit_metadata', from: new Date('2026-11-29T00:00:00Z'), to: new Date('2026-11-29T12:00:00Z'), session: SESSION, limit: 2 })
    expect(sql).toContain(`AND client.session_id = '${SESSION}'`)
    expect(sql).toContain('ORDER BY request_id DESC\nLIMIT 3')
    const scan = await json<AuditListResult>(AuditList, ['--engine', 'scan', '--session', SESSION, '--since', '1h'])
    const columns = ['request_id', 'timestamp', 'user_id', 'session_id', 'turn_id', 'request_kind', 'method', 'path', 'model', 'status', 'origin', 'error_code', 'latency_ms', 'total_tokens', 'cost_usd', 'findings']
    const athena = mockClient(AthenaClient)
    try {
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-list' })
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 100 } } })
      const newest = [...scan.rows].reverse().slice(0, 3)
      athena.on(GetQueryResultsCommand).resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns.map((Name) => ({ Name, Type: 'varchar' })) },
          Rows: [{ Data: columns.map((c) => ({ VarCharValue: c })) }, ...newest.map((r) => ({ Data: columns.map((c) => ({ VarCharValue: (r as unknown as Record<string, unknown>)[c] === null ? undefined : String((r as unknown as Record<string, unknown>)[c]) })) }))],
        },
      })
      const list = await json<AuditListResult>(AuditList, ['--session', SESSION, '--since', '1h', '--limit', '2'])
      expect(list).toMatchObject({ engine: 'athena', truncated: true, records_read: null })
      expect(list.rows).toEqual(scan.rows.slice(-2))
    } finally {
      athena.restore()
    }
  })
})

describe('audit show', () => {
  it('carries the SHA-256 of the bytes forwarded upstream and of the response received', async () => {
    const show = await json<AuditShowResult>(AuditShow, [sent[2]!.id])
    expect(show.format).toBe('v2')
    expect(show.bodies.request).toMatchObject({ sha256: sha256(sent[2]!.forwarded), bytes: sent[2]!.forwarded.byteLength, redacted: false })
    expect(show.bodies.response).toMatchObject({ sha256: sha256(sent[2]!.received), redacted: false })
    expect(show.request_headers?.authorization).toBe('[REDACTED]')
  })

  it.each([0, 1, 2, 3])('prints request %i byte-exact as forwarded, rebuilt from blocks and deltas', async (i) => {
    const r = await runCommand(AuditShow, [sent[i]!.id, '--body', 'request', '--stack-outputs', outputs])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(sent[i]!.forwarded.toString('utf8'))
    expect(r.stderr).toContain('SHA-256 verified')
  })

  it('prints the response as the raw SSE the client received', async () => {
    const r = await runCommand(AuditShow, [sent[1]!.id, '--body', 'response', '--stack-outputs', outputs])
    expect(r.stdout).toBe(sent[1]!.received)
    expect(r.stdout).toContain('event: response.completed')
  })

  it('stores the session as deltas: later body records are a fraction of the first', async () => {
    const s3 = s3Client(stack.proxy.target)
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.proxy.names.bucket, Prefix: `${BODIES_PREFIX}${dayPartition(new Date())}records/` }))
    const size = (id: string) => page.Contents!.find((o) => o.Key!.includes(id))!.Size!
    expect(size(sent[3]!.id)).toBeLessThan(size(sent[0]!.id))
  })

  it('refuses a body whose stored block was altered (hash check), exit 1', async () => {
    const s3 = s3Client(stack.proxy.target)
    const blocks = async () =>
      new Set(((await s3.send(new ListObjectsV2Command({ Bucket: stack.proxy.names.bucket, Prefix: `${BODIES_PREFIX}${dayPartition(new Date())}blocks/` }))).Contents ?? []).map((o) => o.Key!))
    const before = await blocks()
    // Another seed: instructions and tools of its own, so its blocks are its alone.
    const extra = await send(codexSession(1, 99, 'tamper-session')[0]!.request, { 'session-id': 'tamper-session' })
    const mine = [...(await blocks())].filter((k) => !before.has(k))
    expect(mine.length).toBeGreaterThan(0)
    const show = await json<AuditShowResult>(AuditShow, [extra.id])
    // Overwrite its blocks (s3rver has no Object Lock): the rebuilt body cannot match.
    for (const key of mine) await s3.send(new PutObjectCommand({ Bucket: stack.proxy.names.bucket, Key: key, Body: gzipSync('"altered"') }))
    const r = await runCommand(AuditShow, [extra.id, '--body', 'request', '--stack-outputs', outputs])
    expect(show.bodies.request?.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/does not match its hash|SHA-256/)
  })

  it('says a body was redacted, and never prints the secret', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const body = new TextEncoder().encode(JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: `my key:\n${pem}` }] }] }))
    const { id } = await send(body, { 'session-id': 'secret-session' })
    const r = await runCommand(AuditShow, [id, '--body', 'request', '--stack-outputs', outputs])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('REDACTED')
    expect(r.stdout).not.toContain(pem.split('\n')[1]!)
  })

  it('reads a v1 record (logs/) and says it has no hash to check', async () => {
    const v1 = sampleRecord({ request_id: ulid(), timestamp: new Date().toISOString(), response_body: 'event: response.completed\ndata: {"v1":true}\n\n' })
    await new S3AuditSink(s3Client(stack.proxy.target), stack.proxy.names.bucket).write(v1)
    const show = await json<AuditShowResult>(AuditShow, [v1.request_id])
    expect(show.format).toBe('v1')
    const r = await runCommand(AuditShow, [v1.request_id, '--body', 'response', '--stack-outputs', outputs])
    expect(r.stdout).toBe(v1.response_body)
    expect(r.stderr).toContain('v1 record')
  })

  it('refuses an id that is not a request id, and names where it looked for an unknown one', async () => {
    expect((await runCommand(AuditShow, ['../../etc', '--stack-outputs', outputs])).code).toBe(1)
    const r = await runCommand(AuditShow, ['01KB00000000000000000NONE0', '--stack-outputs', outputs])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no record of request 01KB00000000000000000NONE0')
  })
})

describe('report sessions', () => {
  it('gives one row per Codex session with requests, turns, kinds, tokens and time span', async () => {
    const report = await json<SessionsReport>(ReportSessions, ['--engine', 'scan', '--since', '1h', '--user', 'alice'])
    const row = report.sessions.find((s) => s.session_id === SESSION)!
    expect(row).toMatchObject({ user_id: 'alice', requests: 4, turns: 4, kinds: { review: 1 }, models: ['gpt-5.1-codex'], findings: 0, errors: 0 })
    expect(row.input_tokens).toBe(4 * 1200)
    expect(row.cost_usd).toBeGreaterThan(0)
    expect(Date.parse(row.last)).toBeGreaterThanOrEqual(Date.parse(row.first))
  })
})

describe('report sessions: the Athena engine (the Parquet metadata table of a deployed stack)', () => {
  it('queries the metadata table by session and user, one partition day past --until (Firehose arrival days)', () => {
    const sql = sessionsSql({ database: 'codex_proxy_prod', table: 'audit_metadata', from: new Date('2026-11-10T06:00:00Z'), to: new Date('2026-11-13T00:00:00Z'), user: "o'brien" })
    expect(sql).toContain('FROM "codex_proxy_prod"."audit_metadata"')
    expect(sql).toContain(`("year" = '2026' AND "month" = '11' AND "day" BETWEEN '10' AND '14')`)
    expect(sql).toContain("AND user_id = 'o''brien'")
    expect(sql).toContain('count(DISTINCT client.turn_id) AS turns')
    expect(sql).toContain('GROUP BY 1, 2')
    expect(() => sessionsSql({ database: 'd', table: 't', from: new Date(), to: new Date(), user: 'a\nb' })).toThrow(/control characters/)
  })

  it('gives the rows the scan engine gives, from Athena\'s text cells', async () => {
    const scan = await json<SessionsReport>(ReportSessions, ['--engine', 'scan', '--since', '1h'])
    const columns = ['session_id', 'user_id', 'requests', 'turns', 'first', 'last', 'models', 'kinds', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'findings', 'errors']
    const text = (r: Record<string, unknown>, c: string): string | undefined => {
      const v = r[c]
      if (v === null || v === undefined) return undefined
      if (c === 'models') return (v as string[]).join(',')
      if (c === 'kinds') return JSON.stringify(v)
      if (c === 'last') return (v as string).replace('.000Z', 'Z')
      return String(v)
    }
    const athena = mockClient(AthenaClient)
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-sessions' })
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 4096 } } })
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: columns.map((Name) => ({ Name, Type: 'varchar' })) },
        Rows: [{ Data: columns.map((c) => ({ VarCharValue: c })) }, ...scan.sessions.map((r) => ({ Data: columns.map((c) => ({ VarCharValue: text(r as unknown as Record<string, unknown>, c) })) }))],
      },
    })
    const viaAthena = await json<SessionsReport>(ReportSessions, ['--since', '1h']).finally(() => athena.restore())
    expect(viaAthena).toMatchObject({ engine: 'athena', records_read: null, athena: { query_execution_id: 'qe-sessions', data_scanned_bytes: 4096 } })
    expect(viaAthena.sessions).toEqual(scan.sessions)
    expect(viaAthena.athena!.sql).toContain('"audit_records"')
  })
})

describe('check-origin over v2 records', () => {
  it('finds them by their body records where the metadata is not in the bucket (a deployed stack: Firehose)', async () => {
    const s3 = s3Client(stack.proxy.target)
    await ensureBucket(s3, 'bodies-only')
    const objects = new S3ObjectStore(s3, 'bodies-only', 'head-then-put')
    const toFirehose: unknown[] = []
    const sink = new AuditStoreSink(new BodyWriter(objects), { put: async (m) => void toFirehose.push(m) })
    const record = sampleRecord({ request_id: ulid(), timestamp: new Date().toISOString(), response_body: 'data: {"error":{"message":"Rate limit reached for gpt-5 in organization org-x"}}\n\n' })
    await sink.write(record, { response: { stored: new TextEncoder().encode(record.response_body!), redacted: false, truncated: false } })
    expect(toFirehose).toHaveLength(1)
    const result = await searchAuditRecords({ s3, bucket: 'bodies-only', text: 'Rate limit reached for gpt-5', from: new Date(Date.now() - 3_600_000), to: new Date(), max: 10 })
    expect(result.matches).toEqual([expect.objectContaining({ request_id: record.request_id, user_id: 'alice', found_in: 'audit_record' })])
  })

  it('finds a text in the stored response bodies', async () => {
    const result = await searchAuditRecords({ s3: s3Client(stack.proxy.target), bucket: stack.proxy.names.bucket, text: 'event: response.completed', from: new Date(Date.now() - 3_600_000), to: new Date(), max: 100 })
    expect(result.matches.map((m) => m.request_id)).toEqual(expect.arrayContaining(sent.map((s) => s.id)))
  })
})

describe('audit migrate', () => {
  it('turns v1 records into metadata so that usage reports count them, once', async () => {
    const id = ulid()
    await new S3AuditSink(s3Client(stack.proxy.target), stack.proxy.names.bucket).write(sampleRecord({ request_id: id, user_id: 'migrated-user', timestamp: new Date().toISOString() }))
    const usersBefore = (await json<UsageReport>(ReportUsage, ['--engine', 'scan', '--since', '1h'])).rows.map((r) => r.user_id)
    expect(usersBefore).not.toContain('migrated-user')
    const first = await json<AuditMigration>(AuditMigrate, ['--since', '1h'])
    expect(first).toMatchObject({ migrated: 2, skipped: 0, metadata_sink: 'objects' })
    const usersAfter = (await json<UsageReport>(ReportUsage, ['--engine', 'scan', '--since', '1h'])).rows.map((r) => r.user_id)
    expect(usersAfter).toContain('migrated-user')
    expect(await json<AuditMigration>(AuditMigrate, ['--since', '1h'])).toMatchObject({ migrated: 0, skipped: 2 })
    // The migrated body reads back as the v1 text.
    const r = await runCommand(AuditShow, [id, '--body', 'request', '--stack-outputs', outputs])
    expect(r.stdout).toBe(sampleRecord().request_body)
  })
})
