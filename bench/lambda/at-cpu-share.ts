// The Lambda bundle at Lambda's CPU share: bench/lambda/http-host.mjs (the bundle behind
// node:http, Function URL events in, prelude-decoded stream out) started in a cgroup whose
// CPU quota is what a 512 MB function gets. Lambda allocates CPU in proportion to memory,
// one full vCPU at 1,769 MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html),
// so 512 MB ≈ 0.29 vCPU: a CFS quota of 29 ms per 100 ms period.
// The stores (dynalite, s3rver), a fake Secrets Manager and the fake upstream run outside
// the cgroup, as the AWS services and OpenAI do. The same host also runs without a limit,
// so the two columns differ only by the CPU share.
// Also measured here: the first real request (POST /v1/responses, not /healthz) after
// init against a warm one, and module init.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildLambda, LAMBDA_BUNDLE } from '../../lambda/build.js'
import { TokenAdmin } from '../../lambda/src/stores/token-admin.js'
import { startFakeSecretsManager } from '../../test/lambda-runtime/support/fake-secrets-manager.js'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { deployedLambdaEnv, TEST_SECRET_ARN } from '../../test/support/lambda-env.js'
import { startTestStores } from '../../test/support/stores.js'
import { firstTurnBody } from '../codex-corpus.js'
import { LoadClient, median, percentile } from '../proxy/load-client.js'
import { REPO } from '../proxy/targets.js'

/** 512 MB of 1,769 MB per vCPU. */
export const LAMBDA_512_SHARE = 512 / 1769
const UPSTREAM_KEY = 'sk-bench-upstream-key'

export interface ShareFigures {
  /** 1 = no limit. */
  share: number
  initMs: number
  firstRequestMs: number
  warmP50Ms: number
  warmP99Ms: number
  /** Warm p50 minus the direct p50 measured in the same run. */
  addedP50Ms: number
  addedP99Ms: number
  errors: number
}

export interface AtShareResult {
  /** How the limit was applied, or why it could not be. */
  cgroup: string
  directP50Ms: number
  runs: ShareFigures[]
}

type Limiter = { kind: 'cgroup'; how: string; wrap(cmd: string[]): string[]; cleanup(): void } | { kind: 'none'; why: string }

