// bench/RESULTS.md is rewritten by every `npm run bench`: the generated sections are
// replaced, the history keeps every earlier row and gains one, and hand-written text
// outside the markers survives.
import { describe, expect, it } from 'vitest'
import { renderResults, type ResultsInput } from '../../bench/results-file.js'
import type { TargetFigures } from '../../bench/proxy/side-by-side.js'

const figures = (name: string, p50: number, rps: number): TargetFigures => ({
  name,
  latency: { p50, p99: p50 * 2 },
  ttfb: { p50: p50 - 0.1, p99: p50 * 2 },
  pacedLatency: { p50, p99: p50 * 2 },
  pacedTtfb: { p50: p50 - 0.1, p99: p50 * 2 },
  rps,
  errors: 0,
  cpuMsPerRequest: name === 'direct' ? null : 1,
  helperCpuMsPerRequest: null,
  rssMiB: name === 'direct' ? null : 30,
  peakRssMiB: name === 'direct' ? null : 31,
})

function input(date: string, previous: string): ResultsInput {
  return {
    machine: { date, commit: 'abc1234', cpu: 'CPU', nproc: 2, node: 'v20', kernel: '6', codex: 'codex-cli 0.169.0', command: 'npm run bench' },
    proxy: {
      settings: { rounds: 1, latencyRequests: 10, paceMs: 25, concurrency: 16, throughputMs: 1000, cxp: { args: [], env: {} }, upstream: { deltas: 20, eventDelayMs: 0 } },
      result: { bodyBytes: 55_000, responseBytes: 4_500, targets: [figures('direct', 1, 5000), figures('rust', 44, 340), figures('cxp', 10, 120), figures('core', 3, 800)] },
    },
    lambda: undefined,
    scanNote: 'secret scan off',
    previous,
  }
}

describe('bench/RESULTS.md', () => {
  it('appends one history row per run and keeps the earlier ones', () => {
    const first = renderResults(input('2026-11-20T10:00:00Z', '')).file
    const second = renderResults(input('2026-11-21T10:00:00Z', first)).file
    const rows = second.split('\n').filter((l) => /^\| 2026-/.test(l))
    expect(rows.map((r) => r.slice(2, 22))).toEqual(['2026-11-20T10:00:00Z', '2026-11-21T10:00:00Z'])
  })

  it('replaces the latest run and keeps hand-written text outside the markers', () => {
    const first = renderResults(input('2026-11-20T10:00:00Z', '')).file
    const annotated = first.replace('## History', '## How to read this\n\nWritten by hand.\n\n## History')
    const second = renderResults(input('2026-11-21T10:00:00Z', annotated)).file
    expect(second).toContain('Written by hand.')
    expect(second).toContain('Run 2026-11-21T10:00:00Z')
    expect(second).not.toContain('Run 2026-11-20T10:00:00Z')
  })

  it('says which targets are met, with the ratio to the Rust proxy', () => {
    const { latest } = renderResults(input('2026-11-21T10:00:00Z', ''))
    expect(latest).toContain("| added latency p50 ≤ Rust's, paced | 9.00 ms | 43.00 ms | 0.21× | yes |")
    expect(latest).toContain("| throughput ≥ Rust's | 120 req/s | 340 req/s | 0.35× | **no** |")
  })
})
