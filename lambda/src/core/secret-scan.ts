// The secret-scan stage of a request: which mode applies, what is forwarded, what is
// recorded, and the block message. The scanning itself is lambda/src/secrets/.
//
// Privacy guarantee: in every mode but `off`, the request body stored in the audit record
// (and in dump files) is the redacted one, and findings carry rule, place, offset and a
// keyed fingerprint — never the matched text.
import type { SecretFinding as RecordFinding } from '../contracts/audit-record.js'
import type { SecretScanMode } from '../contracts/config.js'
import type { Caller } from '../contracts/tables.js'
import type { SecretFinding, SecretScanner } from '../secrets/index.js'

/** Token setting, else team setting, else the deployment's. */
export function effectiveScanMode(caller: Caller, deploymentMode: SecretScanMode): SecretScanMode {
  return caller.secret_scan ?? caller.team_policy?.secret_scan ?? deploymentMode
}

/**
 * Bodies worth scanning: what a model reads — JSON (even when it fails to parse: the
 * scanner then reads it as text) and text. Binary uploads (files, audio) are not.
 */
export function isScannableBody(contentType: string | null, parsedAsJson: boolean): boolean {
  if (parsedAsJson) return true
  return contentType !== null && /json|^text\//i.test(contentType)
}

export interface ScanStage {
  findings: SecretFinding[]
  /** Text to forward instead of the original bytes (redact mode with findings). */
  forwardText?: string
  /** Text to store in the record instead of the original (any mode with findings). */
  recordText?: string
}

export function scanRequestBody(scanner: SecretScanner, mode: SecretScanMode, text: string): ScanStage {
  // Redaction is computed only when something matched, so asking for it is free otherwise.
  const { findings, redacted } = scanner.scanJsonBody(text, { redact: true })
  if (findings.length === 0) return { findings }
  return {
    findings,
    ...(redacted !== undefined && { recordText: redacted }),
    ...(mode === 'redact' && redacted !== undefined && { forwardText: redacted }),
  }
}

export function toRecordFindings(findings: SecretFinding[]): RecordFinding[] {
  return findings.map(({ rule_id, location, offset, fingerprint }) => ({ rule_id, location, offset, fingerprint }))
}

/** "aws-access-key-id in input[3] (function_call_output); …" — rules and places, never text. */
export function describeFindings(findings: SecretFinding[], max = 5): string {
  const seen = new Set<string>()
  const parts: string[] = []
  for (const f of findings) {
    const part = `${f.rule_id} in ${f.item}`
    if (seen.has(part)) continue
    seen.add(part)
    parts.push(part)
  }
  const shown = parts.slice(0, max).join('; ')
  return parts.length > max ? `${shown}; and ${parts.length - max} more` : shown
}

/** Replaces matches in free text (the stored response body) with `[REDACTED:<rule>]`. */
export function redactText(scanner: SecretScanner, text: string): string {
  const matches = scanner.scanText(text).sort((a, b) => a.start - b.start)
  if (matches.length === 0) return text
  let out = ''
  let at = 0
  for (const m of matches) {
    if (m.end <= at) continue
    out += text.slice(at, Math.max(at, m.start)) + `[REDACTED:${m.rule_id}]`
    at = m.end
  }
  return out + text.slice(at)
}
