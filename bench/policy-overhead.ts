// Extra latency that governance adds per request on the local host, and what each budget
// level costs: the same request through two proxies (one with an org budget, one without),
// with tokens carrying more and more limits, interleaved so that machine noise hits every
// arm alike. Stores run in their own process, as with `serve`. Usage:
//   npx tsx bench/policy-overhead.ts [requests per arm, default 400] [--write]
// (`npm run bench` runs it as its `policy` part.)
import { execSync } from 'node:child_process'
import { cpus } from 'node:os'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ORG_ID } from '../lambda/src/contracts/counters.js'
import { startLocalProxy } from '../lambda/src/local/local-proxy.js'
import { startFakeOpenAI } from '../test/support/fake-openai.js'

const n = Number(process.argv[2] ?? 400) || 400
const write = process.argv.includes('--write')
const upstream = await startFakeOpenAI()
const dirs = [await mkdtemp(join(tmpdir(), 'cxp-bench-policy-')), await mkdtemp(join(tmpdir(), 'cxp-bench-policy-org-'))]
const plainProxy = await startLocalProxy({ port: 0, dataDir: dirs[0]!, upstreamUrl: upstream.url, log: () => {} })
// The org level covers every request of a deployment: it gets a proxy of its own.
const orgProxy = await startLocalProxy({ port: 0, dataDir: dirs[1]!, upstreamUrl: upstream.url, log: () => {} })
const BIG = 1_000_000

const plain = (await plainProxy.admin.create({ user: 'bench-plain' })).token
const governed = (
  await plainProxy.admin.create({
    user: 'bench-governed',
    team: 'bench',
    policy: { models: ['gpt-5*'], rpm: 100_000, budget_daily_usd: BIG, budget_monthly_usd: BIG },
  })
).token
await plainProxy.admin.setTeam('bench', { rpm: 100_000, budget_monthly_usd: BIG })

await orgProxy.admin.setBudgets('org', ORG_ID, { budget_weekly_usd: BIG, budget_monthly_usd: BIG })
const orgOnly = (await orgProxy.admin.create({ user: 'bench-org-only' })).token
const everyLevel = (
  await orgProxy.admin.create({
    user: 'bench-all',
    team: 'bench-all',
    policy: { models: ['gpt-5*'], rpm: 100_000, budget_daily_usd: BIG, budget_monthly_usd: BIG, tags: ['bench-*'] },
  })
).token
await orgProxy.admin.setTeam('bench-all', { rpm: 100_000, budget_monthly_usd: BIG })
await orgProxy.admin.setBudgets('user', 'bench-all', { budget_weekly_usd: BIG })
await orgProxy.admin.setBudgets('tag', 'bench-x', { budget_daily_usd: BIG })

const body = JSON.stringify({ model: 'gpt-5.1-codex', input: 'benchmark', stream: false })

interface Arm {
  name: string
  url: string
  token: string
  headers?: Record<string, string>
  /** Conditional UpdateItems at admission, all sent in parallel (one round trip). */
  writes: string
  times: number[]
}
const arms: Arm[] = [
  { name: 'no policy', url: plainProxy.url, token: plain, writes: '0', times: [] },
  { name: 'org budget only (week + month)', url: orgProxy.url, token: orgOnly, writes: '2 (org month item, org week item)', times: [] },
  {
    name: 'allow-list + rpm + key and team budgets (day/month)',
    url: plainProxy.url,
    token: governed,
    writes: '4 (token and team rate windows, key month item, team month item)',
    times: [],
  },
  {
    name: 'every level: org, team, user, key, tag (day, week, month) + rpm',
    url: orgProxy.url,
    token: everyLevel,
    headers: { 'x-codex-proxy-tag': 'bench-x' },
    writes: '8 (2 rate windows; org month + week; team month; user week; key month; tag month)',
    times: [],
  },
]

async function once(arm: Arm): Promise<number> {
  const started = performance.now()
  const res = await fetch(`${arm.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${arm.token}`, 'content-type': 'application/json', ...arm.headers },
    body,
  })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`${arm.name}: status ${res.status}`)
  return performance.now() - started
}

for (let i = 0; i < 50; i++) for (const arm of arms) await once(arm) // warm-up (JIT, caches, connections)
await new Promise((r) => setTimeout(r, 500))
for (let i = 0; i < n; i++) {
  // Rotate the order each round so no arm always follows the same one.
  for (let j = 0; j < arms.length; j++) {
    const arm = arms[(i + j) % arms.length]!
    arm.times.push(await once(arm))
  }
}
const q = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const base = q(arms[0]!.times, 0.5)
const row = (a: Arm) =>
  `| ${a.name} | ${a.writes} | ${q(a.times, 0.5).toFixed(2)} | ${q(a.times, 0.9).toFixed(2)} | ${q(a.times, 0.99).toFixed(2)} | ${(q(a.times, 0.5) - base).toFixed(2)} | ${(q(a.times, 0.5) / base).toFixed(2)}× |`
let commit = '?'
try {
  commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim()
} catch {
  // not a checkout
}
const report = [
  `# Governance overhead per request (local host)`,
  '',
  `${new Date().toISOString().slice(0, 10)} · commit ${commit} · ${cpus().length}× ${cpus()[0]?.model ?? '?'} · node ${process.version}`,
  `Command: \`npm run bench -- --only policy\` (bench/policy-overhead.ts ${n} --write) — ${n} requests per arm, interleaved in rotating order, after 50 warm-up rounds;`,
  'non-streaming `POST /v1/responses` to a fake upstream in the same process; embedded stores (dynalite) in a child process per proxy.',
  '',
  '| token | writes at admission | p50 ms | p90 ms | p99 ms | p50 added ms | p50 ratio |',
  '|---|---|---|---|---|---|---|',
  ...arms.map(row),
  '',
  'What it pays for: before forwarding, one conditional UpdateItem per rate window and one per limited spend item',
  '(a level\'s month item holds its day and month budgets; its week item the weekly one), all in parallel: one round',
  'trip, however many levels. A level adds its item writes, not a round trip; against dynalite on a shared 2-core machine',
  'each extra parallel write still costs some CPU in the store process. Token, team, user and org items are read with',
  'the token lookup (cached 5 s); a tag\'s budgets are one cached read. Spend settlement happens after the response and',
  'is not in these figures (every arm records spend at every level that applies).',
  '',
].join('\n')
console.log(report)
if (write) await writeFile(new URL('./policy-overhead-results.md', import.meta.url), report)
await plainProxy.close()
await orgProxy.close()
await upstream.close()
for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
