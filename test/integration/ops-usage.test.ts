// `codex-proxy report usage`: both engines on one fixture set. The scan engine reads the
// fixture from s3rver (written by the proxy's S3 audit sink); the Athena engine's SQL text
// is checked clause by clause, and its result parsing runs on mocked GetQueryResults
// holding the expected rows in Athena's wire format. Both must give EXPECTED.
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena'
import { mockClient } from 'aws-sdk-client-mock'
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { BodyWriter } from '../../lambda/src/bodies/body-writer.js'
import { BODIES_PREFIX, METADATA_PREFIX } from '../../lambda/src/contracts/audit-bodies.js'
import { AuditStoreSink } from '../../lambda/src/stores/audit-store-sink.js'
import { ObjectMetadataSink } from '../../lambda/src/stores/metadata-sinks.js'
import { S3ObjectStore } from '../../lambda/src/stores/s3-object-store.js'
import ReportUsage, { type UsageReport } from '../../ops-cli/src/commands/report/usage.js'
import { partitionPredicate, usageSql } from '../../ops-cli/src/lib/usage/athena-sql.js'
import { GROUP_COLUMN, type UsageGrouping, type UsageRow } from '../../ops-cli/src/lib/usage-aggregate.js'
import { cli } from '../support/cli.js'
import { flat, runCommand } from '../support/in-process.js'
import { type OpsStack, startOpsStack } from '../support/ops-stack.js'
import { sampleRecord } from '../support/records.js'

const SINCE = '2026-11-10T06:00:00.000Z'
const UNTIL = '2026-11-13T00:00:00.000Z'
const PERIOD = ['--since', SINCE, '--until', UNTIL]

let n = 0
const record = (timestamp: string, o: Partial<AuditRecord>): AuditRecord =>
  // Request ids are ULID-like: time-ordered, unique.
  sampleRecord({ request_id: `01JD${String(Date.parse(timestamp)).padStart(14, '0')}${String(++n).padStart(8, '0')}`, timestamp, ...o })
const tokens = (input: number | null, cached: number | null, output: number | null, reasoning: number | null) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_tokens: reasoning,
  total_tokens: input === null || output === null ? null : input + output,
})

const FIXTURE: AuditRecord[] = [
  record('2026-11-10T09:00:00.000Z', { user_id: 'alice', team: 'eng', model: 'gpt-5.1-codex', ...tokens(1200, 1000, 300, 120), cost_usd: 0.003375, upstream_id: 'oa-main' }),
  record('2026-11-11T10:00:00.000Z', { user_id: 'alice', team: 'eng', model: 'gpt-5.1-codex', ...tokens(1200, 1000, 300, 120), cost_usd: 0.003375, upstream_id: 'oa-main' }),
  record('2026-11-11T23:59:59.999Z', { user_id: 'bob', team: 'eng', model: 'o4-mini', ...tokens(500, 0, 100, 50), cost_usd: 0.00099, upstream_id: 'azure-se' }),
  // Usage reported, price unknown: counted as unpriced.
  record('2026-11-12T08:00:00.000Z', { user_id: 'carol', team: null, model: 'gpt-5.1-codex', ...tokens(100, 0, 10, 0), cost_usd: null }),
  // A stream cut before usage arrived: a request without tokens or cost, not "unpriced".
  // (Every upstream failed: no upstream answered it.)
  record('2026-11-12T09:00:00.000Z', { user_id: 'dave', team: 'web', model: 'gpt-5.1-codex', usage_status: 'missing', ...tokens(null, null, null, null), cost_usd: null, upstream_id: null }),
  // Exactly at --until: inside (both ends are inclusive).
  record(UNTIL, { user_id: 'erin', team: 'web', model: 'gpt-5.1-codex', ...tokens(1000, 0, 200, 0), cost_usd: 0.0025, upstream_id: 'azure-se' }),
  // Refused before authentication: nobody's usage.
  record('2026-11-11T12:00:00.000Z', { user_id: null, team: null, token_id: null, model: null, status: 401, origin: 'proxy', error_code: 'missing_authorization', usage_status: 'none', ...tokens(null, null, null, null), cost_usd: null }),
  // In a listed day, but before --since.
  record('2026-11-10T05:59:59.999Z', { user_id: 'alice', team: 'eng', model: 'gpt-5.1-codex', ...tokens(1200, 1000, 300, 120), cost_usd: 0.003375 }),
  // A day outside the period.
  record('2026-11-14T10:00:00.000Z', { user_id: 'alice', team: 'eng', model: 'gpt-5.1-codex', ...tokens(1200, 1000, 300, 120), cost_usd: 0.003375 }),
]

