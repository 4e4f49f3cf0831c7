// The rule that decides whether ops-cli/bin/run.js may run the CLI bundle: only when every
// stamped input is exactly as it was at build time (ops-cli/bin/bundle-stamp.js).
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { currentBundle, CURRENT_FILE, fileStamp, STAMP_VERSION } from '../../ops-cli/bin/bundle-stamp.js'

let root: string
const dist = () => join(root, 'dist/cli')

/** A repository with two sources and a complete build stamped over them. */
async function stamped(extra: Record<string, unknown> = {}): Promise<void> {
  await mkdir(join(root, 'src/commands'), { recursive: true })
  await writeFile(join(root, 'src/a.ts'), 'export const a = 1\n')
  await writeFile(join(root, 'src/commands/b.ts'), 'export const b = 2\n')
  await mkdir(join(dist(), 'b1'), { recursive: true })
  await writeFile(join(dist(), 'b1/main.js'), '')
  await writeFile(join(dist(), 'b1/oclif.manifest.json'), '{}')
  const inputs = Object.fromEntries(['src/a.ts', 'src/commands/b.ts', 'src/commands'].map((p) => [p, fileStamp(root, p)]))
  await writeFile(join(dist(), CURRENT_FILE), JSON.stringify({ version: STAMP_VERSION, build: 'b1', inputs, ...extra }))
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxp-stamp-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('currentBundle', () => {
  it('runs the build when every input is unchanged', async () => {
    await stamped()
    expect(currentBundle(root)).toEqual({ dir: join(dist(), 'b1') })
  })

  it('refuses a build whose source was edited, even to the same size', async () => {
    await stamped()
    await writeFile(join(root, 'src/a.ts'), 'export const a = 9\n')
    expect(currentBundle(root)).toEqual({ stale: 'src/a.ts changed since the build' })
  })

  it('refuses a build whose source only got a new mtime (a checkout, a touch)', async () => {
    await stamped()
    await utimes(join(root, 'src/a.ts'), new Date(), new Date(Date.now() + 5_000))
    expect(currentBundle(root)).toMatchObject({ stale: expect.stringContaining('src/a.ts') })
  })

  it('refuses a build when a new command file appears in a stamped directory', async () => {
    await stamped()
    // A directory's mtime moves when an entry is added (at least a tick later).
    await new Promise((r) => setTimeout(r, 20))
    await writeFile(join(root, 'src/commands/new.ts'), 'export {}\n')
    expect(currentBundle(root)).toEqual({ stale: 'src/commands changed since the build' })
  })

  it('refuses a build whose source is gone', async () => {
    await stamped()
    await rm(join(root, 'src/commands/b.ts'))
    expect(currentBundle(root)).toMatchObject({ stale: expect.stringMatching(/src\/commands(\/b\.ts is gone| changed)/) })
  })

  it('says so when nothing was built', () => {
    expect(currentBundle(root)).toEqual({ stale: 'no bundle built (npm run build:cli)' })
  })

  it.each([
    ['not JSON', '{"version":1,'],
    ['JSON null', 'null'],
    ['another stamp version', JSON.stringify({ version: 999, build: 'b1', inputs: { 'src/a.ts': ['1', 1] } })],
    ['a build name that climbs out of dist', JSON.stringify({ version: STAMP_VERSION, build: '../../etc', inputs: { 'src/a.ts': ['1', 1] } })],
    ['no inputs at all', JSON.stringify({ version: STAMP_VERSION, build: 'b1', inputs: {} })],
    ['inputs that are not stamps', JSON.stringify({ version: STAMP_VERSION, build: 'b1', inputs: { 'src/a.ts': 'yes' } })],
  ])('refuses a stamp with %s', async (_, text) => {
    await stamped()
    await writeFile(join(dist(), CURRENT_FILE), text)
    expect(currentBundle(root)).toHaveProperty('stale')
  })

  it('refuses an incomplete build (no manifest)', async () => {
    await stamped()
    await rm(join(dist(), 'b1/oclif.manifest.json'))
    expect(currentBundle(root)).toEqual({ stale: 'build b1 is incomplete' })
  })

  it('reads builds from another directory when asked (CODEX_PROXY_CLI_DIST)', async () => {
    await stamped()
    const elsewhere = join(root, 'elsewhere')
    await rm(elsewhere, { recursive: true, force: true })
    await rename(dist(), elsewhere)
    expect(currentBundle(root)).toHaveProperty('stale')
    expect(currentBundle(root, elsewhere)).toEqual({ dir: join(elsewhere, 'b1') })
  })
})
