// The scanner a host runs with, from configuration: the allow-list of known fixtures
// (CODEX_PROXY_SECRET_ALLOWLIST, JSON), the fingerprint key
// (CODEX_PROXY_SECRET_FINGERPRINT_KEY) and whether the PII detectors run
// (CODEX_PROXY_PII_SCAN other than `off`). A bad allow-list or mode stops startup.
import { ConfigError, DEFAULT_PII_SCAN_MODE, ENV, parseSecretScanMode } from '../contracts/config.js'
import { createSecretScanner, type SecretAllowlist, type SecretScanner } from './index.js'

export function parseSecretAllowlist(raw: string | undefined): SecretAllowlist | undefined {
  if (!raw) return undefined
  let doc: unknown
  try {
    doc = JSON.parse(raw)
  } catch {
    throw new ConfigError(`${ENV.secretAllowlist} is not JSON; expected {"fingerprints":["…"],"patterns":["…"]}`)
  }
  const o = doc as Record<string, unknown>
  const list = (key: string): string[] | undefined => {
    const v = o?.[key]
    if (v === undefined) return undefined
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${ENV.secretAllowlist}.${key} must be an array of strings`)
    return v as string[]
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(`${ENV.secretAllowlist} must be a JSON object`)
  const unknown = Object.keys(o).filter((k) => k !== 'fingerprints' && k !== 'patterns')
  if (unknown.length) throw new ConfigError(`${ENV.secretAllowlist}: unknown key(s) ${unknown.join(', ')} (allowed: fingerprints, patterns)`)
  const fingerprints = list('fingerprints')
  const patterns = list('patterns')
  return { ...(fingerprints && { fingerprints }), ...(patterns && { patterns }) }
}

export function secretScannerFromEnv(env: Record<string, string | undefined>, fallbackFingerprintKey?: string): SecretScanner {
  const allowlist = parseSecretAllowlist(env[ENV.secretAllowlist])
  const fingerprintKey = env[ENV.secretFingerprintKey] || fallbackFingerprintKey
  const pii = parseSecretScanMode(ENV.piiScan, env[ENV.piiScan], DEFAULT_PII_SCAN_MODE) !== 'off'
  try {
    return createSecretScanner({ ...(allowlist && { allowlist }), ...(fingerprintKey && { fingerprintKey }), ...(pii && { pii }) })
  } catch (err) {
    throw new ConfigError(`${ENV.secretAllowlist}: ${(err as Error).message}`)
  }
}