/** A CPU limit through cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`); no substitute (taskset plus a CPU burner is not the same thing). */
export function cpuLimiter(share: number, name = `codex-proxy-bench-${process.pid}`): Limiter {
  const periodUs = 100_000
  const quotaUs = Math.round(share * periodUs)
  const v2root = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : undefined
  try {
    if (v2root && readFileSync(join(v2root, 'cgroup.controllers'), 'utf8').includes('cpu')) {
      const dir = join(v2root, name)
      mkdirSync(dir)
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`)
      return { kind: 'cgroup', how: `cgroup v2 ${dir}/cpu.max = ${quotaUs} ${periodUs}`, wrap: (cmd) => enter(dir, cmd), cleanup: () => rmdirSync(dir) }
    }
    if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
      const dir = join('/sys/fs/cgroup/cpu', name)
      mkdirSync(dir)
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(periodUs))
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs))
      return { kind: 'cgroup', how: `cgroup v1 ${dir}: cpu.cfs_quota_us ${quotaUs} per cpu.cfs_period_us ${periodUs}`, wrap: (cmd) => enter(dir, cmd), cleanup: () => rmdirSync(dir) }
    }
    return { kind: 'none', why: 'no writable cgroup CPU controller (neither v2 cpu.max nor v1 cpu.cfs_quota_us)' }
  } catch (e) {
    return { kind: 'none', why: `cgroup not writable here: ${(e as Error).message}` }
  }
}

/** The shell puts itself into the cgroup, then becomes the host: nothing runs outside the limit. */
function enter(dir: string, cmd: string[]): string[] {
  return ['sh', '-c', `echo $$ > ${join(dir, 'cgroup.procs')} && exec "$@"`, 'sh', ...cmd]
}

export async function measureAtCpuShare(options: { requests: number; log: (l: string) => void }): Promise<AtShareResult> {
  const cwd = process.cwd()
  process.chdir(REPO)
  // BENCH_LAMBDA_BUNDLE: another build of the entry (e.g. unminified, to read a profile).
  const bundle = process.env.BENCH_LAMBDA_BUNDLE ?? join(REPO, LAMBDA_BUNDLE)
  try {
    if (!process.env.BENCH_LAMBDA_BUNDLE) await buildLambda({ quiet: true })
  } finally {
    process.chdir(cwd)
  }
  const stores = await startTestStores()
  const upstream = await startFakeOpenAIProcess({ deltas: 20, eventDelayMs: 0 })
  const secrets = await startFakeSecretsManager({ [TEST_SECRET_ARN]: UPSTREAM_KEY })
  const body = Buffer.from(firstTurnBody(1))
  const limiter = cpuLimiter(LAMBDA_512_SHARE)
  try {
    const { token } = await new TokenAdmin(stores.doc, stores.names.tokensTable).create({ user: 'bench', policy: { rpm: 1_000_000, budget_daily_usd: 1_000_000 } })
    const env = { ...process.env, ...deployedLambdaEnv(stores, upstream.url), AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
    const direct = new LoadClient({ name: 'direct', url: `${upstream.url}/v1/responses`, headers: { authorization: `Bearer ${UPSTREAM_KEY}` } }, body, 1)
    await direct.sequential(50)
    const directP50 = median((await direct.sequential(options.requests, 25)).map((e) => e.totalMs))
    direct.close()
    // The stores are emulators started cold with this bench; in AWS, DynamoDB, S3 and
    // Secrets Manager are warm services. A throwaway host warms them (and the fake upstream)
    // with the same calls first, so each measured "first request" is the Lambda's own.
    await warmTheServices(bundle, env, token, body)
    const runs: ShareFigures[] = []
    for (const share of [1, LAMBDA_512_SHARE]) {
      // BENCH_LAMBDA_NODE_ARGS: extra Node flags for the host, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to see where the first request goes.
      const nodeArgs = (process.env.BENCH_LAMBDA_NODE_ARGS ?? '').split(' ').filter(Boolean)
      const base = [process.execPath, ...nodeArgs, join(REPO, 'bench/lambda/http-host.mjs'), bundle]
      if (share < 1 && limiter.kind === 'none') continue
      const cmd = share < 1 && limiter.kind === 'cgroup' ? limiter.wrap(base) : base
      const child = spawn(cmd[0]!, cmd.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] })
      try {
        const info = await firstLine(child)
        const target = { name: 'lambda', url: `http://127.0.0.1:${info.port}/v1/responses`, headers: { authorization: `Bearer ${token}`, originator: 'codex_exec' } }
        const client = new LoadClient(target, body, 1)
        const first = await client.once()
        await client.sequential(30)
        const warm = await client.sequential(options.requests, 25)
        client.close()
        const total = warm.map((e) => e.totalMs)
        const fig: ShareFigures = {
          share,
          initMs: info.initMs,
          firstRequestMs: first.ok ? first.totalMs : NaN,
          warmP50Ms: median(total),
          warmP99Ms: percentile(total, 99),
          addedP50Ms: median(total) - directP50,
          addedP99Ms: percentile(total, 99) - directP50,
          errors: warm.filter((e) => !e.ok).length + (first.ok ? 0 : 1),
        }
        options.log(`  Lambda host at ${(share * 100).toFixed(0)}% CPU: init ${fig.initMs.toFixed(1)} ms, first request ${fig.firstRequestMs.toFixed(1)} ms, warm p50 ${fig.warmP50Ms.toFixed(2)} ms (+${fig.addedP50Ms.toFixed(2)} over direct)`)
        runs.push(fig)
      } finally {
        await stop(child)
      }
    }
    return { cgroup: limiter.kind === 'none' ? `**not measured at the share**: ${limiter.why}` : limiter.how, directP50Ms: directP50, runs }
  } finally {
    if (limiter.kind === 'cgroup') limiter.cleanup()
    await secrets.close()
    await upstream.close()
    await stores.close()
  }
}

async function warmTheServices(bundle: string, env: NodeJS.ProcessEnv, token: string, body: Buffer): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, 'bench/lambda/http-host.mjs'), bundle], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const info = await firstLine(child)
    const client = new LoadClient({ name: 'warm-services', url: `http://127.0.0.1:${info.port}/v1/responses`, headers: { authorization: `Bearer ${token}`, originator: 'codex_exec' } }, body, 1)
    await client.sequential(30)
    client.close()
  } finally {
    await stop(child)
  }
}

function firstLine(child: ChildProcess): Promise<{ port: number; pid: number; initMs: number }> {
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))))
    })
    child.once('exit', (code) => reject(new Error(`Lambda http host exited with ${code}`)))
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(t)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureAtCpuShare({ requests: Number(process.argv[2] ?? 100), log: console.log }), null, 1))
}
