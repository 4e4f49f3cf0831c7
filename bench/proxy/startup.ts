// Start-up costs a user waits for: `serve` from spawn to the first 200 on /healthz, and
// CLI commands from spawn to exit (median of N fresh processes each); and `serve`'s memory
// once idle (VmRSS 2 s after /healthz answered, its store child apart).
// `tsx bench/proxy/startup.ts N --ab` alternates the CLI bundle and the sources through
// tsx (CODEX_PROXY_CLI=bundle|sources, ops-cli/bin/run.js) round by round, as ratios.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median } from './load-client.js'
import { descendants, memory } from './proc-stats.js'
import { REPO } from './targets.js'

const CLI = join(REPO, 'ops-cli/bin/run.js')

export interface StartupFigures {
  serveToHealthzMs: number
  cliHelpMs: number
  tokensListLocalMs: number
  /** VmRSS of `serve` itself, idle 2 s after its first /healthz; and of its child processes. */
  serveIdleRssMiB: number
  childrenIdleRssMiB: number
  runs: number
}

/** How ops-cli/bin/run.js runs the CLI: its own choice (the bundle when fresh), or forced. */
export type CliMode = 'auto' | 'bundle' | 'sources'

export async function measureStartup(runs: number, mode: CliMode = 'auto'): Promise<StartupFigures> {
  const env = { ...process.env, CODEX_PROXY_CLI: mode }
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'))
  try {
    const dataDir = join(dir, 'data')
    const healthz: number[] = []
    // The first start provisions the data directory; that one is not what a user waits for daily.
    await (await serveToHealthz(dataDir, join(dir, 'info-0.json'), env)).stop()
    for (let i = 1; i <= runs; i++) {
      const s = await serveToHealthz(dataDir, join(dir, `info-${i}.json`), env)
      healthz.push(s.ms)
      await s.stop()
    }
    // `tokens list --local` talks to the running stack.
    const serving = await serveToHealthz(dataDir, join(dir, 'info-cli.json'), env)
    await new Promise((r) => setTimeout(r, 2_000))
    const mib = (pid: number) => memory(pid).rssBytes / 2 ** 20
    const serveIdleRssMiB = mib(serving.pid)
    const childrenIdleRssMiB = descendants(serving.pid).reduce((sum, pid) => sum + mib(pid), 0)
    const timed = (args: string[]) => {
      const t: number[] = []
      execFileSync(process.execPath, [CLI, ...args], { cwd: REPO, env }) // file cache warm
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        execFileSync(process.execPath, [CLI, ...args], { cwd: REPO, env, stdio: 'ignore' })
        t.push(performance.now() - t0)
      }
      return median(t)
    }
    try {
      return {
        serveToHealthzMs: median(healthz),
        cliHelpMs: timed(['--help']),
        tokensListLocalMs: timed(['tokens', 'list', '--local', '--data-dir', dataDir]),
        serveIdleRssMiB,
        childrenIdleRssMiB,
        runs,
      }
    } finally {
      await serving.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}

async function serveToHealthz(dataDir: string, info: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; pid: number; stop: () => Promise<void> }> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--upstream-url', 'http://127.0.0.1:9', '--server-info', info], {
    cwd: REPO,
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  })
  child.stdin!.end('sk-bench-upstream-key')
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  }
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`)
      if (performance.now() - t0 > 60_000) throw new Error('serve: no healthy /healthz within 60 s')
      const text = existsSync(info) ? readFileSync(info, 'utf8') : ''
      if (text.endsWith('\n')) {
        const { port } = JSON.parse(text) as { port: number }
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false)
        if (ok) return { ms: performance.now() - t0, pid: child.pid!, stop }
      }
      await new Promise((r) => setTimeout(r, 5))
    }
  } catch (e) {
    await stop()
    throw e
  }
}

/** Alternates the sources and the bundle one round at a time (runs each, so load swings hit both); medians of the rounds. */
export async function compareStartup(rounds: number): Promise<{ sources: StartupFigures; bundle: StartupFigures }> {
  const all: Record<'sources' | 'bundle', StartupFigures[]> = { sources: [], bundle: [] }
  for (let i = 0; i < rounds; i++) {
    for (const mode of i % 2 ? (['bundle', 'sources'] as const) : (['sources', 'bundle'] as const)) all[mode].push(await measureStartup(1, mode))
  }
  const med = (list: StartupFigures[]): StartupFigures => ({
    serveToHealthzMs: median(list.map((f) => f.serveToHealthzMs)),
    cliHelpMs: median(list.map((f) => f.cliHelpMs)),
    tokensListLocalMs: median(list.map((f) => f.tokensListLocalMs)),
    serveIdleRssMiB: median(list.map((f) => f.serveIdleRssMiB)),
    childrenIdleRssMiB: median(list.map((f) => f.childrenIdleRssMiB)),
    runs: list.length,
  })
  return { sources: med(all.sources), bundle: med(all.bundle) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 3)
  if (process.argv.includes('--ab')) {
    const { sources, bundle } = await compareStartup(n)
    const row = (name: string, key: keyof StartupFigures, unit: string) =>
      `| ${name} | ${sources[key].toFixed(unit === 'ms' ? 0 : 1)} ${unit} | ${bundle[key].toFixed(unit === 'ms' ? 0 : 1)} ${unit} | ${(bundle[key] / sources[key]).toFixed(2)}× |`
    console.log(
      [
        `${n} rounds, sources and bundle alternating; medians.`,
        '',
        '| measure | sources through tsx | bundle | bundle ÷ sources |',
        '|---|---|---|---|',
        row('`serve` spawn → first 200 on /healthz', 'serveToHealthzMs', 'ms'),
        row('`codex-proxy --help`', 'cliHelpMs', 'ms'),
        row('`codex-proxy tokens list --local`', 'tokensListLocalMs', 'ms'),
        row('`serve` VmRSS, idle 2 s after /healthz', 'serveIdleRssMiB', 'MiB'),
        row('its store child, VmRSS', 'childrenIdleRssMiB', 'MiB'),
      ].join('\n'),
    )
  } else console.log(await measureStartup(n))
}
