// Where `serve`'s start goes: `serve` (as installed: the CLI bundle when it is fresh) under
// node --cpu-prof from spawn to its first 200 on /healthz, on a data directory provisioned
// by an earlier start (as bench/proxy/startup.ts measures it), then stopped and its main
// process's profile summarised. "(idle)" is time spent waiting (for the store child, the
// table checks). Usage: npx tsx bench/proxy/profile-startup.ts [runs=3] [dir=/tmp/cxp-start-prof]
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Profile, summarise } from './profile-summary.js'
import { serveToHealthz } from './startup.js'
import { REPO } from './targets.js'

const runs = Number(process.argv[2] ?? 3)
const dir = process.argv[3] ?? '/tmp/cxp-start-prof'
const work = mkdtempSync(join(tmpdir(), 'bench-start-prof-'))
const dataDir = join(work, 'data')
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
await (await serveToHealthz(REPO, dataDir, join(work, 'info-0.json'), env)).stop()
for (let i = 1; i <= runs; i++) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const started = await serveToHealthz(REPO, dataDir, join(work, `info-${i}.json`), env, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
  await started.stop()
  // The store child inherits the flag and writes its own profile: take serve's (its pid is in the name).
  const file = readdirSync(dir).find((f) => f.includes(`.${started.pid}.`))
  console.log(`run ${i}: spawn → healthy /healthz ${started.ms.toFixed(0)} ms under the profiler`)
  if (file) console.log(summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile, 15).join('\n'))
}
rmSync(work, { recursive: true, force: true })
