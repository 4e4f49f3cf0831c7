// bench/RESULTS.md: the generated parts sit between markers (latest run; history rows),
// so the hand-written analysis around them survives every run.
import type { AtShareResult } from './lambda/at-cpu-share.js'
import type { LambdaFigures } from './lambda/cold-start.js'
import type { LargeResponseFigures } from './proxy/large-response.js'
import type { ServeProfile } from './proxy/profile-serve.js'
import type { StartupFigures } from './proxy/startup.js'
import type { StreamsFigures } from './proxy/streams.js'
import type { SideBySideOptions, SideBySideResult, TargetFigures } from './proxy/side-by-side.js'

export interface Machine {
  date: string
  commit: string
  cpu: string
  nproc: number
  node: string
  kernel: string
  codex: string
  command: string
}

export interface ResultsInput {
  machine: Machine
  proxy: { settings: Omit<SideBySideOptions, 'log'>; result: SideBySideResult } | undefined
  lambda: LambdaFigures | undefined
  large?: LargeResponseFigures | undefined
  startup?: StartupFigures | undefined
  lambdaShare?: AtShareResult | undefined
  profile?: ServeProfile | undefined
  streams?: StreamsFigures | undefined
  scanNote: string
  previous: string
}

const LATEST = ['<!-- latest:start -->', '<!-- latest:end -->'] as const
const HISTORY = ['<!-- history:start -->', '<!-- history:end -->'] as const
const HISTORY_HEADER = [
  '| date (UTC) | commit | cxp added p50 ms (paced) | Rust added p50 ms (paced) | cxp first-byte delay ms (paced) | cxp req/s | Rust req/s | cxp CPU ms/req | Rust CPU ms/req | cxp RSS MiB | bundle KiB | init ms |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
]

const f = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits))
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? '—' : `${(a / b).toFixed(2)}×`)

