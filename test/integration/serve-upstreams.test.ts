// `serve --upstreams FILE` refuses a bad pool before starting anything, naming the problem.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../support/cli.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxp-serve-pool-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function serveWith(pool: string, env: Record<string, string> = {}) {
  const file = join(dir, `pool-${Math.random().toString(36).slice(2)}.json`)
  await writeFile(file, pool)
  const r = await cli(['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--upstreams', file], { env, timeoutMs: 30_000 })
  // oclif wraps error lines at 80 columns behind " ›   ".
  return { ...r, stderr: r.stderr.replace(/\n ›\s+/g, ' ').replace(/ {2,}/g, ' ') }
}

describe('serve --upstreams', () => {
  it('names an upstream whose key variable is not set', async () => {
    const r = await serveWith(JSON.stringify({ upstreams: [{ id: 'oa', url: 'http://127.0.0.1:9', key_env: 'CXP_TEST_UNSET_KEY' }] }))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('upstream oa: environment variable CXP_TEST_UNSET_KEY (key_env) is not set')
  })

  it('names every invalid field of the file', async () => {
    const r = await serveWith(JSON.stringify({ upstreams: [{ id: 'oa', url: 'http://127.0.0.1:9', weight: -1, key: 'sk-secret-value' }] }))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('upstreams[0].weight: must be an integer from 1 to 1000')
    expect(r.stderr).toContain('upstreams[0].key: keys never go in this config')
    expect(r.stderr).not.toContain('sk-secret-value')
  })

  it('says when the file is not JSON', async () => {
    const r = await serveWith('{"upstreams": [')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/pool-.*\.json: not valid JSON/)
  })
})
