// `pulumi up` is one command: the program itself makes sure the Lambda bundle is current
// (infra/lambda-bundle.ts, whose build rule has its own tests) before it checks the
// configuration and declares the function. Here, under Pulumi mocks, the program's side:
// it asks for the configured code path, and a failed build stops the deployment.
import { beforeEach, expect, it, vi } from 'vitest'
import { FIXTURE_LAMBDA_DIR, T, buildStack, prodStackConfig } from './support/pulumi-harness.js'

const bundle = vi.hoisted(() => ({ calls: [] as string[], fail: false }))
vi.mock('../../infra/lambda-bundle.js', async (original) => ({
  ...(await original<typeof import('../../infra/lambda-bundle.js')>()),
  ensureLambdaBundle: (codePath: string) => {
    bundle.calls.push(codePath)
    if (bundle.fail) throw new Error('the Lambda build failed: esbuild exited with 1')
    return 'custom'
  },
}))

beforeEach(() => {
  bundle.calls.length = 0
  bundle.fail = false
})

it('ensures the configured Lambda bundle before declaring the function from it', async () => {
  const stack = await buildStack({ ...prodStackConfig(), 'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR })
  expect(bundle.calls).toEqual([FIXTURE_LAMBDA_DIR])
  expect(stack.one(T.function)).toBeDefined()
})

it('asks for the default dist/lambda when the stack sets no lambdaCodePath', async () => {
  const config = prodStackConfig()
  delete config['codex-proxy:lambdaCodePath']
  // The mock builds nothing: whether the program then passes depends on whether this
  // checkout has a dist/lambda, so only the request is checked.
  await buildStack(config).catch(() => {})
  expect(bundle.calls).toEqual(['dist/lambda'])
})

it('stops the deployment when the build fails', async () => {
  bundle.fail = true
  await expect(buildStack({ ...prodStackConfig(), 'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR })).rejects.toThrow('the Lambda build failed')
})
