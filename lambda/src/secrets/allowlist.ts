// The allow-list for known test fixtures: by fingerprint (exact, reveals nothing in
// config) or by pattern over the matched text (for families of fixtures).
import type { SecretAllowlist } from './types.js'

export interface CompiledAllowlist {
  allows(matchedText: string, fingerprint: string): boolean
}

export function compileAllowlist(allowlist: SecretAllowlist | undefined): CompiledAllowlist {
  const fingerprints = new Set(allowlist?.fingerprints ?? [])
  const patterns = (allowlist?.patterns ?? []).map((source) => {
    try {
      return new RegExp(source)
    } catch (error) {
      throw new Error(`secret scanner allow-list: invalid pattern ${JSON.stringify(source)}: ${(error as Error).message}`)
    }
  })
  return {
    allows: (matchedText, fingerprint) =>
      fingerprints.has(fingerprint) || patterns.some((pattern) => pattern.test(matchedText)),
  }
}
