// `npm run bench`: the project's benchmarks in one run, results into bench/RESULTS.md
// (latest figures replaced, one dated row appended to the history table).
//
//   npm run bench                                  # proxy side by side, Lambda, secret scan
//   npm run bench -- --only proxy,lambda           # parts: proxy, large, streams, startup, lambda, lambda-share, profile, levers, secrets, policy, pool, stores, soak
//   npm run bench -- --quick                       # smoke run: small samples, nothing written
//   npm run bench -- --soak 300                    # also the long soak (seconds)
//   npm run bench -- --no-policy                   # cxp token without rpm/budget limits
//   npm run bench -- --cxp-arg=--secret-scan --cxp-arg=block --cxp-env CODEX_PROXY_BODY_CAP_BYTES=1048576
//
// The secret-scan part runs bench/secret-scan.bench.ts --write (bench/secret-scan-results.md);
// the policy part bench/policy-overhead.ts --write (bench/policy-overhead-results.md); the pool part
// bench/pool-overhead.ts --write (bench/pool-overhead-results.md); the stores
// part bench/store-client.ts --write (bench/store-client-results.md); the levers part
// bench/levers.ts --write (bench/levers-results.md).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { measureAtCpuShare } from './lambda/at-cpu-share.js'
import { measureLambda } from './lambda/cold-start.js'
import { measureLargeResponse } from './proxy/large-response.js'
import { profileServe } from './proxy/profile-serve.js'
import { measureStartup } from './proxy/startup.js'
import { buildCli } from '../ops-cli/build.js'
import { measureStreams } from './proxy/streams.js'
import { runSideBySide } from './proxy/side-by-side.js'
import { codexVersion, REPO, serveHasFlag } from './proxy/targets.js'
import { renderResults } from './results-file.js'

const RESULTS = join(REPO, 'bench/RESULTS.md')

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'proxy,large,streams,startup,lambda,lambda-share,profile,levers,secrets,policy,pool,stores' },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    requests: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string' },
    soak: { type: 'string' },
    'cxp-arg': { type: 'string', multiple: true, default: [] },
    'cxp-env': { type: 'string', multiple: true, default: [] },
    'no-write': { type: 'boolean', default: false },
    'no-policy': { type: 'boolean', default: false },
    // The commit whose Lambda bundle's module init is measured beside this one's ("today's").
    'lambda-baseline': { type: 'string', default: 'main' },
  },
})

const parts = new Set(values.only.split(','))
if (values.soak) parts.add('soak')
const quick = values.quick
const write = !quick && !values['no-write']
const log = (line: string) => console.log(line)

