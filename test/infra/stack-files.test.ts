// Pulumi.yaml and Pulumi.prod.yaml: what the Pulumi CLI reads before the program runs.
// Under mocks neither file is read, so they are checked here directly.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONFIG_KEYS, parseInfraConfig } from '../../infra/config.js'
import { FIXTURE_LAMBDA_DIR, REPO_ROOT, prodStackConfig } from './support/pulumi-harness.js'

interface ProjectFile {
  name: string
  main: string
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } }
}
const project = parse(readFileSync(`${REPO_ROOT}Pulumi.yaml`, 'utf8')) as ProjectFile

describe('Pulumi.prod.yaml', () => {
  const config = prodStackConfig()

  it('sets the seed figures: 120 s, 512 MB, 25 reserved, 2 provisioned, 90-day logs, us-east-1', () => {
    expect(config).toMatchObject({
      'aws:region': 'us-east-1',
      'codex-proxy:timeoutSeconds': '120',
      'codex-proxy:memoryMb': '512',
      'codex-proxy:reservedConcurrency': '25',
      'codex-proxy:provisionedConcurrency': '2',
      'codex-proxy:logRetentionDays': '90',
    })
  })

  it('sets only keys the program reads', () => {
    const known = new Set(['aws:region', ...CONFIG_KEYS.map((k) => `codex-proxy:${k}`)])
    expect(Object.keys(config).filter((k) => !known.has(k))).toEqual([])
  })

  it("holds exactly the program's defaults, so reading it and reading nothing deploy the same stack", () => {
    const withFile = Object.fromEntries(
      Object.entries(config)
        .filter(([k]) => k.startsWith('codex-proxy:'))
        .map(([k, v]) => [k.slice('codex-proxy:'.length), v]),
    )
    const raw = { project: 'codex-proxy', stack: 'prod', region: config['aws:region'] }
    const options = { fileExists: () => true }
    expect(parseInfraConfig({ ...raw, ...withFile }, options)).toEqual(parseInfraConfig(raw, options))
  })

  it('leaves out only the optional keys, whose defaults are derived', () => {
    const set = new Set(Object.keys(config))
    expect(CONFIG_KEYS.filter((k) => !set.has(`codex-proxy:${k}`)).sort()).toEqual(
      ['alarmEmail', 'objectLockRetentionDays', 'upstreamTimeoutMs', 'priceOverrides', 'secretAllowlist', 'secretFingerprintKey', 'strictMode', 'upstreams'].sort(),
    )
  })
})

describe('Pulumi.yaml', () => {
  it('declares project codex-proxy with the program at infra/index.ts', () => {
    expect(project).toMatchObject({ name: 'codex-proxy', main: 'infra/index.ts', runtime: { name: 'nodejs' } })
  })

  it('runs the ESM TypeScript program through tsx instead of the built-in ts-node support', () => {
    expect(project.runtime.options).toEqual({ typescript: false, nodeargs: '--import tsx' })
  })

  it("loads the program with Pulumi.yaml's node arguments, as the Pulumi language host would", async () => {
    // The host runs `node <nodeargs> …/run` and then import()s `main`; this does the same
    // with mocks in place of the engine.
    const script = `
      import * as pulumi from '@pulumi/pulumi'
      import { pathToFileURL } from 'node:url'
      const types = []
      await pulumi.runtime.setMocks({
        newResource: (a) => { types.push(a.type); return { id: a.name, state: a.inputs } },
        call: (a) => a.inputs,
      }, 'codex-proxy', 'prod', false)
      pulumi.runtime.setAllConfig(${JSON.stringify({ 'aws:region': 'us-east-1', 'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR })})
      await import(pathToFileURL(${JSON.stringify(project.main)}).href)
      await pulumi.runtime.disconnect()
      console.log(JSON.stringify(types))
    `
    const args = [...project.runtime.options.nodeargs.split(/\s+/), '--input-type=module', '-e', script]
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, timeout: 30_000 })
    expect(JSON.parse(stdout)).toContain('aws:lambda/function:Function')
  })
})
