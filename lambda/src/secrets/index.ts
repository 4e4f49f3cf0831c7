// Secret detection on request bodies: the engine the proxy core calls before forwarding.
// See scanner.ts for the flow and bench/secret-scan-results.md for the rule-set choice.
export { createSecretScanner, redactionMarker, DEFAULT_CACHE_ENTRIES } from './scanner.js'
export { SECRET_SCAN_MODES, DEFAULT_BLOCKING_CATEGORIES, isBlockingFinding } from './types.js'
export { RULE_CATEGORIES } from './rules/types.js'
export type {
  RuleCategory,
  ScanOptions,
  ScanResult,
  ScanStats,
  SecretAllowlist,
  SecretFinding,
  SecretScanMode,
  SecretScanner,
  SecretScannerOptions,
  TextMatch,
  TextScanResult,
} from './types.js'
