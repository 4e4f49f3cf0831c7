// Start-up costs a user waits for: `serve` from spawn to the first 200 on /healthz, and
// CLI commands from spawn to exit (median of N fresh processes each); and `serve`'s memory
// once idle (VmRSS 2 s after /healthz answered, its store child apart).
// `tsx bench/proxy/startup.ts N --ab [--before DIR]` alternates the CLI bundle and the
// sources through tsx (CODEX_PROXY_CLI=bundle|sources, ops-cli/bin/run.js) round by round,
// as ratios; with --before, also another checkout's CLI (e.g. `git archive` of the base
// commit with node_modules linked), run the same way.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median } from './load-client.js'
import { descendants, memory } from './proc-stats.js'
import { REPO } from './targets.js'

const cliOf = (repo: string) => join(repo, 'ops-cli/bin/run.js')

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

export async function measureStartup(runs: number, mode: CliMode = 'auto', repo = REPO): Promise<StartupFigures> {
  const env = { ...process.env, CODEX_PROXY_CLI: mode }
  const CLI = cliOf(repo)
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'))
  try {
    const dataDir = join(dir, 'data')
    const healthz: number[] = []
    // The first start provisions the data directory; that one is not what a user waits for daily.
    await (await serveToHealthz(repo, dataDir, join(dir, 'info-0.json'), env)).stop()
    for (let i = 1; i <= runs; i++) {
      const s = await serveToHealthz(repo, dataDir, join(dir, `info-${i}.json`), env)
      healthz.push(s.ms)
      await s.stop()
    }
    // `tokens list --local` talks to the running stack.
    const serving = await serveToHealthz(repo, dataDir, join(dir, 'info-cli.json'), env)
    await new Promise((r) => setTimeout(r, 2_000))
    const mib = (pid: number) => memory(pid).rssBytes / 2 ** 20
    const serveIdleRssMiB = mib(serving.pid)
    const childrenIdleRssMiB = descendants(serving.pid).reduce((sum, pid) => sum + mib(pid), 0)
    const timed = (args: string[]) => {
      const t: number[] = []
      execFileSync(process.execPath, [CLI, ...args], { cwd: repo, env }) // file cache warm
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        execFileSync(process.execPath, [CLI, ...args], { cwd: repo, env, stdio: 'ignore' })
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

export async function serveToHealthz(repo: string, dataDir: string, info: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ ms: number; pid: number; stop: () => Promise<void> }> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [...nodeArgs, cliOf(repo), 'serve', '--port', '0', '--data-dir', dataDir, '--upstream-url', 'http://127.0.0.1:9', '--server-info', info], {
    cwd: repo,
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

/** Alternates the arms one round at a time, in a rotating order (so load swings hit all); medians of the rounds. */
export async function compareStartup(rounds: number, before?: string): Promise<Record<string, StartupFigures>> {
  const arms: [string, CliMode, string][] = [
    ...(before ? [['before', 'auto', before] as [string, CliMode, string]] : []),
    ['sources', 'sources', REPO],
    ['bundle', 'bundle', REPO],
  ]
  const all = new Map<string, StartupFigures[]>(arms.map(([name]) => [name, []]))
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < arms.length; k++) {
      const [name, mode, repo] = arms[(i + k) % arms.length]!
      all.get(name)!.push(await measureStartup(1, mode, repo))
    }
  }
  const med = (list: StartupFigures[]): StartupFigures => ({
    serveToHealthzMs: median(list.map((f) => f.serveToHealthzMs)),
    cliHelpMs: median(list.map((f) => f.cliHelpMs)),
    tokensListLocalMs: median(list.map((f) => f.tokensListLocalMs)),
    serveIdleRssMiB: median(list.map((f) => f.serveIdleRssMiB)),
    childrenIdleRssMiB: median(list.map((f) => f.childrenIdleRssMiB)),
    runs: list.length,
  })
  return Object.fromEntries([...all].map(([name, list]) => [name, med(list)]))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 3)
  if (process.argv.includes('--ab')) {
    const at = process.argv.indexOf('--before')
    const before = at > 0 ? process.argv[at + 1] : undefined
    const figures = await compareStartup(n, before)
    const names = Object.keys(figures)
    const ref = figures[names[0]!]!
    const row = (label: string, key: keyof StartupFigures, unit: string) =>
      `| ${label} | ${names.map((name) => `${figures[name]![key].toFixed(unit === 'ms' ? 0 : 1)} ${unit}`).join(' | ')} | ${names
        .slice(1)
        .map((name) => `${(figures[name]![key] / ref[key]).toFixed(2)}×`)
        .join(' | ')} |`
    console.log(
      [
        `${n} rounds, ${names.join(', ')} in rotating order; medians.${before ? ` before = ${before}` : ''}`,
        '',
        `| measure | ${names.join(' | ')} | ${names.slice(1).map((name) => `${name} ÷ ${names[0]}`).join(' | ')} |`,
        `|---|${names.map(() => '---|').join('')}${names.slice(1).map(() => '---|').join('')}`,
        row('`serve` spawn → first 200 on /healthz', 'serveToHealthzMs', 'ms'),
        row('`codex-proxy --help`', 'cliHelpMs', 'ms'),
        row('`codex-proxy tokens list --local`', 'tokensListLocalMs', 'ms'),
        row('`serve` VmRSS, idle 2 s after /healthz', 'serveIdleRssMiB', 'MiB'),
        row('its store child, VmRSS', 'childrenIdleRssMiB', 'MiB'),
      ].join('\n'),
    )
  } else console.log(await measureStartup(n))
}
