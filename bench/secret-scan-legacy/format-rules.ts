// Credential formats that secretlint's recommended preset (12.0.0) does not cover but
// that Codex sessions meet often, plus the proxy's own token. Each is a fixed, documented
// vendor format with a distinctive prefix, so the false-positive risk stays that of the
// preset's own rules; generic "high-entropy assignment" rules are deliberately absent
// (see bench/secret-scan-results.md for why).
import { TOKEN_PATTERN, isWellFormedToken } from '../../lambda/src/contracts/token.js'
import type { TextMatch } from './legacy-types.js'

export interface FormatRule {
  id: string
  /** Must carry the `g` flag. */
  pattern: RegExp
  /** Optional check on the matched text (a checksum, for instance). */
  accept?: (match: string) => boolean
}

export const FORMAT_RULES: readonly FormatRule[] = [
  {
    // The proxy token contract (lambda/src/contracts/token.ts): prefix + base62 + CRC32.
    // Only checksum-valid matches count, so look-alikes in docs and tests stay quiet.
    id: 'codex-proxy-token',
    pattern: new RegExp(TOKEN_PATTERN.source, 'g'),
    accept: isWellFormedToken,
  },
  {
    // AWS access key ids: AKIA (long-term) and ASIA (temporary, STS) + 16 base32
    // characters (IAM User Guide, "Unique identifier prefixes"). The other IAM prefixes
    // (AIDA users, AROA roles, …) name principals, not credentials, and are not matched.
    id: 'aws-access-key-id',
    pattern: /\b(?:AKIA|ASIA)[A-Z2-7]{16}\b/g,
    // The documentation's example key id, which AWS publishes as a placeholder.
    accept: (match) => match !== 'AKIAIOSFODNN7EXAMPLE',
  },
  {
    // Stripe secret and restricted keys: `sk_live_…`, `rk_live_…`, and test-mode
    // `sk_test_…`, `rk_test_…` (https://docs.stripe.com/keys). Publishable `pk_` keys are
    // public by design and not matched.
    id: 'stripe-secret-key',
    pattern: /\b[rs]k_(?:live|test)_[0-9A-Za-z]{20,247}\b/g,
  },
  {
    // Google API keys: "AIza" + 35 characters of [0-9A-Za-z_-]
    // (https://cloud.google.com/docs/authentication/api-keys).
    id: 'google-api-key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
  },
  {
    // Signed JSON Web Tokens (RFC 7519): base64url header and payload that both start
    // with `{"` (base64 `eyJ`) and a signature. Unsigned (`alg: none`) tokens end with a
    // dot and carry no authority, so a signature of at least 16 characters is required.
    id: 'jwt',
    pattern: /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{16,}/g,
  },
]

export function runFormatRules(text: string, out: TextMatch[]): void {
  for (const rule of FORMAT_RULES) {
    rule.pattern.lastIndex = 0
    for (const m of text.matchAll(rule.pattern)) {
      if (rule.accept && !rule.accept(m[0])) continue
      out.push({ rule_id: rule.id, start: m.index, end: m.index + m[0].length })
    }
  }
}
