// The three ways a Codex request can reach the (fake) upstream, each started as its own
// process exactly as a user would start it:
//   direct — no proxy;
//   rust   — OpenAI's own `codex responses-api-proxy` from the pinned @openai/codex;
//   cxp    — `codex-proxy serve` with its embedded stores, a token with a policy (rpm
//            and a daily budget), audit to S3, and the given extra flags/environment.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Target } from './load-client.js'
import { childPids } from './proc-stats.js'

export const REPO = resolve(import.meta.dirname, '../..')
const CLI = join(REPO, 'ops-cli/bin/run.js')
const UPSTREAM_KEY = 'sk-bench-upstream-key'

export interface RunningTarget extends Target {
  /** The process that handles requests (CPU and memory are read from it). */
  pid: number | undefined
  /** Helper processes that belong to this target (codex-proxy's embedded stores). */
  helperPids: () => number[]
  stop(): Promise<void>
}

export function directTarget(upstreamUrl: string): RunningTarget {
  return { name: 'direct', url: `${upstreamUrl}/v1/responses`, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, pid: undefined, helperPids: () => [], stop: async () => {} }
}

/**
 * The native binary that `node_modules/.bin/codex` launches (its codex.js picks the
 * platform package); started directly so that its PID is the one serving requests.
 */
export function rustProxyBinary(): string {
  const triple = process.arch === 'arm64' ? 'aarch64-unknown-linux-musl' : 'x86_64-unknown-linux-musl'
  const pkg = process.arch === 'arm64' ? 'codex-linux-arm64' : 'codex-linux-x64'
  const bin = join(REPO, 'node_modules/@openai', pkg, 'vendor', triple, 'bin/codex')
  if (!existsSync(bin)) throw new Error(`Codex binary not found at ${bin} (npm ci installs @openai/codex)`)
  return bin
}

export function codexVersion(): string {
  return execFileSync(rustProxyBinary(), ['--version']).toString().trim()
}

export async function rustTarget(upstreamUrl: string): Promise<RunningTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rust-'))
  const info = join(dir, 'server-info.json')
  const child = spawn(rustProxyBinary(), ['responses-api-proxy', '--server-info', info, '--upstream-url', `${upstreamUrl}/v1/responses`], {
    stdio: ['pipe', 'ignore', 'inherit'],
  })
  child.stdin!.end(UPSTREAM_KEY)
  const { port, pid } = await serverInfo(info, child)
  return {
    name: 'rust',
    url: `http://127.0.0.1:${port}/v1/responses`,
    headers: { authorization: 'Bearer anything' }, // replaced by the key from stdin
    pid,
    helperPids: () => [],
    stop: () => stopChild(child, dir),
  }
}

export interface CxpOptions {
  /** Extra `serve` flags (e.g. `--secret-scan flag` once it exists). */
  args: string[]
  /** Extra environment (CODEX_PROXY_* settings). */
  env: Record<string, string>
  /** Give the token an rpm limit and a daily budget (default), or no limits at all. */
  policy?: boolean
  /** Node flags for `serve` (e.g. `--cpu-prof --cpu-prof-dir=D` to profile it under the bench's load). */
  nodeArgs?: string[]
}

export async function cxpTarget(upstreamUrl: string, options: CxpOptions): Promise<RunningTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cxp-'))
  const dataDir = join(dir, 'data')
  const info = join(dir, 'server-info.json')
  const env = { ...process.env, ...options.env }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--upstream-url', upstreamUrl, '--server-info', info, ...options.args], {
    cwd: REPO,
    env,
    stdio: ['pipe', 'ignore', 'inherit'],
  })
  child.stdin!.end(UPSTREAM_KEY)
  const { port, pid } = await serverInfo(info, child)
  // A token with a policy, so the rate-limit and budget checks run on every request.
  const limits = options.policy === false ? [] : ['--rpm', '1000000', '--budget-daily', '1000000']
  const added = execFileSync(process.execPath, [CLI, 'tokens', 'add', 'bench', '--local', '--data-dir', dataDir, '--json', ...limits], { cwd: REPO, env })
  const { token } = JSON.parse(added.toString()) as { token: string }
  return {
    name: 'cxp',
    url: `http://127.0.0.1:${port}/v1/responses`,
    headers: { authorization: `Bearer ${token}`, originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0' },
    pid,
    helperPids: () => childPids(pid),
    stop: () => stopChild(child, dir),
  }
}

/** Diagnostic: the proxy core on in-memory ports (bench/proxy/core-only-main.ts). */
export async function coreOnlyTarget(upstreamUrl: string, options: { nodeArgs?: string[]; env?: Record<string, string>; repo?: string } = {}): Promise<RunningTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-core-'))
  // `repo`: another checkout of this repository (A/B of a change against its base).
  const repo = options.repo ?? REPO
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(repo, 'bench/proxy/core-only-main.ts'), upstreamUrl], {
    cwd: repo,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')))
    })
    child.once('exit', (code) => reject(new Error(`core-only target exited with ${code}`)))
  })
  const { port, pid, token } = JSON.parse(line) as { port: number; pid: number; token: string }
  return {
    name: 'core',
    url: `http://127.0.0.1:${port}/v1/responses`,
    headers: { authorization: `Bearer ${token}`, originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0' },
    pid,
    helperPids: () => [],
    stop: () => stopChild(child, dir),
  }
}

/** `serve --help` lists the flag once the secret scanner is wired into the proxy. */
export function serveHasFlag(flag: string): boolean {
  return execFileSync(process.execPath, [CLI, 'serve', '--help'], { cwd: REPO }).toString().includes(flag)
}

async function serverInfo(file: string, child: ChildProcess): Promise<{ port: number; pid: number }> {
  for (let i = 0; i < 600; i++) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
    if (text.endsWith('\n')) {
      const parsed = JSON.parse(text) as { port: number; pid?: number }
      return { port: parsed.port, pid: parsed.pid ?? child.pid! }
    }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`${file}: the server did not start`)
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
}
