import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-runtime suite has its own config and script (npm run test:lambda-runtime).
    exclude: ['**/node_modules/**', 'test/lambda-runtime/**'],
    // Integration and e2e suites start real servers (dynalite, s3rver, Codex CLI).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})
