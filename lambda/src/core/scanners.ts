// The in-thread BodyScanner: the Lambda host's (one request per instance, nobody else to
// stall) and the local host's for small bodies. The budget is checked when the scan
// returns: rules are linear-time (test/unit/secrets), so a scan of a body within the
// request size limit ends; the local host's worker scanner enforces the budget by
// stopping the worker.
import type { SecretScanner } from '../secrets/index.js'
import type { BodyScanner } from './ports.js'

export function inlineBodyScanner(scanner: SecretScanner): BodyScanner {
  return {
    async scanJsonBody(text, { redact }) {
      const { findings, redacted } = scanner.scanJsonBody(text, { redact })
      return { timedOut: false, findings, ...(redacted !== undefined && { redacted }) }
    },
    async scanText(text) {
      return { timedOut: false, matches: scanner.scanText(text) }
    },
  }
}
