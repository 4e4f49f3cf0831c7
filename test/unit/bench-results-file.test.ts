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
  allCpuMsPerRequest: name === 'direct' ? null : name === 'cxp' ? 3 : 1,
  rssMiB: name === 'direct' ? null : 30,
  peakRssMiB: name === 'direct' ? null : 31,
})

function input(date: string, previous: string): ResultsInput {
  return {
    machine: { date, commit: 'abc1234', cpu: 'CPU', nproc: 2, node: 'v20', kernel: '6', codex: 'codex-cli 0.169.0', command: 'npm run bench' },
    proxy: {
      settings: { rounds: 1, latencyRequests: 10, paceMs: 25, concurrency: 16, throughputMs: 1000, cxp: { args: [], env: {} }, upstream: { deltas: 20, eventDelayMs: 0 } },
      result: { bodyBytes: 55_000, responseBytes: 4_500, targets: [figures('direct', 1, 5000), figures('rust', 44, 340), figures('rust-close', 2, 900), figures('cxp', 10, 120), figures('core', 3, 800)] },
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

  it("states issue 14's goals from the same run: all-process CPU against both Rust modes, start-up, 20 MB, Lambda first request", () => {
    const { latest } = renderResults({
      ...input('2026-11-21T10:00:00Z', ''),
      startup: { serveToHealthzMs: 450, cliHelpMs: 390, tokensListLocalMs: 700, serveIdleRssMiB: 92.4, childrenIdleRssMiB: 61, runs: 3 },
      large: {
        responseBytes: 20e6,
        requests: 3,
        targets: [
          { name: 'direct', p50Ms: 400, addedMs: 0, peakRiseMiB: null, errors: 0 },
          { name: 'rust', p50Ms: 420, addedMs: 20, peakRiseMiB: 1, errors: 0 },
          { name: 'rust-close', p50Ms: 430, addedMs: 30, peakRiseMiB: 0, errors: 0 },
          { name: 'cxp', p50Ms: 450, addedMs: 50, peakRiseMiB: 40, errors: 0 },
        ],
      },
      lambdaShare: { cgroup: 'cgroup v1 test', directP50Ms: 1, runs: [{ share: 0.29, initMs: 300, firstRequestMs: 30, warmP50Ms: 10, warmP99Ms: 20, addedP50Ms: 9, addedP99Ms: 19, errors: 0 }] },
    })
    // cxp 3 ms against Rust's 1 ms in both modes: 3× > 2×.
    expect(latest).toContain('| CPU per request, all processes | ≤ 2× Rust\'s | 3.00 ms vs 1.00 ms (keep-alive) / 1.00 ms (close): 3.00× / 3.00× | **no** |')
    expect(latest).toContain('| start → /healthz | ≤ 0.5 s | 0.45 s | yes |')
    expect(latest).toMatch(/\| a CLI command .* \| ≤ 0\.4 s \| 0\.39 s, 0\.70 s \| \*\*no\*\* \|/)
    expect(latest).toContain('| RSS idle (`serve`; its store child apart) | ≤ 80 MiB | 92.4 MiB (+ 61.0 MiB) | **no** |')
    // +50 ms against the larger of Rust's two modes (+30 ms): within 2×.
    expect(latest).toMatch(/\| 20 MB response overhead \| ≤ 2× Rust's \| \+50 ms vs 20 ms \(keep-alive\) \/ 30 ms \(close\) .* \| yes \|/)
    expect(latest).toContain('| Lambda at 512 MB share: first real request within 2× a warm one | ≤ 2× | 30.0 ms vs 10.00 ms: 3.00× | **no** |')
    expect(latest).toContain('| Rust, `Connection: close` |')
  })

  it('compares module init with the baseline bundle of the same run, and says so when there is none', () => {
    const lambda = { bundleKiB: 800, gzipKiB: 240, topPackages: [], runs: 3, importMs: 110, importCpuMs: 80, firstInvocationMs: 40, nodeStartMs: 60, rssMiB: 70 }
    const withBase = renderResults({ ...input('2026-11-21T10:00:00Z', ''), lambda: { ...lambda, baseline: { ref: 'main', commit: 'abc', bundleKiB: 790, importMs: 100, importCpuMs: 90, firstInvocationMs: 41 } } }).latest
    expect(withBase).toContain("| Lambda module init | not above today's (`main` at abc, same run, interleaved) | 110.0 ms vs 100.0 ms: 1.10×; CPU 80.0 vs 90.0 ms: 0.89× | **no** (within 5 %) |")
    const without = renderResults({ ...input('2026-11-21T10:00:00Z', ''), lambda }).latest
    expect(without).toContain('| Lambda module init | not above today\'s | 110.0 ms (no baseline bundle measured in this run) | — |')
  })
})