const cxpArgs = [...values['cxp-arg']]
const cxpEnv = Object.fromEntries(values['cxp-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
// Secret scanning is part of the configuration being measured as soon as `serve` has it.
const scanWired = serveHasFlag('--secret-scan')
if (scanWired && !cxpArgs.some((a) => a.startsWith('--secret-scan'))) cxpArgs.push('--secret-scan', 'flag')
const scanNote = scanWired
  ? `secret scan \`${cxpArgs[cxpArgs.findIndex((a) => a.startsWith('--secret-scan')) + 1] ?? 'flag'}\``
  : 'secret scan **not measured**: this build of `serve` has no `--secret-scan` (the scanner is not wired into the proxy yet)'

const machine = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  commit: git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain', '--untracked-files=no']) ? ' (modified)' : ''),
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  nproc: cpus().length,
  node: process.version,
  kernel: release(),
  codex: codexVersion(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
}
log(`${machine.date}  ${machine.commit}  ${machine.nproc}× ${machine.cpu}  node ${machine.node}  ${machine.codex}`)

let proxy
if (parts.has('proxy')) {
  const settings = {
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    latencyRequests: Number(values.requests ?? (quick ? 100 : 300)),
    paceMs: 25,
    concurrency: Number(values.concurrency),
    throughputMs: Number(values.seconds ?? (quick ? 3 : 8)) * 1000,
    cxp: { args: cxpArgs, env: cxpEnv, policy: !values['no-policy'] },
    upstream: { deltas: 20, eventDelayMs: 0 },
    log,
  }
  log(`proxy side by side: ${settings.rounds} rounds × (${settings.latencyRequests} sequential + ${settings.throughputMs / 1000} s at c=${settings.concurrency}) per target; cxp: ${scanNote}`)
  proxy = { settings, result: await runSideBySide(settings) }
}

let lambda
if (parts.has('lambda')) {
  log('Lambda bundle and cold start…')
  lambda = await measureLambda(quick ? 5 : 21, values['lambda-baseline'])
}

let large
if (parts.has('large')) {
  log('20 MB response through each target…')
  large = await measureLargeResponse({ requests: quick ? 1 : 5, cxp: { args: cxpArgs, env: cxpEnv, policy: !values['no-policy'] }, log })
}

let streams
if (parts.has('streams')) {
  log('200 concurrent streams through each proxy: RSS…')
  streams = await measureStreams({ streams: quick ? 50 : 200, cxp: { args: cxpArgs, env: cxpEnv, policy: !values['no-policy'] }, log })
}

let startup
if (parts.has('startup')) {
  log('start-up: serve → /healthz, CLI --help, tokens list --local (the CLI bundle built first, as `npm install` does)…')
  await buildCli({ quiet: true })
  startup = await measureStartup(quick ? 2 : 5)
}

let lambdaShare
if (parts.has('lambda-share')) {
  log("Lambda bundle at Lambda's CPU share (512 MB ≈ 0.29 vCPU)…")
  lambdaShare = await measureAtCpuShare({ requests: quick ? 50 : 200, log })
}

let profile
if (parts.has('profile')) {
  // Where serve's CPU still goes: the explanation the goals table points at for what is not met.
  log("serve's CPU profile at c=16 (bench/proxy/profile-serve.ts)…")
  profile = await profileServe(quick ? 3 : 10, undefined, { args: cxpArgs, env: cxpEnv })
}

if (parts.has('soak')) {
  const seconds = Number(values.soak ?? 300)
  log(`soak: 20 requests/s for ${seconds} s through the local host (test/load/soak.ts)…`)
  runScript('bench/soak.ts', [String(seconds)])
}

const report = renderResults({ machine, proxy, lambda, large, streams, startup, lambdaShare, profile, scanNote, previous: existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '' })
log('')
log(report.latest)
if (write && (proxy || lambda || large || streams || startup || lambdaShare || profile)) {
  writeFileSync(RESULTS, report.file)
  log(`written: ${RESULTS}`)
}

if (parts.has('secrets')) {
  log('secret-scan benchmark (bench/secret-scan.bench.ts)…')
  runScript('bench/secret-scan.bench.ts', write ? ['--write'] : [])
}

if (parts.has('policy')) {
  log('governance overhead per request (bench/policy-overhead.ts)…')
  runScript('bench/policy-overhead.ts', [String(quick ? 100 : 400), ...(write ? ['--write'] : [])])
}

if (parts.has('pool')) {
  log('upstream pool overhead per request (bench/pool-overhead.ts)…')
  runScript('bench/pool-overhead.ts', [String(quick ? 100 : 300), ...(write ? ['--write'] : [])])
}

if (parts.has('levers')) {
  log('cheap levers before/after (bench/levers.ts)…')
  runScript('bench/levers.ts', write ? ['--write'] : [])
}

if (parts.has('stores')) {
  log('DynamoDB client, SDK vs lean (bench/store-client.ts)…')
  runScript('bench/store-client.ts', [String(quick ? 200 : 1000), ...(write ? ['--write'] : [])])
}

/** A part that is its own script, in a fresh process so earlier parts' heap and JIT don't weigh on it. */
function runScript(script: string, args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, script), ...args], { cwd: REPO, stdio: 'inherit' })
  if (r.status !== 0) process.exitCode = 1
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO }).toString().trim()
  } catch {
    return ''
  }
}
