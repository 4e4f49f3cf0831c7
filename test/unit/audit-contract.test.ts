import { describe, expect, it } from 'vitest'
import { auditDayPrefixesBetween, auditRecordKey } from '../../lambda/src/contracts/audit-key.js'
import { AUDIT_RECORD_FIELDS, glueType } from '../../lambda/src/contracts/audit-record.js'

describe('audit record S3 key', () => {
  it('partitions by UTC date', () => {
    expect(auditRecordKey('01JDXYZ', new Date('2026-03-04T23:59:59.999Z'))).toBe('logs/year=2026/month=03/day=04/01JDXYZ.json.gz')
  })

  it('uses the UTC date even when local time is another day', () => {
    expect(auditRecordKey('A1', new Date('2026-12-31T23:30:00-05:00'))).toBe('logs/year=2027/month=01/day=01/A1.json.gz')
  })

  it.each(['../x', 'a/b', 'cxp token', ''])('refuses to build a key from %j', (id) => {
    expect(() => auditRecordKey(id, new Date())).toThrow(/invalid request id/)
  })

  it('lists day prefixes newest first across a month boundary', () => {
    expect(auditDayPrefixesBetween(new Date('2026-02-27T10:00:00Z'), new Date('2026-03-01T01:00:00Z'))).toEqual([
      'logs/year=2026/month=03/day=01/',
      'logs/year=2026/month=02/day=28/',
      'logs/year=2026/month=02/day=27/',
    ])
  })
})

describe('audit record definition', () => {
  it('names every field the spec lists', () => {
    const spec = [
      'request_id', 'timestamp', 'user_id', 'team', 'token_id', 'method', 'path', 'model', 'stream', 'status', 'origin',
      'error_code', 'latency_ms', 'ttfb_ms', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens',
      'total_tokens', 'cost_usd', 'client', 'request_headers', 'response_headers', 'request_body', 'response_body',
      'request_body_bytes', 'response_body_bytes', 'truncated', 'secret_findings', 'client_aborted',
    ]
    for (const field of spec) expect(Object.keys(AUDIT_RECORD_FIELDS), field).toContain(field)
  })

  it('maps field types to Hive types for Glue', () => {
    expect(glueType('bigint')).toBe('bigint')
    expect(glueType({ map: 'string' })).toBe('map<string,string>')
    expect(glueType({ struct: { a: 'boolean', b: 'string' } })).toBe('struct<a:boolean,b:string>')
    expect(glueType({ array: { rule_id: 'string', offset: 'int' } })).toBe('array<struct<rule_id:string,offset:int>>')
  })
})
