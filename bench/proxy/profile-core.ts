// Where the proxy core and the node:http host spend their own CPU: the core on in-memory
// ports (bench/proxy/core-only-main.ts) under node --cpu-prof, a closed loop at
// concurrency 16 for N seconds, then the profile summarised by package and function.
// Usage: npx tsx bench/proxy/profile-core.ts [seconds=10] [dir=/tmp/cxp-core-prof] [large]
// `large`: 20 MB answers one at a time instead (bench/proxy/large-response.ts's upstream).
// CORE_RELAY=undici|node picks the core's upstream relay (core-only-main.ts).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { firstTurnBody } from '../codex-corpus.js'
import { LoadClient } from './load-client.js'
import { summarise } from './profile-summary.js'
import { coreOnlyTarget } from './targets.js'

const seconds = Number(process.argv[2] ?? 10)
const dir = process.argv[3] ?? '/tmp/cxp-core-prof'
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
const largeAnswers = process.argv[4] === 'large'
const upstream = await startFakeOpenAIProcess(largeAnswers ? { deltas: 200, deltaPaddingBytes: 100_000, eventDelayMs: 0, recordRequests: false } : { deltas: 20, eventDelayMs: 0 })
const target = await coreOnlyTarget(upstream.url, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
const concurrency = largeAnswers ? 1 : 16
const client = new LoadClient(target, Buffer.from(firstTurnBody(1)), concurrency)
await client.sequential(largeAnswers ? 1 : 50)
const { exchanges, wallMs } = await client.closedLoop(concurrency, seconds * 1000)
client.close()
await target.stop()
await upstream.close()
console.log(`${exchanges.length} exchanges in ${(wallMs / 1000).toFixed(1)} s (start-up is in the profile too)`)
const main = readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!
console.log(summarise(JSON.parse(readFileSync(main, 'utf8')), 40).join('\n'))
