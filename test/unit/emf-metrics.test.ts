import { describe, expect, it } from 'vitest'
import { EmfMetrics } from '../../lambda/src/observability/emf-metrics.js'

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l))

describe('Embedded Metric Format output', () => {
  it('writes one document per dimension set at flush, with FunctionName as its own set', () => {
    const lines: string[] = []
    const m = new EmfMetrics((l) => lines.push(l), () => 1_795_000_000_000, { FunctionName: 'codex-proxy-prod' })
    m.emit('AuditWriteFailures', 1, 'Count')
    m.emit('Latency', 120, 'Milliseconds')
    m.emit('ProxyErrors', 1, 'Count', { Code: 'invalid_token' })
    expect(lines).toHaveLength(0)
    m.flush()
    const docs = parse(lines)
    expect(docs).toHaveLength(2)
    expect(docs[0]).toEqual({
      _aws: {
        Timestamp: 1_795_000_000_000,
        CloudWatchMetrics: [{ Namespace: 'CodexProxy', Dimensions: [['FunctionName']], Metrics: [{ Name: 'AuditWriteFailures', Unit: 'Count' }, { Name: 'Latency', Unit: 'Milliseconds' }] }],
      },
      FunctionName: 'codex-proxy-prod',
      AuditWriteFailures: 1,
      Latency: 120,
    })
    expect(docs[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['FunctionName'], ['FunctionName', 'Code']])
    expect(docs[1]).toMatchObject({ FunctionName: 'codex-proxy-prod', Code: 'invalid_token', ProxyErrors: 1 })
  })

  it('reports repeated values of one metric as an array', () => {
    const lines: string[] = []
    const m = new EmfMetrics((l) => lines.push(l), Date.now, {})
    m.emit('Latency', 1, 'Milliseconds')
    m.emit('Latency', 2, 'Milliseconds')
    m.flush()
    expect(parse(lines)[0].Latency).toEqual([1, 2])
  })

  it('writes nothing when nothing was emitted, and empties the buffer on flush', () => {
    const lines: string[] = []
    const m = new EmfMetrics((l) => lines.push(l), Date.now, {})
    m.flush()
    m.emit('Requests', 1, 'Count')
    m.flush()
    m.flush()
    expect(lines).toHaveLength(1)
  })
})
