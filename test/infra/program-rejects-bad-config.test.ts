// A bad value stops `pulumi up` at the configuration, with a message that names the keys.
import { expect, it } from 'vitest'
import { FIXTURE_LAMBDA_DIR, buildStack, prodStackConfig } from './support/pulumi-harness.js'

it('fails to build with provisioned concurrency above reserved concurrency, saying why', async () => {
  const config = {
    ...prodStackConfig(),
    'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR,
    'codex-proxy:reservedConcurrency': '4',
    'codex-proxy:provisionedConcurrency': '5',
  }
  await expect(buildStack(config)).rejects.toThrow(
    'codex-proxy:provisionedConcurrency (5) must not exceed codex-proxy:reservedConcurrency (4)',
  )
})
