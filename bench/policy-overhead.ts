// Extra latency that governance adds per request on the local host: the same request
// through the same proxy with a token without policy (A) and a token with an allow-list,
// rpm and daily + monthly budgets (B), interleaved A/B so machine noise hits both alike.
// Stores run in their own process, as with `serve`. Usage:
//   npx tsx bench/policy-overhead.ts [requests per arm, default 400] [--write]
// (`npm run bench` runs it as its `policy` part.)
import { cpus } from 'node:os'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalProxy } from '../lambda/src/local/local-proxy.js'
import { startFakeOpenAI } from '../test/support/fake-openai.js'

const n = Number(process.argv[2] ?? 400) || 400
const write = process.argv.includes('--write')
const upstream = await startFakeOpenAI()
const dataDir = await mkdtemp(join(tmpdir(), 'cxp-bench-policy-'))
const proxy = await startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, log: () => {} })
const plain = (await proxy.admin.create({ user: 'bench-plain' })).token
const governed = (
  await proxy.admin.create({
    user: 'bench-governed',
    team: 'bench',
    policy: { models: ['gpt-5*'], rpm: 100_000, budget_daily_usd: 1_000_000, budget_monthly_usd: 1_000_000 },
  })
).token
await proxy.admin.setTeam('bench', { rpm: 100_000, budget_monthly_usd: 1_000_000 })
const body = JSON.stringify({ model: 'gpt-5.1-codex', input: 'benchmark', stream: false })

async function once(token: string): Promise<number> {
  const started = performance.now()
  const res = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`status ${res.status}`)
  return performance.now() - started
}

for (let i = 0; i < 50; i++) await Promise.all([once(plain), once(governed)]) // warm-up (JIT, caches, connections)
await new Promise((r) => setTimeout(r, 500))
const a: number[] = []
const b: number[] = []
for (let i = 0; i < n; i++) {
  if (i % 2 === 0) {
    a.push(await once(plain))
    b.push(await once(governed))
  } else {
    b.push(await once(governed))
    a.push(await once(plain))
  }
}
const q = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const row = (name: string, xs: number[]) => `| ${name} | ${q(xs, 0.5).toFixed(2)} | ${q(xs, 0.9).toFixed(2)} | ${q(xs, 0.99).toFixed(2)} |`
const delta = q(b, 0.5) - q(a, 0.5)
const report = [
  `# Governance overhead per request (local host)`,
  '',
  `${new Date().toISOString().slice(0, 10)} · ${cpus().length}× ${cpus()[0]?.model ?? '?'} · node ${process.version}`,
  `Command: \`npm run bench -- --only policy\` (bench/policy-overhead.ts ${n} --write) — ${n} requests per arm, interleaved, after 50 warm-up pairs;`,
  'non-streaming `POST /v1/responses` to a fake upstream in the same process; embedded stores in their child process.',
  '',
  '| token | p50 ms | p90 ms | p99 ms |',
  '|---|---|---|---|',
  row('no policy', a),
  row('allow-list + rpm + daily/monthly budgets (user and team)', b),
  '',
  `Median extra latency of the policy checks: **${delta.toFixed(2)} ms** (${((q(b, 0.5) / q(a, 0.5) - 1) * 100).toFixed(0)} %).`,
  'What it pays for: before forwarding, one conditional UpdateItem per rate window (token, team) and one per',
  'spend item (user, team; day and month budgets in the same update), all in parallel. Spend settlement happens',
  'after the response and is not in these figures — the "no policy" token records spend too.',
  '',
].join('\n')
console.log(report)
if (write) await writeFile(new URL('./policy-overhead-results.md', import.meta.url), report)
await proxy.close()
await upstream.close()
await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
