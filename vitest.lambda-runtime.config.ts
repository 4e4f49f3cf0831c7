// `npm run test:lambda-runtime`: the Lambda bundle under AWS's real runtime client
// (test/lambda-runtime/). Separate from `npm test` because its first run builds the
// runtime client from sources; .ci/run runs both.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/lambda-runtime/**/*.test.ts'],
    globalSetup: ['test/lambda-runtime/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One runtime process at a time, as one Lambda execution environment works.
    fileParallelism: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})
