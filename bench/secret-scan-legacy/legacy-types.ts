// Public types of the secret scanner. The proxy core, the audit record and the CLI read
// these; nothing here carries the matched text, by design (the audit log must never
// become a secret store).

// The modes are a configuration contract (contracts/config.ts), re-exported for callers.
export { SECRET_SCAN_MODES, type SecretScanMode } from '../../lambda/src/contracts/config.js'

export interface SecretFinding {
  /** Stable rule id, e.g. `aws-access-key-id`, `codex-proxy-token`. */
  rule_id: string
  /** JSON path of the string value, e.g. `input[12].output` or `instructions`. */
  location: string
  /** Human label of the cache unit, e.g. `input[12] (function_call_output)`. */
  item: string
  /** Offset of the match in the decoded string value (UTF-16 code units). */
  offset: number
  /** 12 hex of HMAC-SHA-256 over rule id and matched text: groups repeats, never reveals. */
  fingerprint: string
}

export interface ScanStats {
  /** Cache units in the body: each `input` item, each element of another top-level array, each other top-level member. */
  units: number
  /** Units whose findings came from the cache. */
  unitsFromCache: number
  /** Units scanned now (cache miss). */
  unitsScanned: number
  /** Decoded characters handed to the rules. */
  charsScanned: number
}

export interface ScanResult {
  findings: SecretFinding[]
  /**
   * The raw JSON text with each match replaced by `[REDACTED:<rule_id>]`; present only
   * when redaction was requested and there are findings. Valid JSON, byte-identical to
   * the input outside the string literals that held a match.
   */
  redacted?: string
  stats: ScanStats
}

export interface TextMatch {
  rule_id: string
  /** Start and end (exclusive) in the scanned text. */
  start: number
  end: number
}

export interface SecretAllowlist {
  /** Fingerprints (as reported in findings) of known fixtures to ignore. */
  fingerprints?: string[]
  /** Regular-expression sources; a match whose text matches one is ignored. */
  patterns?: string[]
}

export interface SecretScannerOptions {
  /** Applied before findings are cached: create a new scanner when it changes. */
  allowlist?: SecretAllowlist
  /** Bound of the per-unit findings cache (LRU). Default 5000; 0 disables the cache. */
  cacheEntries?: number
  /**
   * Key of the fingerprint HMAC. Set it to a deployment secret so that a fingerprint of a
   * short, guessable secret (a database password) cannot be confirmed by brute force by
   * someone who only reads audit records. Fingerprints are comparable only under one key.
   */
  fingerprintKey?: string
}

export interface SecretScanner {
  scanJsonBody(rawJson: string, opts: { redact: boolean }): ScanResult
  scanText(text: string): TextMatch[]
  /** Rule ids this scanner can report (for metrics dimensions and docs). */
  readonly ruleIds: readonly string[]
}