const row = (key: string, k: string | null, measures: ReturnType<typeof u>): UsageRow => ({ [key]: k, ...measures })
const u = (requests: number, input: number, cached: number, output: number, reasoning: number, total: number, cost: number | null, unpriced: number) => ({
  requests,
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_tokens: reasoning,
  total_tokens: total,
  cost_usd: cost,
  unpriced_requests: unpriced,
})

/** Computed by hand from FIXTURE, in report order. */
const EXPECTED: Record<UsageGrouping, UsageRow[]> = {
  user: [
    row('user_id', 'alice', u(2, 2400, 2000, 600, 240, 3000, 0.00675, 0)),
    row('user_id', 'erin', u(1, 1000, 0, 200, 0, 1200, 0.0025, 0)),
    row('user_id', 'bob', u(1, 500, 0, 100, 50, 600, 0.00099, 0)),
    row('user_id', 'carol', u(1, 100, 0, 10, 0, 110, null, 1)),
    row('user_id', 'dave', u(1, 0, 0, 0, 0, 0, null, 0)),
  ],
  team: [
    row('team', 'eng', u(3, 2900, 2000, 700, 290, 3600, 0.00774, 0)),
    row('team', 'web', u(2, 1000, 0, 200, 0, 1200, 0.0025, 0)),
    row('team', null, u(1, 100, 0, 10, 0, 110, null, 1)),
  ],
  model: [
    row('model', 'gpt-5.1-codex', u(5, 3500, 2000, 810, 240, 4310, 0.00925, 1)),
    row('model', 'o4-mini', u(1, 500, 0, 100, 50, 600, 0.00099, 0)),
  ],
  day: [
    row('day', '2026-11-10', u(1, 1200, 1000, 300, 120, 1500, 0.003375, 0)),
    row('day', '2026-11-11', u(2, 1700, 1000, 400, 170, 2100, 0.004365, 0)),
    row('day', '2026-11-12', u(2, 100, 0, 10, 0, 110, null, 1)),
    row('day', '2026-11-13', u(1, 1000, 0, 200, 0, 1200, 0.0025, 0)),
  ],
  upstream: [
    row('upstream_id', 'oa-main', u(2, 2400, 2000, 600, 240, 3000, 0.00675, 0)),
    row('upstream_id', 'azure-se', u(2, 1500, 0, 300, 50, 1800, 0.00349, 0)),
    row('upstream_id', 'default', u(1, 100, 0, 10, 0, 110, null, 1)),
    row('upstream_id', null, u(1, 0, 0, 0, 0, 0, null, 0)),
  ],
}

/** How Athena (Trino) prints a double: Java's Double.toString, e.g. 9.9E-4 below 1e-3. */
const athenaDouble = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential().replace('e', 'E') : String(v))

const MEASURE_TYPES = [
  ['requests', 'bigint'],
  ['input_tokens', 'bigint'],
  ['cached_input_tokens', 'bigint'],
  ['output_tokens', 'bigint'],
  ['reasoning_tokens', 'bigint'],
  ['total_tokens', 'bigint'],
  ['cost_usd', 'double'],
  ['unpriced_requests', 'bigint'],
] as const

