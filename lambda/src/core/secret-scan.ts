// Helpers of the secret-scan stage (stages/secret-scan.ts): which mode applies, findings
// for the record, the block message. The scanning itself is lambda/src/secrets/.
//
// Privacy guarantee: in every mode but `off`, the request body stored in the audit record
// (and in dump files) is the redacted one, and findings carry rule, place, offset and a
// keyed fingerprint — never the matched text.
import type { SecretFinding as RecordFinding } from '../contracts/audit-record.js'
import type { SecretScanMode } from '../contracts/config.js'
import type { Caller } from '../contracts/tables.js'
import type { SecretFinding, TextMatch } from '../secrets/index.js'

/** Token setting, else team setting, else the deployment's. */
export function effectiveScanMode(caller: Caller, deploymentMode: SecretScanMode): SecretScanMode {
  return caller.secret_scan ?? caller.team_policy?.secret_scan ?? deploymentMode
}

export function toRecordFindings(findings: SecretFinding[]): RecordFinding[] {
  return findings.map(({ rule_id, category, location, offset, fingerprint }) => ({ rule_id, category, location, offset, fingerprint }))
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

/**
 * Replaces matches in free text (the stored response body) with `[REDACTED:<rule>]`, and
 * says where, so the record shows that its response body was changed (finding 11).
 */
export function redactMatches(text: string, found: TextMatch[]): { text: string; findings: RecordFinding[] } {
  const matches = [...found].sort((a, b) => a.start - b.start)
  if (matches.length === 0) return { text, findings: [] }
  let out = ''
  let at = 0
  const findings: RecordFinding[] = []
  for (const m of matches) {
    if (m.end <= at) continue
    out += text.slice(at, Math.max(at, m.start)) + `[REDACTED:${m.rule_id}]`
    findings.push({ rule_id: m.rule_id, category: m.category, location: 'response_body', offset: m.start, fingerprint: '' })
    at = m.end
  }
  return { text: out + text.slice(at), findings }
}
