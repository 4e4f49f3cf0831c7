// Spawning the real CLI (`node ops-cli/bin/run.js …`) and the real Codex binary.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO = resolve(import.meta.dirname, '../..')
export const CLI = join(REPO, 'ops-cli/bin/run.js')
export const CODEX = join(REPO, 'node_modules/.bin/codex')

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

export function run(command: string, args: string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // Own process group: `codex` is a Node wrapper around a native binary, and a timeout
      // must take both down.
      detached: true,
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    if (options.stdin !== undefined) child.stdin!.end(options.stdin)
    const timer = setTimeout(() => killGroup(child.pid), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

export const cli = (args: string[], options?: Parameters<typeof run>[2]) => run(process.execPath, [CLI, ...args], options)

export interface ServeProcess {
  port: number
  url: string
  pid: number
  stdout: () => string
  stderr: () => string
  stop(): Promise<number | null>
}

/**
 * `printf '%s' "$KEY" | node ops-cli/bin/run.js serve --port 0 --data-dir D --upstream-url U --server-info F`
 * — the exact invocation other tools rely on.
 */
export async function startServe(options: { dataDir: string; upstreamUrl: string; key?: string; args?: string[]; env?: Record<string, string> }): Promise<ServeProcess> {
  const infoFile = join(await mkdtemp(join(tmpdir(), 'cxp-info-')), 'server-info.json')
  const extra = (options.args ?? []).map((a) => `'${a}'`).join(' ')
  const keyPipe = options.key === undefined ? '' : `printf '%s' "$CXP_TEST_KEY" | `
  const script = `${keyPipe}exec node ops-cli/bin/run.js serve --port 0 --data-dir "$CXP_DATA" --upstream-url "$CXP_UPSTREAM" --server-info "$CXP_INFO" ${extra}`
  const child = spawn('bash', ['-c', script], {
    cwd: REPO,
    // Own process group, so a failed start can take the whole pipeline down.
    detached: true,
    env: {
      ...process.env,
      ...options.env,
      CXP_TEST_KEY: options.key ?? '',
      CXP_DATA: options.dataDir,
      CXP_UPSTREAM: options.upstreamUrl,
      CXP_INFO: infoFile,
    },
    stdio: [options.key === undefined ? 'ignore' : 'inherit', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  for (let i = 0; i < 300; i++) {
    const info = await readFile(infoFile, 'utf8').catch(() => '')
    if (info.endsWith('\n')) {
      const { port, pid } = JSON.parse(info) as { port: number; pid: number }
      return {
        port,
        pid,
        url: `http://127.0.0.1:${port}`,
        stdout: () => stdout,
        stderr: () => stderr,
        async stop() {
          // Signal `serve` itself (its pid is in the server info): with the key piped in,
          // bash is only the pipeline's parent, and then exits with serve's status.
          try {
            process.kill(pid, 'SIGTERM')
          } catch {
            // already gone
          }
          const timer = setTimeout(() => killGroup(child.pid), 15_000)
          const code = await exited
          clearTimeout(timer)
          return code
        },
      }
    }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 100))
  }
  killGroup(child.pid)
  throw new Error(`serve did not start:\n${stdout}\n${stderr}`)
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** `codex exec` through a custom provider pointing at `baseUrl` (NOTES.md). */
export async function runCodex(options: { baseUrl: string; token: string; prompt: string; timeoutMs?: number; httpHeaders?: Record<string, string> }): Promise<RunResult> {
  const home = await mkdtemp(join(tmpdir(), 'cxp-codex-home-'))
  // Extra headers as a developer sets them once in the provider config (`http_headers`).
  const headers = options.httpHeaders ? `,http_headers={${Object.entries(options.httpHeaders).map(([k, v]) => `"${k}"="${v}"`).join(',')}}` : ''
  const provider = `model_providers.cxp={name="cxp",base_url="${options.baseUrl}/v1",wire_api="responses",env_key="CXP_TOKEN"${headers}}`
  return run(CODEX, ['exec', '--skip-git-repo-check', '-c', provider, '-c', 'model_provider=cxp', options.prompt], {
    cwd: home,
    env: { CODEX_HOME: home, HOME: home, CXP_TOKEN: options.token, OPENAI_API_KEY: '', RUST_LOG: 'error' },
    timeoutMs: options.timeoutMs ?? 90_000,
  })
}