/** GetQueryResults pages for these rows: header row first, rows in Athena's arbitrary order. */
function athenaPages(rows: UsageRow[], by: UsageGrouping, pageSize = 2): Omit<GetQueryResultsCommandOutput, '$metadata'>[] {
  const key = GROUP_COLUMN[by]
  const columns: (readonly [string, string])[] = [[key, 'varchar'], ...MEASURE_TYPES]
  const cell = (v: string | null) => (v === null ? {} : { VarCharValue: v })
  const data = [...rows].reverse().map((r) => ({
    Data: columns.map(([name, type]) => {
      const v = r[name] ?? null
      return cell(v === null ? null : type === 'double' ? athenaDouble(Number(v)) : String(v))
    }),
  }))
  const header = { Data: columns.map(([name]) => ({ VarCharValue: name })) }
  const metadata = { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type, Label: Name, CatalogName: 'hive', Nullable: 'UNKNOWN' as const })) }
  const pages: Omit<GetQueryResultsCommandOutput, '$metadata'>[] = []
  for (let i = 0; i === 0 || i < data.length; i += pageSize) {
    pages.push({ ResultSet: { Rows: [...(i === 0 ? [header] : []), ...data.slice(i, i + pageSize)], ResultSetMetadata: metadata }, NextToken: i + pageSize < data.length ? `page-${i + pageSize}` : undefined })
  }
  return pages
}

const athena = mockClient(AthenaClient)
function athenaAnswers(by: UsageGrouping, states: QueryExecutionState[] = ['SUCCEEDED']) {
  athena.reset()
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-123' })
  const polls = athena.on(GetQueryExecutionCommand)
  states.forEach((State, i) => {
    const answer = { QueryExecution: { QueryExecutionId: 'qe-123', Status: { State }, Statistics: { DataScannedInBytes: 1_234_567, EngineExecutionTimeInMillis: 900 } } }
    if (i === states.length - 1) polls.resolves(answer)
    else polls.resolvesOnce(answer)
  })
  const pages = athenaPages(EXPECTED[by], by)
  athena.on(GetQueryResultsCommand).callsFake((input: { NextToken?: string }) => pages[input.NextToken ? Number(input.NextToken.slice(5)) / 2 : 0])
}

let stack: OpsStack
let outputsFile: string

beforeAll(async () => {
  stack = await startOpsStack()
  outputsFile = await stack.writeOutputs()
  // Written as the proxy writes them (audit v2): metadata apart, bodies content-addressed.
  const objects = new S3ObjectStore(s3Client(stack.proxy.target), stack.proxy.names.bucket, 'head-then-put')
  const sink = new AuditStoreSink(new BodyWriter(objects), new ObjectMetadataSink(objects))
  const bytes = (text: string | null) => (text === null ? undefined : { stored: new TextEncoder().encode(text), redacted: false, truncated: false })
  for (const r of FIXTURE) await sink.write(r, { request: bytes(r.request_body), response: bytes(r.response_body) })
})
afterAll(() => stack?.close())
beforeEach(() => athenaAnswers('user'))

