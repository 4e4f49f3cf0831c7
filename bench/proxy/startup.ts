// Start-up costs a user waits for: `serve` from spawn to the first 200 on /healthz, and
// CLI commands from spawn to exit (median of N fresh processes each).
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median } from './load-client.js'
import { REPO } from './targets.js'

const CLI = join(REPO, 'ops-cli/bin/run.js')

export interface StartupFigures {
  serveToHealthzMs: number
  cliHelpMs: number
  tokensListLocalMs: number
  runs: number
}

export async function measureStartup(runs: number): Promise<StartupFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'))
  try {
    const dataDir = join(dir, 'data')
    const healthz: number[] = []
    // The first start provisions the data directory; that one is not what a user waits for daily.
    await (await serveToHealthz(dataDir, join(dir, 'info-0.json'))).stop()
    for (let i = 1; i <= runs; i++) {
      const s = await serveToHealthz(dataDir, join(dir, `info-${i}.json`))
      healthz.push(s.ms)
      await s.stop()
    }
    // `tokens list --local` talks to the running stack.
    const serving = await serveToHealthz(dataDir, join(dir, 'info-cli.json'))
    const timed = (args: string[]) => {
      const t: number[] = []
      execFileSync(process.execPath, [CLI, ...args], { cwd: REPO }) // file cache warm
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        execFileSync(process.execPath, [CLI, ...args], { cwd: REPO, stdio: 'ignore' })
        t.push(performance.now() - t0)
      }
      return median(t)
    }
    try {
      return { serveToHealthzMs: median(healthz), cliHelpMs: timed(['--help']), tokensListLocalMs: timed(['tokens', 'list', '--local', '--data-dir', dataDir]), runs }
    } finally {
      await serving.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}

async function serveToHealthz(dataDir: string, info: string): Promise<{ ms: number; stop: () => Promise<void> }> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--upstream-url', 'http://127.0.0.1:9', '--server-info', info], {
    cwd: REPO,
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
        if (ok) return { ms: performance.now() - t0, stop }
      }
      await new Promise((r) => setTimeout(r, 5))
    }
  } catch (e) {
    await stop()
    throw e
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureStartup(Number(process.argv[2] ?? 3)))
