// The in-thread BodyScanner: the Lambda host's (one request per instance, nobody else to
// stall) and the local host's for small bodies. The budget becomes the scanner's
// deadline, checked between rules and windows (rules are linear-time: test/unit/secrets);
// the local host's worker scanner also stops a worker that overruns it.
import type { SecretScanner } from '../secrets/index.js'
import type { BodyScanner } from './ports.js'

export function inlineBodyScanner(scanner: SecretScanner): BodyScanner {
  return {
    async scanJsonBody(text, { redact, budgetMs }) {
      const { findings, redacted, timedOut } = scanner.scanJsonBody(text, { redact, deadline: Date.now() + budgetMs })
      if (timedOut) return { timedOut: true }
      return { timedOut: false, findings, ...(redacted !== undefined && { redacted }) }
    },
    async scanText(text, budgetMs) {
      const { matches, timedOut } = scanner.scanTextWithin(text, { deadline: Date.now() + budgetMs })
      return timedOut ? { timedOut: true } : { timedOut: false, matches }
    },
  }
}
