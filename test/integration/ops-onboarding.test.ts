// `tokens add` against a deployed stack named by a `pulumi stack output --json` file: the
// onboarding it prints points Codex at the stack's function URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import TokensAdd, { type TokensAddResult } from '../../ops-cli/src/commands/tokens/add.js'
import { cli } from '../support/cli.js'
import { runCommand } from '../support/in-process.js'
import { type OpsStack, startOpsStack } from '../support/ops-stack.js'

let stack: OpsStack

beforeAll(async () => {
  stack = await startOpsStack()
})
afterAll(() => stack?.close())

describe('tokens add with --stack-outputs', () => {
  it('prints Codex setup for the function URL of the stack outputs (the real binary)', async () => {
    const file = await stack.writeOutputs()
    const r = await cli(['tokens', 'add', 'grace', '--team', 'ml', '--stack-outputs', file])
    expect(r.code, r.stderr).toBe(0)
    // Pulumi's functionUrl ends with "/": the base URL must not get a double slash.
    expect(r.stdout).toContain(`base_url = "${stack.proxy.url}/v1"`)
    expect(r.stdout).toContain('macOS / Linux (bash, zsh)')
    expect(r.stdout).toContain("[Environment]::SetEnvironmentVariable('CODEX_PROXY_TOKEN'")
  })

  it('issues a token in the stack\'s table that the proxy at that URL accepts', async () => {
    const file = await stack.writeOutputs()
    const { code, stdout } = await runCommand(TokensAdd, ['henry', '--stack-outputs', file, '--json'])
    expect(code).toBe(0)
    const added = JSON.parse(stdout) as TokensAddResult
    expect(added.proxy_url).toBe(`${stack.proxy.url}/`)
    const res = await fetch(`${added.setup!.base_url}/models`, { headers: { authorization: `Bearer ${added.token}` } })
    expect(res.status).toBe(200)
  })

  it('uses a Lambda function URL as Codex base URL with /v1', async () => {
    const file = await stack.writeOutputs({ functionUrl: 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/' })
    const { stdout } = await runCommand(TokensAdd, ['ivy', '--stack-outputs', file, '--json'])
    const { setup } = JSON.parse(stdout) as TokensAddResult
    expect(setup!.base_url).toBe('https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/v1')
    expect(setup!.shell).toContain('base_url="https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/v1"')
  })

  it('says how to get setup text when the outputs have no function URL', async () => {
    const file = await stack.writeOutputs({ functionUrl: undefined })
    const { code, stdout } = await runCommand(TokensAdd, ['jack', '--stack-outputs', file])
    expect(code).toBe(0)
    expect(stdout).toContain('Pass --url (or use --stack-outputs) to print Codex setup for the proxy URL.')
  })
})
