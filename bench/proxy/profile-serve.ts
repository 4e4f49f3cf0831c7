// Where `serve`'s CPU goes under the bench's load: `serve` (token with rpm + daily budget,
// secret scan flag, audit to the embedded S3) under node --cpu-prof, a closed loop at
// concurrency 16 for N seconds, then the profile summarised by package and function.
// Usage: npx tsx bench/proxy/profile-serve.ts [seconds=10] [dir=/tmp/cxp-prof]
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { firstTurnBody } from '../codex-corpus.js'
import { LoadClient } from './load-client.js'
import { summarise } from './profile-summary.js'
import { cxpTarget } from './targets.js'

const seconds = Number(process.argv[2] ?? 10)
const dir = process.argv[3] ?? '/tmp/cxp-prof'
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
const upstream = await startFakeOpenAIProcess({ deltas: 20, eventDelayMs: 0 })
const target = await cxpTarget(upstream.url, { args: ['--secret-scan', 'flag'], env: {}, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
const client = new LoadClient(target, Buffer.from(firstTurnBody(1)), 16)
await client.sequential(50)
const { exchanges, wallMs } = await client.closedLoop(16, seconds * 1000)
client.close()
await target.stop()
await upstream.close()
console.log(`${exchanges.length} exchanges in ${(wallMs / 1000).toFixed(1)} s (start-up is in the profile too)`)
// The main thread's profile is the largest (the scan worker writes its own).
const main = readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!
console.log(summarise(JSON.parse(readFileSync(main, 'utf8')), 30).join('\n'))
