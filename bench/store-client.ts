// The proxy's DynamoDB calls through the AWS SDK and through the lean client of the hot
// path (lambda/src/stores/dynamo-http.ts), side by side in one run, against dynalite in
// its own process as `serve` runs it. Per call: CPU of this process (what the proxy's
// event loop pays) and wall time. Usage:
//   npx tsx bench/store-client.ts [calls per round, default 1000] [--write]
// (`npm run bench` runs it as its `stores` part; --write updates bench/store-client-results.md.)
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { spendAttr, spendKey } from '../lambda/src/contracts/counters.js'
import { tokenKey } from '../lambda/src/contracts/tables.js'
import { LOCAL_NAMES } from '../lambda/src/local/local-proxy.js'
import { ensureTables } from '../lambda/src/local/provision.js'
import { spawnStoreProcess } from '../lambda/src/local/store-process.js'
import { DynamoCounterStore } from '../lambda/src/stores/dynamo-counter-store.js'
import { dynamoHttpFor, HOT_PATH_LIMITS } from '../lambda/src/stores/dynamo-http.js'
import { dynamoClient, sdkDynamoWire } from '../lambda/src/stores/dynamo-sdk.js'
import { DynamoTokenStore } from '../lambda/src/stores/dynamo-token-store.js'
import type { DynamoWire } from '../lambda/src/stores/dynamo-wire.js'

const calls = Number(process.argv[2] ?? 1000) || 1000
const write = process.argv.includes('--write')
const ROUNDS = 3
const dataDir = await mkdtemp(join(tmpdir(), 'cxp-bench-stores-'))
const stores = await spawnStoreProcess(dataDir)
const target = { local: { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint } }
const limits = HOT_PATH_LIMITS
await ensureTables(dynamoClient(target), LOCAL_NAMES)

const clients: [string, DynamoWire][] = [
  ['AWS SDK (@aws-sdk/client-dynamodb)', sdkDynamoWire(dynamoClient({ ...target, ...limits }))],
  ['lean client (aws4 + node:http)', dynamoHttpFor(target, limits)],
]
const now = new Date()
// What one governed request does: a conditional ADD (budget reservation), and a token
// lookup on a cache miss.
const operations: [string, (wire: DynamoWire, i: number) => Promise<unknown>][] = [
  ['conditional counter UpdateItem', (wire, i) => new DynamoCounterStore(wire, LOCAL_NAMES.usageTable).addWithin(spendKey('user', `bench-${i % 16}`, now), { [spendAttr('committed', 'day', now)]: 10 }, { [spendAttr('committed', 'day', now)]: 1e15 }, 2e9)],
  ['token GetItem', (wire, i) => new DynamoTokenStore(wire, LOCAL_NAMES.tokensTable).lookup(`${tokenKey('x')}-${i % 16}`)],
]

type Sample = { cpuMs: number; wallMs: number }
const samples = new Map<string, Sample[]>()
for (let round = 1; round <= ROUNDS; round++) {
  for (const [op, run] of operations) {
    for (const [name, wire] of clients) {
      for (let i = 0; i < 100; i++) await run(wire, i) // warm-up: JIT, connections
      const cpu = process.cpuUsage()
      const started = performance.now()
      for (let i = 0; i < calls; i++) await run(wire, i)
      const used = process.cpuUsage(cpu)
      const sample = { cpuMs: (used.user + used.system) / 1000 / calls, wallMs: (performance.now() - started) / calls }
      samples.set(`${op}|${name}`, [...(samples.get(`${op}|${name}`) ?? []), sample])
      console.log(`round ${round}  ${op.padEnd(32)} ${name.padEnd(36)} CPU ${sample.cpuMs.toFixed(3)} ms  wall ${sample.wallMs.toFixed(3)} ms`)
    }
  }
}
await stores.close()
await rm(dataDir, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const rows = operations.flatMap(([op]) => {
  const [sdk, lean] = clients.map(([name]) => samples.get(`${op}|${name}`)!)
  const cell = (s: Sample[], k: keyof Sample) => median(s.map((x) => x[k]))
  return [
    `| ${op} | ${cell(sdk!, 'cpuMs').toFixed(3)} | ${cell(lean!, 'cpuMs').toFixed(3)} | ${(cell(lean!, 'cpuMs') / cell(sdk!, 'cpuMs')).toFixed(2)}× | ${cell(sdk!, 'wallMs').toFixed(3)} | ${cell(lean!, 'wallMs').toFixed(3)} | ${(cell(lean!, 'wallMs') / cell(sdk!, 'wallMs')).toFixed(2)}× |`,
  ]
})
const table = [
  '| call | SDK CPU, ms | lean CPU, ms | lean/SDK | SDK wall, ms | lean wall, ms | lean/SDK |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n')
console.log(`\n${table}`)

if (write) {
  const file = join(import.meta.dirname, 'store-client-results.md')
  await writeFile(
    file,
    `# DynamoDB client on the hot path: AWS SDK vs the lean client

Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${cpus().length}× ${cpus()[0]?.model.trim()}, Node ${process.version}.

Command: \`npx tsx bench/store-client.ts ${calls} --write\` (also \`npm run bench -- --only stores\`).

The same store code (DynamoCounterStore, DynamoTokenStore) over each transport, ${calls} sequential calls per
round and client, ${ROUNDS} rounds interleaved, medians of the rounds. dynalite runs in its own process (as
with \`serve\`); CPU is this process's only, which is what the proxy's event loop pays per call.

${table}
`,
  )
  console.log(`written: ${file}`)
}
