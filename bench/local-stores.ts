// `serve`'s local store writes, A/B in one run (issue 14, lever "embedded local stores that
// don't cost a second process per request"): the same `serve` build with
// CODEX_PROXY_LOCAL_STORE_WRITES=store-api (counters as DynamoDB conditional updates and
// audit objects as HEAD+PUT, both through the store child's APIs: the behaviour before)
// and =direct (counters in process, written behind; objects written into the data
// directory). Same load as the bench's "proxy" part, targets interleaved per round so the
// noise of a shared machine falls on both alike. Usage:
//   npm run bench:local-stores -- [--rounds 3] [--requests 200] [--seconds 6] [--write]
// (--write replaces bench/local-stores-results.md.)
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ENV } from '../lambda/src/contracts/config.js'
import { startFakeOpenAIProcess } from '../test/support/fake-openai-process.js'
import { firstTurnBody } from './codex-corpus.js'
import { type Exchange, LoadClient, median } from './proxy/load-client.js'
import { cpuMs, memory, treeCpuMs } from './proxy/proc-stats.js'
import { cxpTarget, directTarget, REPO, type RunningTarget } from './proxy/targets.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '16' },
    write: { type: 'boolean', default: false },
  },
})
const rounds = Number(values.rounds)
const requests = Number(values.requests)
const throughputMs = Number(values.seconds) * 1000
const concurrency = Number(values.concurrency)
const PACE_MS = 25

const body = Buffer.from(firstTurnBody(1))
const upstream = await startFakeOpenAIProcess({ deltas: 20, eventDelayMs: 0 })
const cxp = (mode: string) => cxpTarget(upstream.url, { args: ['--secret-scan', 'flag'], env: { [ENV.localStoreWrites]: mode } })
const targets: RunningTarget[] = [directTarget(upstream.url), { ...(await cxp('store-api')), name: 'store-api' }, { ...(await cxp('direct')), name: 'direct-writes' }]

interface Samples {
  paced: Exchange[]
  rps: number[]
  requests: number
  serveCpu: number
  helperCpu: number
  treeCpu: number
  errors: number
}
const samples = new Map<string, Samples>(targets.map((t) => [t.name, { paced: [], rps: [], requests: 0, serveCpu: 0, helperCpu: 0, treeCpu: 0, errors: 0 }]))
const helperCpu = (t: RunningTarget) => t.helperPids().reduce((sum, pid) => sum + cpuOr0(pid), 0)
const cpuOr0 = (pid: number) => {
  try {
    return cpuMs(pid)
  } catch {
    return 0
  }
}

let rss = new Map<string, number>()
try {
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const s = samples.get(target.name)!
      const client = new LoadClient(target, body, concurrency)
      try {
        await client.sequential(50) // warm-up: connections, JIT, token cache, counter items loaded
        const paced = await client.sequential(requests, PACE_MS)
        s.paced.push(...paced)
        const serve0 = target.pid ? cpuMs(target.pid) : 0
        const helper0 = helperCpu(target)
        const tree0 = target.pid ? treeCpuMs(target.pid) : 0
        const { exchanges, wallMs } = await client.closedLoop(concurrency, throughputMs)
        const ok = exchanges.filter((e) => e.ok).length
        s.errors += exchanges.length - ok + paced.filter((e) => !e.ok).length
        s.rps.push((ok / wallMs) * 1000)
        s.requests += ok
        if (target.pid) {
          s.serveCpu += cpuMs(target.pid) - serve0
          s.helperCpu += helperCpu(target) - helper0
          s.treeCpu += treeCpuMs(target.pid) - tree0
        }
        console.log(`round ${round} ${target.name.padEnd(13)} paced p50 ${median(paced.map((e) => e.totalMs)).toFixed(2)} ms, ${((ok / wallMs) * 1000).toFixed(0)} req/s at c=${concurrency}, errors ${exchanges.length - ok}`)
      } finally {
        client.close()
      }
    }
  }
} finally {
  rss = new Map(targets.map((t) => [t.name, t.pid ? memory(t.pid).rssBytes / 2 ** 20 : 0]))
  for (const t of targets) await t.stop()
  await upstream.close()
}

const fig = (name: string) => {
  const s = samples.get(name)!
  return {
    pacedP50: median(s.paced.map((e) => e.totalMs)),
    rps: median(s.rps),
    serve: s.serveCpu / s.requests,
    helper: s.helperCpu / s.requests,
    all: s.treeCpu / s.requests,
    rss: rss.get(name)!,
    errors: s.errors,
  }
}
const direct = fig('direct')
const before = fig('store-api')
const after = fig('direct-writes')
const f = (n: number, d = 2) => n.toFixed(d)
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—')
const row = (label: string, a: number, b: number, d = 2) => `| ${label} | ${f(a, d)} | ${f(b, d)} | ${ratio(b, a)} |`
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim()
  } catch {
    return 'unknown'
  }
})()
const command = `npm run bench:local-stores -- --rounds ${rounds} --requests ${requests} --seconds ${throughputMs / 1000}${values.write ? ' --write' : ''}`
const report = [
  '# Local store writes: through the store APIs vs from serve itself',
  '',
  `${new Date().toISOString()} · commit ${commit} · ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'unknown'} (shared with other sessions) · node ${process.version}`,
  '',
  `Command: \`${command}\``,
  '',
  `The same \`serve\` build twice, on its embedded stores, a token with an rpm limit and a daily budget, \`--secret-scan flag\`, audit on; one fake upstream process (Codex first-turn body of ${(body.length / 1000).toFixed(1)} KB, SSE answer with 20 deltas). ` +
    `${rounds} rounds, targets interleaved; per target and round ${requests} sequential requests with ${PACE_MS} ms between them (paced latency) and ${throughputMs / 1000} s closed loop at c=${concurrency} (throughput, CPU from /proc). ` +
    '"store-api": `CODEX_PROXY_LOCAL_STORE_WRITES=store-api`, counters as conditional UpdateItems to dynalite and audit objects as HEAD+PUT to s3rver in the store child (the behaviour before). ' +
    '"direct": the new default, counters in serve\'s memory written behind to dynalite every 100 ms, objects written by serve into the data directory.',
  '',
  '| | store-api (before) | direct (after) | after/before |',
  '|---|---|---|---|',
  row('added p50 over direct, paced, ms', before.pacedP50 - direct.pacedP50, after.pacedP50 - direct.pacedP50),
  row(`throughput at c=${concurrency}, req/s`, before.rps, after.rps, 0),
  row('CPU per request, serve, ms', before.serve, after.serve),
  row('CPU per request, store child, ms', before.helper, after.helper),
  row('CPU per request, all processes, ms', before.all, after.all),
  row('RSS of serve at the end, MiB', before.rss, after.rss, 0),
  `| errors | ${before.errors} | ${after.errors} | — |`,
  '',
  `Direct to the upstream: paced p50 ${f(direct.pacedP50)} ms, ${f(direct.rps, 0)} req/s.`,
  '',
].join('\n')
console.log(`\n${report}`)
if (values.write) writeFileSync(join(REPO, 'bench/local-stores-results.md'), report)