export function renderResults(input: ResultsInput): { latest: string; file: string } {
  const { machine: m, proxy, lambda } = input
  const lines: string[] = [
    `Run ${m.date} at \`${m.commit}\` — ${m.nproc}× ${m.cpu}, Linux ${m.kernel}, Node ${m.node}, ${m.codex}.`,
    '',
    `Command: \`${m.command}\``,
    '',
  ]
  let row: string[] | undefined
  const goals: string[] = []
  const met = (ok: boolean) => (ok ? 'yes' : '**no**')
  if (proxy) {
    const { settings: s, result: r } = proxy
    const [direct, rust, rustClose, cxp, core] = ['direct', 'rust', 'rust-close', 'cxp', 'core'].map((n) => r.targets.find((t) => t.name === n)!) as [TargetFigures, TargetFigures, TargetFigures, TargetFigures, TargetFigures]
    const added = (t: TargetFigures, p: 'p50' | 'p99', paced = false) => (paced ? t.pacedLatency[p] - direct.pacedLatency[p] : t.latency[p] - direct.latency[p])
    const fbDelay = (t: TargetFigures, paced = false) => (paced ? t.pacedTtfb.p50 - direct.pacedTtfb.p50 : t.ttfb.p50 - direct.ttfb.p50)
    const cols = [direct, rust, rustClose, cxp, core]
    const rowOf = (label: string, cell: (t: TargetFigures) => string) => `| ${label} | ${cols.map(cell).join(' | ')} |`
    lines.push(
      '### Proxy overhead, side by side',
      '',
      `Loopback; one fake upstream in its own process answering a Codex first-turn request (${(r.bodyBytes / 1000).toFixed(1)} KB body) with a ${(r.responseBytes / 1000).toFixed(1)} KB SSE stream (${s.upstream.deltas} deltas, no pauses). ` +
        `${s.rounds} rounds, targets interleaved; per target and round ${s.latencyRequests} sequential requests back to back, ${s.latencyRequests} more with ${s.paceMs} ms idle between them ("paced": work done after a response is not charged to the next request, as between two Codex turns), and ${s.throughputMs / 1000} s closed loop at concurrency ${s.concurrency} (throughput, CPU). ` +
        `codex-proxy: \`serve\` with its embedded stores, ${s.cxp.policy === false ? 'a token **without** limits (no rpm, no budget)' : 'a token with an rpm limit and a daily budget'}, audit records to S3 (s3rver); ${input.scanNote}. ` +
        '"core" is a diagnostic, not a shipped configuration: the same proxy core and node:http host on in-memory token store, counters and audit sink (bench/proxy/core-only-main.ts).',
      '',
      '| | direct | Rust `codex responses-api-proxy`, keep-alive | Rust, `Connection: close` | codex-proxy `serve` | core, in-memory ports |',
      '|---|---|---|---|---|---|',
      rowOf('latency p50 / p99, ms, back to back', (t) => `${f(t.latency.p50, 2)} / ${f(t.latency.p99, 2)}`),
      rowOf('added over direct p50 / p99, ms', (t) => (t === direct ? '—' : `${f(added(t, 'p50'), 2)} / ${f(added(t, 'p99'), 2)}`)),
      rowOf('latency p50 / p99, ms, paced', (t) => `${f(t.pacedLatency.p50, 2)} / ${f(t.pacedLatency.p99, 2)}`),
      rowOf('added over direct p50 / p99, ms, paced', (t) => (t === direct ? '—' : `${f(added(t, 'p50', true), 2)} / ${f(added(t, 'p99', true), 2)}`)),
      rowOf('first body byte p50, ms, back to back (delay)', (t) => (t === direct ? f(t.ttfb.p50, 2) : `${f(t.ttfb.p50, 2)} (+${f(fbDelay(t), 2)})`)),
      rowOf('first body byte p50, ms, paced (delay)', (t) => (t === direct ? f(t.pacedTtfb.p50, 2) : `${f(t.pacedTtfb.p50, 2)} (+${f(fbDelay(t, true), 2)})`)),
      rowOf(`throughput at c=${s.concurrency}, req/s`, (t) => f(t.rps, 0)),
      rowOf('CPU per request, serving process, ms', (t) => f(t.cpuMsPerRequest, 2)),
      rowOf('CPU per request, helper processes, ms', (t) => (t.helperCpuMsPerRequest === null ? '—' : `${f(t.helperCpuMsPerRequest, 2)} (embedded DynamoDB/S3 stand-ins)`)),
      rowOf('CPU per request, all processes, ms', (t) => f(t.allCpuMsPerRequest, 2)),
      rowOf('RSS at the end / peak, MiB', (t) => (t.rssMiB === null ? '—' : `${f(t.rssMiB)} / ${f(t.peakRssMiB)}`)),
      rowOf('errors (dropped or incomplete exchanges)', (t) => String(t.errors)),
      '',
      '| target | codex-proxy | Rust proxy | ratio cxp/Rust | met |',
      '|---|---|---|---|---|',
      `| added latency p50 ≤ Rust's, back to back | ${f(added(cxp, 'p50'), 2)} ms | ${f(added(rust, 'p50'), 2)} ms | ${ratio(added(cxp, 'p50'), added(rust, 'p50'))} | ${met(added(cxp, 'p50') <= added(rust, 'p50'))} |`,
      `| added latency p50 ≤ Rust's, paced | ${f(added(cxp, 'p50', true), 2)} ms | ${f(added(rust, 'p50', true), 2)} ms | ${ratio(added(cxp, 'p50', true), added(rust, 'p50', true))} | ${met(added(cxp, 'p50', true) <= added(rust, 'p50', true))} |`,
      `| first byte ≤ 5 ms after upstream's, back to back | +${f(fbDelay(cxp), 2)} ms | +${f(fbDelay(rust), 2)} ms | ${ratio(fbDelay(cxp), fbDelay(rust))} | ${met(fbDelay(cxp) <= 5)} |`,
      `| first byte ≤ 5 ms after upstream's, paced | +${f(fbDelay(cxp, true), 2)} ms | +${f(fbDelay(rust, true), 2)} ms | ${ratio(fbDelay(cxp, true), fbDelay(rust, true))} | ${met(fbDelay(cxp, true) <= 5)} |`,
      `| throughput ≥ Rust's | ${f(cxp.rps, 0)} req/s | ${f(rust.rps, 0)} req/s | ${ratio(cxp.rps, rust.rps)} | ${met(cxp.rps >= rust.rps)} |`,
      `| CPU per request (serving process) | ${f(cxp.cpuMsPerRequest, 2)} ms | ${f(rust.cpuMsPerRequest, 2)} ms | ${ratio(cxp.cpuMsPerRequest, rust.cpuMsPerRequest)} | — |`,
      `| RSS at the end | ${f(cxp.rssMiB)} MiB | ${f(rust.rssMiB)} MiB | ${ratio(cxp.rssMiB, rust.rssMiB)} | — |`,
      '',
      'Added latency is the difference of the percentiles (target p50 − direct p50), not a percentile of differences.',
      '',
    )
    goals.push(
      `| governed request (rpm + budget, flag scan, audit): added p50, paced | ≤ 1.0 ms | ${f(added(cxp, 'p50', true), 2)} ms (Rust keep-alive ${f(added(rust, 'p50', true), 2)} ms, close ${f(added(rustClose, 'p50', true), 2)} ms) | ${met(added(cxp, 'p50', true) <= 1)} |`,
      `| CPU per request, all processes | ≤ 2× Rust's | ${f(cxp.allCpuMsPerRequest, 2)} ms vs ${f(rust.allCpuMsPerRequest, 2)} ms (keep-alive) / ${f(rustClose.allCpuMsPerRequest, 2)} ms (close): ${ratio(cxp.allCpuMsPerRequest, rust.allCpuMsPerRequest)} / ${ratio(cxp.allCpuMsPerRequest, rustClose.allCpuMsPerRequest)} | ${met((cxp.allCpuMsPerRequest ?? Infinity) <= 2 * Math.min(rust.allCpuMsPerRequest ?? 0, rustClose.allCpuMsPerRequest ?? 0))} |`,
      `| throughput at c=${s.concurrency} | ≥ Rust's | ${f(cxp.rps, 0)} req/s vs ${f(rust.rps, 0)} (keep-alive) / ${f(rustClose.rps, 0)} (close): ${ratio(cxp.rps, rust.rps)} / ${ratio(cxp.rps, rustClose.rps)} | ${met(cxp.rps >= Math.max(rust.rps, rustClose.rps))} |`,
      `| RSS idle → end of run | ≤ 80 MiB idle | end of run ${f(cxp.rssMiB)} MiB (idle not sampled in this part) | — |`,
    )
    row = [m.date, m.commit, f(added(cxp, 'p50', true), 2), f(added(rust, 'p50', true), 2), f(fbDelay(cxp, true), 2), f(cxp.rps, 0), f(rust.rps, 0), f(cxp.cpuMsPerRequest, 2), f(rust.cpuMsPerRequest, 2), f(cxp.rssMiB, 0)]
  }
  if (lambda) {
    lines.push(
      '### Lambda bundle and cold start',
      '',
      `\`npm run build\` bundle, imported in ${lambda.runs} fresh Node processes (median; the \`awslambda\` global stubbed, environment as deployed). ` +
        '"Module init" is the import (what runs during the Lambda init phase); "first invocation" is a GET /healthz that builds the proxy and its AWS clients (no network).',
      '',
      '| bundle | gzip | module init | first invocation | Node start before import | RSS after |',
      '|---|---|---|---|---|---|',
      `| ${f(lambda.bundleKiB, 0)} KiB | ${f(lambda.gzipKiB, 0)} KiB | ${f(lambda.importMs)} ms (CPU ${f(lambda.importCpuMs)} ms) | ${f(lambda.firstInvocationMs)} ms | ${f(lambda.nodeStartMs)} ms | ${f(lambda.rssMiB)} MiB |`,
      ...(lambda.baseline ? [`| \`${lambda.baseline.ref}\` (${lambda.baseline.commit}), interleaved: ${f(lambda.baseline.bundleKiB, 0)} KiB | — | ${f(lambda.baseline.importMs)} ms (CPU ${f(lambda.baseline.importCpuMs)} ms) | ${f(lambda.baseline.firstInvocationMs)} ms | — | — |`] : []),
      '',
      `Largest parts of the bundle: ${lambda.topPackages.map(([n, k]) => `${n} ${k.toFixed(0)} KiB`).join(', ')}.`,
      '',
    )
  }
  if (input.large) {
    const L = input.large
    const by = (n: string) => L.targets.find((t) => t.name === n)
    const [rust, rustClose, cxp] = [by('rust'), by('rust-close'), by('cxp')]
    lines.push(
      '### A 20 MB streamed response',
      '',
      `One SSE answer of ${(L.responseBytes / 1e6).toFixed(1)} MB (200 deltas of 100 kB) per request, ${L.requests} requests per target after one warm-up; p50 end to end, and how far the serving process's peak RSS (VmHWM) rose above its RSS before them.`,
      '',
      '| | p50 ms | added over direct, ms | peak RSS rise, MiB | errors |',
      '|---|---|---|---|---|',
      ...L.targets.map((t) => `| ${t.name} | ${f(t.p50Ms)} | ${t.name === 'direct' ? '—' : f(t.addedMs)} | ${t.peakRiseMiB === null ? '—' : f(t.peakRiseMiB)} | ${t.errors} |`),
      '',
    )
    if (rust && cxp) {
      // Against the larger of Rust's two figures: with 5 samples either can fall below direct's.
      const rustAdded = Math.max(rust.addedMs, rustClose?.addedMs ?? -Infinity)
      goals.push(`| 20 MB response overhead | ≤ 2× Rust's | +${f(cxp.addedMs, 0)} ms vs ${f(rust.addedMs, 0)} ms (keep-alive)${rustClose ? ` / ${f(rustClose.addedMs, 0)} ms (close)` : ''} over direct; peak RSS +${f(cxp.peakRiseMiB)} vs +${f(rust.peakRiseMiB)} MiB | ${met(cxp.addedMs <= 2 * Math.max(rustAdded, 0))} |`)
    }
  }
  if (input.streams) {
    const S = input.streams
    const cxp = S.targets.find((t) => t.name === 'cxp')
    const rust = S.targets.find((t) => t.name === 'rust')
    lines.push(
      `### ${S.streams} concurrent streams`,
      '',
      `${S.streams} Codex-like streams at once (55 KB body; ${S.deltas} SSE deltas ${S.eventDelayMs} ms apart), one target at a time, each a fresh process after 2 warm-up exchanges. VmRSS of the serving process before, its highest sample (every 20 ms) while the streams ran, and its VmHWM after (\`bench/proxy/streams.ts\`).`,
      '',
      '| | RSS before, MiB | RSS during (max), MiB | peak (VmHWM), MiB | wall ms | errors |',
      '|---|---|---|---|---|---|',
      ...S.targets.map((t) => `| ${t.name} | ${f(t.rssBeforeMiB)} | ${f(t.rssDuringMiB)} | ${f(t.peakRssMiB)} | ${f(t.wallMs, 0)} | ${t.errors} |`),
      '',
    )
    if (cxp) goals.push(`| RSS under ${S.streams} concurrent streams | ≤ 150 MiB | ${f(cxp.rssDuringMiB)} MiB during, peak ${f(cxp.peakRssMiB)} MiB${rust ? ` (Rust ${f(rust.rssDuringMiB)} MiB)` : ''} | ${met(cxp.peakRssMiB <= 150)} |`)
  }
  if (input.startup) {
    const st = input.startup
    lines.push(
      '### Start-up',
      '',
      `Median of ${st.runs} fresh processes each (\`node ops-cli/bin/run.js …\` as installed; the data directory provisioned by an earlier start).`,
      '',
      '| `serve` spawn → first 200 on /healthz | `codex-proxy --help` | `codex-proxy tokens list --local` | `serve` VmRSS idle (2 s after /healthz) | its child processes |',
      '|---|---|---|---|---|',
      `| ${f(st.serveToHealthzMs, 0)} ms | ${f(st.cliHelpMs, 0)} ms | ${f(st.tokensListLocalMs, 0)} ms | ${f(st.serveIdleRssMiB)} MiB | ${f(st.childrenIdleRssMiB)} MiB |`,
      '',
    )
    goals.push(`| RSS idle (\`serve\`; its store child apart) | ≤ 80 MiB | ${f(st.serveIdleRssMiB)} MiB (+ ${f(st.childrenIdleRssMiB)} MiB) | ${met(st.serveIdleRssMiB <= 80)} |`)
    goals.push(`| start → /healthz | ≤ 0.5 s | ${f(st.serveToHealthzMs / 1000, 2)} s | ${met(st.serveToHealthzMs <= 500)} |`)
    goals.push(`| a CLI command (\`--help\`, \`tokens list --local\`) | ≤ 0.4 s | ${f(st.cliHelpMs / 1000, 2)} s, ${f(st.tokensListLocalMs / 1000, 2)} s | ${met(Math.max(st.cliHelpMs, st.tokensListLocalMs) <= 400)} |`)
  }
  if (input.lambdaShare) {
    const ls = input.lambdaShare
    lines.push(
      "### The Lambda bundle at Lambda's CPU share",
      '',
      `\`dist/lambda/index.mjs\` behind node:http (bench/lambda/http-host.mjs: Function URL events in, the streamed prelude decoded out), stores (dynalite, s3rver), a fake Secrets Manager and the fake upstream outside the limit. CPU limit: ${ls.cgroup}. ` +
        `A token with rpm and daily budget; 55 KB Codex body; warm figures paced 25 ms; direct p50 ${f(ls.directP50Ms, 2)} ms. "First request" is the first POST /v1/responses after init (reads the key, first store calls, first compile of the request path).`,
      '',
      '| CPU share | module init | first request | warm p50 / p99 | added over direct p50 / p99 | first ÷ warm p50 | errors |',
      '|---|---|---|---|---|---|---|',
      ...ls.runs.map((r) => `| ${r.share === 1 ? 'unlimited' : `${(r.share * 100).toFixed(0)}% of a CPU (512 MB)`} | ${f(r.initMs)} ms | ${f(r.firstRequestMs)} ms | ${f(r.warmP50Ms, 2)} / ${f(r.warmP99Ms, 2)} ms | ${f(r.addedP50Ms, 2)} / ${f(r.addedP99Ms, 2)} ms | ${ratio(r.firstRequestMs, r.warmP50Ms)} | ${r.errors} |`),
      '',
    )
    for (const r of ls.runs) goals.push(`| Lambda${r.share === 1 ? '' : ' at 512 MB share'}: first real request within 2× a warm one | ≤ 2× | ${f(r.firstRequestMs)} ms vs ${f(r.warmP50Ms, 2)} ms: ${ratio(r.firstRequestMs, r.warmP50Ms)} | ${met(r.firstRequestMs <= 2 * r.warmP50Ms)} |`)
    const limited = ls.runs.find((r) => r.share < 1)
    if (limited) goals.push(`| Lambda at 512 MB share: added p50 (informational) | — | ${f(limited.addedP50Ms, 2)} ms | — |`)
  }
  if (lambda?.baseline) {
    const b = lambda.baseline
    goals.push(`| Lambda module init | not above today's (\`${b.ref}\` at ${b.commit}, same run, interleaved) | ${f(lambda.importMs)} ms vs ${f(b.importMs)} ms: ${ratio(lambda.importMs, b.importMs)}; CPU ${f(lambda.importCpuMs)} vs ${f(b.importCpuMs)} ms: ${ratio(lambda.importCpuMs, b.importCpuMs)} | ${met(lambda.importMs <= b.importMs * 1.05)} (within 5 %) |`)
  } else if (lambda) goals.push(`| Lambda module init | not above today's | ${f(lambda.importMs)} ms (no baseline bundle measured in this run) | — |`)
  if (input.profile) {
    const p = input.profile
    lines.push(
      "### Where `serve`'s CPU goes (profile, same run)",
      '',
      `\`serve\` under \`node --cpu-prof\`, the same configuration as the side-by-side part, closed loop at c=16 for ${p.seconds} s (${p.exchanges} exchanges; start-up is in the profile too). CPU per exchange over the loop: \`serve\` ${f(p.serveCpuMs, 2)} ms, its helper processes ${f(p.helperCpuMs, 2)} ms. Self time:`,
      '',
      '```',
      ...p.summary,
      '```',
      '',
    )
  }
  if (goals.length) lines.push('### Goals of issue 14, this run', '', '| measure | goal | this run | met |', '|---|---|---|---|', ...goals, '')
  const latest = lines.join('\n')
  const historyRow = row ? `| ${[...row, lambda ? f(lambda.bundleKiB, 0) : '—', lambda ? f(lambda.importMs) : '—'].join(' | ')} |` : undefined
  return { latest, file: compose(input.previous, latest, historyRow) }
}

