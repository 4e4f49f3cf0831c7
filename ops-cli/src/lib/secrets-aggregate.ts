// Secret-scanner findings summarised per rule or per user, from audit records. Distinct
// fingerprints tell how many different secrets were seen: Codex resends the history every
// turn, so one leaked key shows up in many requests.
import type { AuditMetadata } from '../../../lambda/src/contracts/audit-metadata.js'

export const SECRET_GROUPINGS = ['rule', 'user'] as const
export type SecretGrouping = (typeof SECRET_GROUPINGS)[number]

export interface SecretsRow {
  rule_id?: string
  user_id?: string | null
  findings: number
  requests: number
  distinct_secrets: number
  blocked_requests: number
  users: number
  rules: number
  first_seen: string
  last_seen: string
}

interface Acc {
  findings: number
  requests: Set<string>
  fingerprints: Set<string>
  blocked: Set<string>
  users: Set<string>
  rules: Set<string>
  first: string
  last: string
}

export class SecretsAggregator {
  private readonly groups = new Map<string, Acc>()
  requestsWithFindings = 0

  constructor(private readonly by: SecretGrouping) {}

  add(record: AuditMetadata): void {
    if (record.secret_findings.length === 0) return
    this.requestsWithFindings += 1
    for (const f of record.secret_findings) {
      const key = this.by === 'rule' ? f.rule_id : (record.user_id ?? '\u0000')
      let acc = this.groups.get(key)
      if (!acc) {
        acc = { findings: 0, requests: new Set(), fingerprints: new Set(), blocked: new Set(), users: new Set(), rules: new Set(), first: record.timestamp, last: record.timestamp }
        this.groups.set(key, acc)
      }
      acc.findings += 1
      acc.requests.add(record.request_id)
      acc.fingerprints.add(`${f.rule_id}:${f.fingerprint}`)
      if (record.error_code === 'secret_detected') acc.blocked.add(record.request_id)
      if (record.user_id) acc.users.add(record.user_id)
      acc.rules.add(f.rule_id)
      if (record.timestamp < acc.first) acc.first = record.timestamp
      if (record.timestamp > acc.last) acc.last = record.timestamp
    }
  }

  result(): SecretsRow[] {
    return [...this.groups]
      .map(([key, a]) => ({
        ...(this.by === 'rule' ? { rule_id: key } : { user_id: key === '\u0000' ? null : key }),
        findings: a.findings,
        requests: a.requests.size,
        distinct_secrets: a.fingerprints.size,
        blocked_requests: a.blocked.size,
        users: a.users.size,
        rules: a.rules.size,
        first_seen: a.first,
        last_seen: a.last,
      }))
      .sort((x, y) => y.distinct_secrets - x.distinct_secrets || y.findings - x.findings)
  }
}
