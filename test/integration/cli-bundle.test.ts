// The CLI bundle (ops-cli/build.ts) run for real: built into its own directory, then
// `--help`, `serve` (its store child and scan workers from the bundle) and `tokens list`
// through ops-cli/bin/run.js; and the staleness rule: an edited input means the bundle
// is not used.
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli, type CliBuild } from '../../ops-cli/build.js'
import { cli, REPO, type ServeProcess, startServe } from '../support/cli.js'
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js'

let work: string
let distDir: string
let built: CliBuild
/** An input stamped into this build only, standing for a source file the test may edit. */
let watched: string
const env = (mode: 'auto' | 'bundle' | 'sources') => ({ CODEX_PROXY_CLI: mode, CODEX_PROXY_CLI_DIST: distDir, CODEX_PROXY_CLI_TRACE: '1' })

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cxp-cli-bundle-'))
  // Inside the repository: the bundle's externals (dynalite, s3rver) resolve from its node_modules.
  await mkdir(join(REPO, 'dist'), { recursive: true })
  distDir = await mkdtemp(join(REPO, 'dist', 'cli-test-'))
  watched = join(work, 'watched-source.ts')
  await writeFile(watched, 'export const version = 1\n')
  built = await buildCli({ quiet: true, distDir, extraInputs: [relative(REPO, watched)] })
}, 120_000)
afterAll(async () => {
  await rm(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  await rm(distDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

describe('the bundle', () => {
  it('has one entry per command and a manifest listing them all', async () => {
    const manifest = JSON.parse(await readFile(join(built.dir, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> }
    const files = (await readdir(join(REPO, 'ops-cli/src/commands'), { recursive: true })).filter((f) => f.endsWith('.ts'))
    expect(Object.keys(manifest.commands).sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '').replaceAll('/', ':')).sort())
    for (const f of files) expect(readFileSync(join(built.dir, 'commands', f.replace(/\.ts$/, '.js')), 'utf8')).toContain('chunks/')
  })

  it('answers --help from the bundle without tsx', async () => {
    const r = await cli(['--help'], { env: env('bundle') })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`codex-proxy: bundle ${built.dir}`)
    expect(r.stdout).toMatch(/TOPICS[\s\S]*tokens\s+Issue, list/)
  })

  it('shows a command’s help from the manifest', async () => {
    const r = await cli(['tokens', 'list', '--help'], { env: env('bundle') })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('--local')
  })
})

describe('serve from the bundle', () => {
  let upstream: FakeOpenAI
  let serve: ServeProcess
  let dataDir: string

  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    dataDir = join(work, 'data')
    serve = await startServe({ dataDir, upstreamUrl: upstream.url, key: 'sk-bundle-test', args: ['--secret-scan', 'block'], env: env('bundle') })
  }, 60_000)
  afterAll(async () => {
    await serve?.stop()
    await upstream?.close()
  })

  it('runs serve and its embedded-stores child from the bundle', async () => {
    expect(serve.stderr()).toContain(`codex-proxy: bundle ${built.dir}`)
    expect(await (await fetch(`${serve.url}/healthz`)).json()).toMatchObject({ status: 'ok' })
    // The store child is the bundled entry, started without tsx.
    const children = readFileSync(`/proc/${serve.pid}/task/${serve.pid}/children`, 'utf8').trim().split(/\s+/)
    const commands = children.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))
    expect(commands).toContainEqual(expect.arrayContaining([join(built.dir, 'store-process-main.js')]))
    expect(commands.flat().join(' ')).not.toContain('tsx')
  })

  it('forwards a request, and a large body is scanned in a bundled worker (block mode)', async () => {
    const token = /Token \(shown once — store it now\): (cxp_\S+)/.exec(serve.stdout())![1]!
    const ok = await fetch(`${serve.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', input: 'say hi', stream: true }),
    })
    expect(ok.status).toBe(200)
    await ok.text()
    // Its audit record went through the bundled s3rver of the store child; read back by the bundled CLI.
    let rows: { status?: number }[] = []
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      const listed = await cli(['audit', 'list', '--local', '--data-dir', dataDir, '--json'], { env: env('bundle') })
      expect(listed.code, listed.stderr).toBe(0)
      rows = (JSON.parse(listed.stdout) as { rows: { status?: number }[] }).rows
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 200))
    }
    expect(rows).toHaveLength(1)
    // Above the 64 KiB inline threshold of lambda/src/local/worker-scanner.ts.
    const large = JSON.stringify({ model: 'gpt-5', input: `${'x'.repeat(100_000)} key AKIAFAKE2AKEWDGZ7S6P secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEYAWS` })
    const blocked = await fetch(`${serve.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: large,
    })
    expect(blocked.status).toBe(400)
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('secret_detected')
  })

  it('a second serve on the same data directory is refused, and the first keeps serving', async () => {
    // serve starts its store child before loading the proxy (early-stores.ts); the
    // refusal must still come before that child touches the LevelDB of the first.
    const second = await cli(['serve', '--port', '0', '--data-dir', dataDir, '--upstream-url', upstream.url], { env: env('bundle'), stdin: '' })
    expect(second.code).toBe(1)
    // oclif wraps the message at the terminal width behind " ›" markers.
    expect(second.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toContain(`codex-proxy serve is already running for data dir ${dataDir}`)
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200)
  })

  it('lists tokens from the bundle', async () => {
    const r = await cli(['tokens', 'list', '--local', '--data-dir', dataDir, '--json'], { env: env('bundle') })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('codex-proxy: bundle')
    expect(JSON.parse(r.stdout)).toHaveLength(1)
  })
})

describe('a stale bundle never runs', () => {
  it('runs the sources when a stamped input was edited, and refuses when the bundle is required', async () => {
    await writeFile(watched, 'export const version = 2\n')
    const auto = await cli(['--help'], { env: env('auto') })
    expect(auto.code, auto.stderr).toBe(0)
    expect(auto.stderr).toContain(`codex-proxy: sources through tsx (${relative(REPO, watched)} changed since the build)`)
    expect(auto.stdout).toContain('TOPICS')

    const required = await cli(['--help'], { env: env('bundle') })
    expect(required.code).toBe(2)
    expect(required.stderr).toContain('CODEX_PROXY_CLI=bundle but the bundle cannot run')
    expect(required.stdout).toBe('')
  })

  it('runs the new build once rebuilt', async () => {
    const again = await buildCli({ quiet: true, distDir, extraInputs: [relative(REPO, watched)] })
    expect(again.build).not.toBe(built.build)
    const r = await cli(['--help'], { env: env('auto') })
    expect(r.stderr).toContain(`codex-proxy: bundle ${again.dir}`)
    // The older build stays for a `serve` still running from it.
    expect(await readdir(distDir)).toEqual(expect.arrayContaining([built.build, again.build]))
  })

  it('runs the sources when the current build passes the stamp but does not load', async () => {
    const current = JSON.parse(await readFile(join(distDir, 'current.json'), 'utf8')) as { build: string }
    const dir = join(distDir, current.build)
    const chunk = /"\.\/(chunks\/[^"]+\.js)"/.exec(await readFile(join(dir, 'main.js'), 'utf8'))![1]!
    await rm(join(dir, chunk))
    const r = await cli(['--help'], { env: env('auto') })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('codex-proxy: sources through tsx (the bundle does not load:')
    expect(r.stdout).toContain('TOPICS')
  })

  it('rejects an unknown CODEX_PROXY_CLI mode', async () => {
    const r = await cli(['--help'], { env: { CODEX_PROXY_CLI: 'fast' } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('CODEX_PROXY_CLI must be auto, bundle or sources')
  })
})
