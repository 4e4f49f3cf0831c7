// `pulumi up` builds the Lambda bundle when it is missing or stale (infra/lambda-bundle.ts,
// called by loadConfig). The builds here are real (lambda/build.ts through tsx), in a
// scratch project whose lambda/, node_modules and package files link to this repository.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LAMBDA_DIR, ensureLambdaBundle, lambdaBundleStaleness, REPO_ROOT, stampFileOf } from '../../infra/lambda-bundle.js'

let root: string
const extraInputs = ['watched.ts']
const neverBuild = () => {
  throw new Error('the bundle was fresh: no build expected')
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxp-lambda-bundle-'))
  for (const name of ['lambda', 'node_modules', 'package.json', 'package-lock.json']) await symlink(join(REPO_ROOT, name), join(root, name))
  await writeFile(join(root, 'watched.ts'), 'export const v = 1\n')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('ensureLambdaBundle', () => {
  it('builds the default bundle when it is missing, and stamps its inputs', () => {
    const logged: string[] = []
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, log: (l) => logged.push(l) })).toBe('built')
    expect(existsSync(join(root, DEFAULT_LAMBDA_DIR, 'index.mjs'))).toBe(true)
    expect(logged).toEqual([`codex-proxy: building the Lambda bundle (${DEFAULT_LAMBDA_DIR}/index.mjs is missing)…`])
    const stamp = JSON.parse(readFileSync(join(root, stampFileOf(DEFAULT_LAMBDA_DIR)), 'utf8')) as { inputs: Record<string, string> }
    expect(Object.keys(stamp.inputs)).toEqual(expect.arrayContaining(['lambda/src/hosts/lambda-entry.ts', 'lambda/build.ts', 'package-lock.json', 'watched.ts']))
    // Not inside the deployed directory: the stamp is no part of the function's code.
    expect(existsSync(join(root, DEFAULT_LAMBDA_DIR, 'inputs.json'))).toBe(false)
  }, 120_000)

  it('leaves a bundle built from the same inputs alone', () => {
    const mtime = statSync(join(root, DEFAULT_LAMBDA_DIR, 'index.mjs')).mtimeMs
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, build: neverBuild })).toBe('fresh')
    expect(statSync(join(root, DEFAULT_LAMBDA_DIR, 'index.mjs')).mtimeMs).toBe(mtime)
  })

  it('rebuilds when an input changed, and is fresh again after', async () => {
    await writeFile(join(root, 'watched.ts'), 'export const v = 2\n')
    expect(lambdaBundleStaleness(root, DEFAULT_LAMBDA_DIR, extraInputs)).toBe('watched.ts changed since the build')
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, log: () => {} })).toBe('built')
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, build: neverBuild })).toBe('fresh')
  }, 120_000)

  it('rebuilds when a built chunk is deleted or an output altered (init loads chunks/ on demand)', async () => {
    const { readdirSync } = await import('node:fs')
    const chunk = readdirSync(join(root, DEFAULT_LAMBDA_DIR, 'chunks'))[0]!
    await rm(join(root, DEFAULT_LAMBDA_DIR, 'chunks', chunk))
    expect(lambdaBundleStaleness(root, DEFAULT_LAMBDA_DIR, extraInputs)).toBe(`${DEFAULT_LAMBDA_DIR}/chunks/${chunk} is missing since the build`)
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, log: () => {} })).toBe('built')
    await writeFile(join(root, DEFAULT_LAMBDA_DIR, 'index.mjs'), '// not the build\n', { flag: 'a' })
    expect(lambdaBundleStaleness(root, DEFAULT_LAMBDA_DIR, extraInputs)).toBe(`${DEFAULT_LAMBDA_DIR}/index.mjs was altered since the build`)
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, log: () => {} })).toBe('built')
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, build: neverBuild })).toBe('fresh')
  }, 240_000)

  it('treats a touched but unchanged input as fresh (content hashes: no redeploy for a checkout)', async () => {
    await utimes(join(root, 'watched.ts'), new Date(), new Date(Date.now() + 10_000))
    expect(ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, build: neverBuild })).toBe('fresh')
  })

  it('rebuilds when the stamp is missing (a bundle from a bare `npm run build` run elsewhere)', async () => {
    await rm(join(root, stampFileOf(DEFAULT_LAMBDA_DIR)))
    expect(lambdaBundleStaleness(root, DEFAULT_LAMBDA_DIR, extraInputs)).toMatch(/inputs\.json is missing/)
  })

  it('never builds over an operator’s own lambdaCodePath, even a missing one', () => {
    expect(ensureLambdaBundle('build/my-lambda', { root, build: neverBuild })).toBe('custom')
    expect(existsSync(join(root, 'build/my-lambda'))).toBe(false)
  })

  it('fails the deploy when the build writes no entry', async () => {
    await rm(join(root, DEFAULT_LAMBDA_DIR), { recursive: true })
    expect(() => ensureLambdaBundle(DEFAULT_LAMBDA_DIR, { root, extraInputs, build: () => {}, log: () => {} })).toThrow(/wrote no dist\/lambda\/index\.mjs/)
  })
})