function between(text: string, [start, end]: readonly [string, string]): string | undefined {
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  return i === -1 || j === -1 ? undefined : text.slice(i + start.length, j)
}

function replaceBetween(text: string, [start, end]: readonly [string, string], inner: string): string {
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  return text.slice(0, i + start.length) + inner + text.slice(j)
}

function compose(previous: string, latest: string, historyRow: string | undefined): string {
  let file = previous.includes(LATEST[0]) && previous.includes(HISTORY[0]) ? previous : skeleton()
  file = replaceBetween(file, LATEST, `\n${latest}\n`)
  const rows = (between(file, HISTORY) ?? '').split('\n').filter((l) => /^\| \d{4}-/.test(l))
  if (historyRow) rows.push(historyRow)
  return replaceBetween(file, HISTORY, `\n${[...HISTORY_HEADER, ...rows].join('\n')}\n`)
}

function skeleton(): string {
  return [
    '# Benchmark results',
    '',
    'Produced by `npm run bench` (bench/run.ts). The sections between the markers are rewritten on every run; the history gets one row per run.',
    '',
    '## Latest run',
    '',
    LATEST[0],
    LATEST[1],
    '',
    '## History',
    '',
    HISTORY[0],
    HISTORY[1],
    '',
  ].join('\n')
}
