import { describe, expect, it } from 'vitest'
import { AUDIT_FALLBACK_MARKER } from '../../lambda/src/contracts/audit-record.js'
import { FALLBACK_LINE_MAX_BYTES, fallbackLine } from '../../lambda/src/stores/resilient-audit-sink.js'
import { sampleRecord } from '../support/records.js'

const parse = (line: string) => JSON.parse(line.slice(AUDIT_FALLBACK_MARKER.length + 1))

describe('audit fallback log line', () => {
  it('carries the whole record, marked, on one line', () => {
    const record = sampleRecord()
    const line = fallbackLine(record, new Error('SlowDown'))
    expect(line.startsWith(`${AUDIT_FALLBACK_MARKER} {`)).toBe(true)
    expect(line).not.toContain('\n')
    expect(parse(line)).toEqual({ reason: 'Error: SlowDown', fallback_truncated: false, record })
  })

  it('cuts large bodies to fit one CloudWatch Logs event and says so', () => {
    const record = sampleRecord({ request_body: 'q'.repeat(2_000_000), response_body: 'a'.repeat(3_000_000) })
    const line = fallbackLine(record, new Error('x'))
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(FALLBACK_LINE_MAX_BYTES)
    const parsed = parse(line)
    expect(parsed.fallback_truncated).toBe(true)
    expect(parsed.record.truncated).toEqual({ request_body: true, response_body: true })
    expect(parsed.record.request_body.length).toBeGreaterThan(50_000)
    expect(parsed.record.usage_status).toBe('reported')
  })

  it('flags only the body that was actually cut', () => {
    const record = sampleRecord({ request_body: 'small', response_body: 'a'.repeat(3_000_000) })
    const parsed = parse(fallbackLine(record, new Error('x')))
    expect(parsed.record.truncated).toEqual({ request_body: false, response_body: true })
    expect(parsed.record.request_body).toBe('small')
  })

  it('fits even when escaping makes the body grow (quotes, control characters)', () => {
    const record = sampleRecord({ response_body: '"\u0001'.repeat(400_000) })
    const line = fallbackLine(record, new Error('x'))
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(FALLBACK_LINE_MAX_BYTES)
    expect(() => parse(line)).not.toThrow()
  })

  it('never splits a multi-byte character', () => {
    const record = sampleRecord({ response_body: '€'.repeat(200_000) })
    expect(parse(fallbackLine(record, new Error('x'))).record.response_body).not.toContain('\uFFFD')
  })
})
