import { Flags } from '@oclif/core'
import { BaseCommand } from '../../lib/base-command.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'
import { parseTimeRange } from '../../lib/time-range.js'

export interface AuditMigration {
  from: string
  to: string
  dry_run: boolean
  /** v1 records found in the period. */
  v1_records: number
  /** Converted now (metadata + body record written). */
  migrated: number
  /** Already converted by an earlier run (their metadata exists): skipped. */
  skipped: number
  metadata_sink: 'firehose' | 'objects'
}

export default class AuditMigrate extends BaseCommand<AuditMigration> {
  static override summary = 'Convert v1 audit records (logs/) into v2 metadata and content-addressed bodies.'
  static override description =
    'Usage reports read v2 metadata only, so records written before audit v2 count once migrated. Each v1 record ' +
    'becomes a metadata record (through the stack\'s Firehose stream when it has one, else a JSON object under ' +
    'metadata/) and a body record whose bodies are the v1 record\'s stored text. v1 objects are left as they are ' +
    '(Object Lock); a second run skips what is done. `audit show` and `check-origin` read v1 records without this.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --local --since 90d',
    '<%= config.bin %> <%= command.id %> --since 2026-09-01 --stack-outputs stack-outputs.json --dry-run',
  ]
  static override flags = {
    ...targetFlags,
    since: Flags.string({ description: 'Start: a duration back from now (24h, 7d) or an ISO date.', default: '90d' }),
    until: Flags.string({ description: 'End: a duration back from now, an ISO date, or "now".', default: 'now' }),
    'dry-run': Flags.boolean({ description: 'Count what would be migrated; write nothing.' }),
  }

  async run(): Promise<AuditMigration> {
    const { flags } = await this.parse(AuditMigrate)
    const { from, to } = parseTimeRange(flags.since, flags.until)
    const target = await resolveTarget(flags)
    const { migrateV1 } = await import('../../lib/audit-migrate.js')
    const result = await migrateV1(target, from, to, flags['dry-run'])
    const report: AuditMigration = { from: from.toISOString(), to: to.toISOString(), dry_run: flags['dry-run'], ...result }
    if (!this.jsonEnabled()) {
      this.log(
        `${report.dry_run ? 'Would migrate' : 'Migrated'} ${report.migrated} of ${report.v1_records} v1 records between ${report.from} and ${report.to}` +
          `${report.skipped ? ` (${report.skipped} already migrated)` : ''}; metadata to ${report.metadata_sink === 'firehose' ? 'the Firehose stream' : 'metadata/ objects'}.`,
      )
    }
    return report
  }
}
