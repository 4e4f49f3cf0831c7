// The local host as the bad-input suites run it: small body cap and request limit so
// "over the cap" and "over the limit" cost little, and short slow-client timeouts
// (checked every 100 ms) so those cases take a second or two instead of minutes.
import { type LocalStack, startLocalStack } from '../support/local-stack.js'

export const LIMITS = {
  bodyCapBytes: 64 * 1024,
  maxRequestBytes: 1024 * 1024,
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  maxHeaderBytes: 16 * 1024,
}

export function startBadInputStack(): Promise<LocalStack> {
  return startLocalStack({
    storesInChild: true,
    proxy: {
      config: { bodyCapBytes: LIMITS.bodyCapBytes, maxRequestBytes: LIMITS.maxRequestBytes },
      http: { headersTimeoutMs: LIMITS.headersTimeoutMs, requestTimeoutMs: LIMITS.requestTimeoutMs, maxHeaderBytes: LIMITS.maxHeaderBytes, timeoutCheckIntervalMs: 100 },
    },
  })
}