const usage = (args: string[]) => runCommand(ReportUsage, ['--stack-outputs', outputsFile, ...PERIOD, ...args])
const usageJson = async (args: string[]) => {
  const r = await usage([...args, '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as UsageReport
}

describe('report usage: the Athena SQL', () => {
  const sql = (by: UsageGrouping) => usageSql({ database: 'codex_proxy_prod', table: 'audit_records', by, from: new Date(SINCE), to: new Date(UNTIL) })

  it('is this exact query for usage by user', () => {
    expect(sql('user')).toBe(
      [
        'SELECT',
        '  user_id AS "user_id",',
        '  count(*) AS requests,',
        '  coalesce(sum(input_tokens), 0) AS input_tokens,',
        '  coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,',
        '  coalesce(sum(output_tokens), 0) AS output_tokens,',
        '  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,',
        '  coalesce(sum(total_tokens), 0) AS total_tokens,',
        '  sum(cost_usd) AS cost_usd,',
        "  count_if(cost_usd IS NULL AND usage_status = 'reported') AS unpriced_requests",
        'FROM "codex_proxy_prod"."audit_records"',
        'WHERE (',
        // One day past --until: partitions are Firehose arrival days (ARRIVAL_SLACK_MS).
        `    ("year" = '2026' AND "month" = '11' AND "day" BETWEEN '10' AND '14')`,
        '  )',
        `  AND "timestamp" BETWEEN '2026-11-10T06:00:00.000Z' AND '2026-11-13T00:00:00.000Z'`,
        '  AND user_id IS NOT NULL',
        'GROUP BY 1',
      ].join('\n'),
    )
  })

  it.each([
    ['team', '  team AS "team",'],
    ['model', '  model AS "model",'],
    ['day', '  substr("timestamp", 1, 10) AS "day",'],
    ['upstream', '  upstream_id AS "upstream_id",'],
  ] as const)('groups by %s with the scan engine\'s key', (by, clause) => {
    expect(sql(by).split('\n')[1]).toBe(clause)
  })

  it('prunes whole months by year and month, partial ones by a day range', () => {
    expect(partitionPredicate(new Date('2026-10-25T10:00:00Z'), new Date('2026-12-03T09:00:00Z'))).toBe(
      [
        `("year" = '2026' AND "month" = '10' AND "day" BETWEEN '25' AND '31')`,
        `("year" = '2026' AND "month" = '11')`,
        `("year" = '2026' AND "month" = '12' AND "day" BETWEEN '01' AND '03')`,
      ].join('\n    OR '),
    )
  })

  it('prunes across a year boundary and to a single day', () => {
    expect(partitionPredicate(new Date('2026-12-31T22:00:00Z'), new Date('2027-01-01T02:00:00Z'))).toBe(
      `("year" = '2026' AND "month" = '12' AND "day" = '31')\n    OR ("year" = '2027' AND "month" = '01' AND "day" = '01')`,
    )
  })

  it('counts a whole February as a whole month, leap year or not', () => {
    expect(partitionPredicate(new Date('2028-02-01T00:00:00Z'), new Date('2028-02-29T23:00:00Z'))).toBe(`("year" = '2028' AND "month" = '02')`)
  })

  it('refuses a database name that is not a Glue name', () => {
    expect(() => usageSql({ database: 'x"; DROP TABLE y; --', table: 'audit_records', by: 'user', from: new Date(SINCE), to: new Date(UNTIL) })).toThrow('is not a Glue name')
  })
})

describe('report usage: the scan engine on records in s3rver', () => {
  it.each(['user', 'team', 'model', 'day', 'upstream'] as const)('gives the expected rows by %s', async (by) => {
    const report = await usageJson(['--engine', 'scan', '--by', by])
    expect(report.rows).toEqual(EXPECTED[by])
  })

  it('counts every record it read in the period, unauthenticated ones included', async () => {
    const report = await usageJson(['--engine', 'scan'])
    expect(report).toMatchObject({ engine: 'scan', records_read: 7, athena: null })
  })

  it('reads metadata only: every S3 object it GETs is under metadata/, none under bodies/ or logs/', async () => {
    const send = vi.spyOn(S3Client.prototype, 'send')
    try {
      await usageJson(['--engine', 'scan'])
      const gets = send.mock.calls.map(([c]) => c).filter((c) => c.constructor.name === 'GetObjectCommand').map((c) => (c.input as { Key: string }).Key)
      expect(gets.length).toBeGreaterThanOrEqual(7)
      expect(gets.every((k) => k.startsWith(METADATA_PREFIX))).toBe(true)
    } finally {
      send.mockRestore()
    }
    // The bodies are there to be read (by auditors).
    const listed = await s3Client(stack.proxy.target).send(new ListObjectsV2Command({ Bucket: stack.proxy.names.bucket, Prefix: BODIES_PREFIX }))
    expect(listed.KeyCount).toBeGreaterThan(0)
  })
})

describe('report usage: the Athena engine', () => {
  it.each(['user', 'team', 'model', 'day', 'upstream'] as const)('parses the query results into the expected rows by %s', async (by) => {
    athenaAnswers(by)
    const report = await usageJson(['--by', by])
    expect(report.rows).toEqual(EXPECTED[by])
  })

  it('gives the same rows as the scan engine for the same records', async () => {
    athenaAnswers('team')
    const viaAthena = await usageJson(['--engine', 'athena', '--by', 'team'])
    const viaScan = await usageJson(['--engine', 'scan', '--by', 'team'])
    expect(viaAthena.rows).toEqual(viaScan.rows)
  })

  it('is the default for a deployed stack, and runs the generated SQL in the workgroup and database of the stack outputs', async () => {
    athenaAnswers('model')
    const report = await usageJson(['--by', 'model'])
    expect(report.engine).toBe('athena')
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input
    expect(input).toEqual({
      QueryString: usageSql({ database: 'codex_proxy_prod', table: 'audit_records', by: 'model', from: new Date(SINCE), to: new Date(UNTIL) }),
      WorkGroup: 'codex-proxy-prod',
      QueryExecutionContext: { Database: 'codex_proxy_prod' },
    })
    expect(report.athena).toEqual({ query_execution_id: 'qe-123', workgroup: 'codex-proxy-prod', data_scanned_bytes: 1_234_567, sql: input.QueryString })
  })

  it('waits while the query is queued and running', async () => {
    athenaAnswers('user', ['QUEUED', 'RUNNING', 'SUCCEEDED'])
    const report = await usageJson([])
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3)
    expect(report.rows).toEqual(EXPECTED.user)
  })

  it('reads every page of the results', async () => {
    await usageJson([])
    // Five rows at two per page: three pages, the header only on the first.
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2', 'page-4'])
  })

  it('fails with exit 1 and Athena\'s reason when the query fails', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', AthenaError: { ErrorMessage: "TABLE_NOT_FOUND: line 11:6: Table 'awsdatacatalog.codex_proxy_prod.audit_records' does not exist" } } } })
    const { code, stderr } = await usage([])
    expect(code).toBe(1)
    expect(flat(stderr)).toContain("Athena query qe-123 failed: TABLE_NOT_FOUND")
  })

  it('names what to set, and the scan engine, when the workgroup is unknown', async () => {
    const file = await stack.writeOutputs({ athenaWorkgroupName: undefined })
    const { code, stderr } = await runCommand(ReportUsage, ['--stack-outputs', file])
    expect(code).toBe(1)
    expect(flat(stderr)).toContain('no Athena workgroup: pass --workgroup, set CODEX_PROXY_ATHENA_WORKGROUP, or use --stack-outputs FILE with "athenaWorkgroupName"')
    expect(flat(stderr)).toContain('or read the records directly with --engine scan')
  })

  it('keeps the cost bar chart in the table view', async () => {
    const { stdout } = await usage([])
    expect(stdout).toContain('Usage by user, 2026-11-10T06:00 → 2026-11-13T00:00 UTC (Athena, 1.2 MB scanned)')
    const alice = stdout.split('\n').find((l) => l.includes('alice'))!
    const bob = stdout.split('\n').find((l) => l.includes('bob'))!
    // Compare the whole bar, not the table's borders around it.
    const barOf = (line: string) => line.match(/[█▉▊▋▌▍▎▏]+/)?.[0]
    expect(barOf(alice)).toBe('█'.repeat(20))
    // 0.00099 / 0.00675 of 20 blocks: 2.93, two full blocks and seven eighths.
    expect(barOf(bob)).toBe('██▉')
  })

  it('prints CSV with the same columns as the scan engine', async () => {
    const { stdout } = await usage(['--format', 'csv'])
    expect(stdout.split('\n').slice(0, 2)).toEqual(['user_id,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,total_tokens,cost_usd,unpriced_requests', 'alice,2,2400,2000,600,240,3000,0.00675,0'])
  })
})

describe('report usage: engine choice with the local stack', () => {
  it('uses the scan engine with --local', async () => {
    const { code, stdout } = await runCommand(ReportUsage, ['--local', '--data-dir', stack.dataDir, ...PERIOD, '--json'])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ engine: 'scan', rows: EXPECTED.user })
  })

  it('refuses the Athena engine with --local', async () => {
    const { code, stderr } = await runCommand(ReportUsage, ['--local', '--data-dir', stack.dataDir, '--engine', 'athena'])
    expect(code).toBe(1)
    expect(flat(stderr)).toContain('the local stack has no Athena: use --engine scan')
  })

  it('--help shows the engines and examples', async () => {
    const r = await cli(['report', 'usage', '--help'])
    expect(r.stdout).toContain('--engine=<option>')
    expect(r.stdout).toContain('codex-proxy report usage --local')
  })
})
