// Runs the Lambda bundle as Lambda's Node.js managed runtime does: AWS's runtime client
// (npm aws-lambda-ric, built by scripts/ensure-lambda-ric.sh on Node 22) loads
// `index.handler` from a task root holding only the bundle (no node_modules), and talks
// to the Runtime API at AWS_LAMBDA_RUNTIME_API.
// The runtime client reads the handler from `_HANDLER` only, and wants the function's
// identity in the AWS_LAMBDA_* variables Lambda sets
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const RIC_DIR_ENV = 'CODEX_PROXY_RIC_DIR'

/** The built runtime client's cache directory (node/ and ric/ inside); builds it if missing. */
export function ricDir(): string {
  const fromSetup = process.env[RIC_DIR_ENV]
  if (fromSetup && existsSync(join(fromSetup, '.complete'))) return fromSetup
  return execFileSync('bash', ['scripts/ensure-lambda-ric.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
}

export interface RicProcess {
  pid: number
  /** Lines the function wrote to stdout and stderr (Lambda sends both to CloudWatch Logs). */
  output: string[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  hasExited(): boolean
  stop(): Promise<void>
}

/** A task root with the bundle and nothing else, as `pulumi up` deploys dist/lambda. */
export function taskRootFrom(bundleDir: string): string {
  const root = mkdtempSync(join(tmpdir(), 'cxp-task-root-'))
  // The whole directory: the entry imports its chunks (chunks/) by relative path.
  cpSync(bundleDir, root, { recursive: true })
  return root
}

export function startRic(options: { runtimeApi: string; taskRoot: string; env: Record<string, string> }): RicProcess {
  const dir = ricDir()
  const child: ChildProcess = spawn(join(dir, 'node', 'bin', 'node'), [join(dir, 'ric', 'index.mjs')], {
    cwd: options.taskRoot,
    env: {
      PATH: `${join(dir, 'node', 'bin')}:/usr/bin:/bin`,
      HOME: tmpdir(),
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: options.taskRoot,
      LAMBDA_RUNTIME_DIR: join(dir, 'ric'),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'codex-proxy',
      AWS_LAMBDA_FUNCTION_VERSION: '1',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/codex-proxy',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/29/[1]0123456789abcdef',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  let pendingOut = ''
  const collect = (d: Buffer) => {
    pendingOut += d.toString('utf8')
    const lines = pendingOut.split('\n')
    pendingOut = lines.pop()!
    output.push(...lines)
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  let done = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close': after the exit and after its stdout and stderr have been read to the end.
    child.once('close', (code, signal) => {
      done = true
      if (pendingOut) output.push(pendingOut)
      resolve({ code, signal })
    }),
  )
  return {
    pid: child.pid!,
    output,
    exited,
    hasExited: () => done,
    async stop() {
      if (!done) {
        // A frozen (SIGSTOPped) runtime only acts on SIGKILL or after SIGCONT.
        child.kill('SIGKILL')
        await exited
      }
      rmSync(options.taskRoot, { recursive: true, force: true })
    },
  }
}
