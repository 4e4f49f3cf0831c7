import { Args, Flags } from '@oclif/core'
import type { BodyRecord, StoredBody } from '../../../../lambda/src/contracts/audit-bodies.js'
import type { AuditMetadata } from '../../../../lambda/src/contracts/audit-metadata.js'
import type { AuditRecord } from '../../../../lambda/src/contracts/audit-record.js'
import { BaseCommand, UserError } from '../../lib/base-command.js'
import { resolveTarget, targetFlags } from '../../lib/target.js'

export interface BodyInfo {
  bytes: number
  sha256: string | null
  redacted: boolean
  truncated: boolean
  /** The bytes as forwarded/received when the stored ones are redacted. */
  original: { sha256: string; bytes: number } | null
}

export interface AuditShow {
  request_id: string
  /** `v2`: metadata + content-addressed bodies; `v1`: one record object (logs/). */
  format: 'v1' | 'v2'
  metadata: Omit<AuditMetadata, 'bodies'> | Omit<AuditRecord, 'request_body' | 'response_body'>
  request_headers: Record<string, string> | null
  response_headers: Record<string, string> | null
  bodies: { request: BodyInfo | null; response: BodyInfo | null }
  /** With --body: the body (UTF-8 text, or base64 when it is not valid UTF-8), checked against its hash. */
  body?: { which: 'request' | 'response'; encoding: 'utf8' | 'base64'; data: string; verified: boolean; note: string | null }
}

export default class AuditShowCommand extends BaseCommand<AuditShow> {
  static override summary = 'One request: its metadata, headers and body hashes; with --body, the body itself, byte-exact.'
  static override description =
    'With --body, prints the request body as forwarded upstream or the response body as received (raw SSE for streams), ' +
    'rebuilt from its content-addressed blocks and checked against the SHA-256 in its record; a mismatch is an error. ' +
    'A body whose secrets were replaced for the record says so on stderr. Reads v1 records (logs/) too. ' +
    'Needs read access to the bodies (the auditor policy).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 01KB3Z9V6W2X4Y5Z6A7B8C9D0E --local',
    '<%= config.bin %> <%= command.id %> 01KB3Z9V6W2X4Y5Z6A7B8C9D0E --body request --local > request.json',
    '<%= config.bin %> <%= command.id %> 01KB3Z9V6W2X4Y5Z6A7B8C9D0E --body response --stack-outputs stack-outputs.json > response.sse',
  ]
  static override args = { request_id: Args.string({ description: 'The request id (x-codex-proxy-request-id header; `audit list`).', required: true }) }
  static override flags = {
    ...targetFlags,
    body: Flags.option({ options: ['request', 'response'] as const, description: 'Print this body byte-exact (to stdout) instead of the summary.' })(),
  }

  async run(): Promise<AuditShow> {
    const { args, flags } = await this.parse(AuditShowCommand)
    const id = args.request_id
    if (!/^[0-9A-Za-z]{26}$/.test(id)) throw new UserError(`"${id.slice(0, 80)}" is not a request id (26 characters, a ULID)`)
    const [{ decodeTime }, { auditBucketFor }, store] = await Promise.all([import('ulid'), import('../../lib/clients.js'), import('../../lib/audit-store.js')])
    let at: Date
    try {
      at = new Date(decodeTime(id.toUpperCase()))
    } catch {
      throw new UserError(`"${id}" is not a request id (its time part does not decode)`)
    }
    const { s3, bucket } = auditBucketFor(await resolveTarget(flags))
    const keys = store.keysOfRequest(id, at)
    const bodies = new store.AuditBodies(s3, bucket)

    let result: AuditShow | undefined
    let bodyRecord: BodyRecord | undefined
    let v1: AuditRecord | undefined
    const meta = await store.getMetadata(s3, bucket, keys.metadata)
    // The body record holds a copy of the metadata: with Firehose there is no JSON one.
    bodyRecord = await bodies.reader.recordAt(meta?.bodies?.record_key ?? keys.body).catch((err: Error) => {
      if (meta && !flags.body && /AccessDenied|Forbidden/i.test(`${err.name} ${err.message}`)) return undefined // an analyst: metadata only
      throw err
    })
    if (meta || bodyRecord) {
      const { bodies: _p, ...m } = (meta ?? bodyRecord!.metadata ?? { request_id: id }) as AuditMetadata
      result = {
        request_id: id,
        format: 'v2',
        metadata: m,
        request_headers: bodyRecord?.request_headers ?? null,
        response_headers: bodyRecord?.response_headers ?? null,
        bodies: { request: info(bodyRecord?.request ?? null, meta, 'request'), response: info(bodyRecord?.response ?? null, meta, 'response') },
      }
    } else {
      v1 = await store.getV1Record(s3, bucket, keys.v1)
      if (!v1) throw new UserError(`no record of request ${id} in s3://${bucket} (looked at ${keys.metadata}, ${keys.body} and ${keys.v1})`)
      const { request_body: _q, response_body: _r, ...m } = v1
      const v1Info = (text: string | null, bytes: number | null, truncated: boolean): BodyInfo | null =>
        text === null ? null : { bytes: Buffer.byteLength(text), sha256: null, redacted: v1!.secret_findings.length > 0, truncated: truncated || (bytes ?? 0) > Buffer.byteLength(text), original: null }
      result = {
        request_id: id,
        format: 'v1',
        metadata: m,
        request_headers: v1.request_headers,
        response_headers: v1.response_headers,
        bodies: { request: v1Info(v1.request_body, v1.request_body_bytes, v1.truncated?.request_body ?? false), response: v1Info(v1.response_body, v1.response_body_bytes, v1.truncated?.response_body ?? false) },
      }
    }

    if (!flags.body) {
      if (!this.jsonEnabled()) this.renderSummary(result)
      return result
    }
    const which = flags.body
    let bytes: Uint8Array
    let note: string | null = null
    let verified = false
    if (result.format === 'v2') {
      if (!bodyRecord) throw new UserError(`the body record of ${id} is missing (${keys.body})`)
      const rebuilt = await bodies.body(bodyRecord, which)
      if (!rebuilt) throw new UserError(`request ${id} has no ${which} body`)
      bytes = rebuilt.bytes
      verified = true
      const s = rebuilt.stored
      if (s.redacted) {
        note = `REDACTED: secrets in this ${which} body were replaced by markers for the record` + (s.original ? `; the bytes ${which === 'request' ? 'received from the client' : 'received from the upstream'} were ${s.original.bytes} bytes with SHA-256 ${s.original.sha256}` : '')
      }
      if (s.truncated) note = `${note ? `${note}; ` : ''}TRUNCATED: the body cap kept only the first ${s.bytes} bytes`
    } else {
      const text = which === 'request' ? v1!.request_body : v1!.response_body
      if (text === null) throw new UserError(`request ${id} has no ${which} body`)
      bytes = new TextEncoder().encode(text)
      note = `v1 record: the ${which} body as its record stored it (UTF-8 text${result.bodies[which]?.truncated ? ', cut at the body cap' : ''}${result.bodies[which]?.redacted ? ', secrets redacted' : ''}); v1 records carry no hash to check`
    }
    const strictText = (() => {
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
      } catch {
        return undefined
      }
    })()
    result.body = { which, encoding: strictText === undefined ? 'base64' : 'utf8', data: strictText ?? Buffer.from(bytes).toString('base64'), verified, note }
    if (!this.jsonEnabled()) {
      if (note) process.stderr.write(`${note}\n`)
      else process.stderr.write(`${which} body of ${id}: ${bytes.byteLength} bytes, SHA-256 verified\n`)
      process.stdout.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
    return result
  }

  private renderSummary(r: AuditShow): void {
    const m = r.metadata as Partial<AuditMetadata>
    const line = (k: string, v: unknown) => this.log(`${k.padEnd(16)} ${v === null || v === undefined ? '—' : String(v)}`)
    line('request', `${r.request_id} (${r.format})`)
    line('time', m.timestamp)
    line('user', m.user_id ? `${m.user_id}${m.team ? ` (team ${m.team})` : ''}` : null)
    line('call', m.method ? `${m.method} ${m.path}` : null)
    line('status', m.status !== undefined ? `${m.status} from ${m.origin}${m.error_code ? ` (${m.error_code})` : ''}` : null)
    line('model', m.model)
    line('session', m.client?.session_id)
    line('turn', m.client?.turn_id)
    line('kind', m.client?.request_kind)
    line('tokens', m.total_tokens !== undefined && m.total_tokens !== null ? `${m.input_tokens} in (${m.cached_input_tokens} cached), ${m.output_tokens} out` : null)
    line('cost', m.cost_usd !== undefined && m.cost_usd !== null ? `$${m.cost_usd}` : null)
    line('findings', m.secret_findings?.length ? m.secret_findings.map((f) => `${f.rule_id} at ${f.location}`).join(', ') : 0)
    for (const which of ['request', 'response'] as const) {
      const b = r.bodies[which]
      line(`${which} body`, b ? `${b.bytes} bytes${b.sha256 ? `, SHA-256 ${b.sha256}` : ''}${b.redacted ? ', redacted' : ''}${b.truncated ? ', truncated' : ''}` : null)
    }
  }
}

function info(stored: StoredBody | null, meta: AuditMetadata | undefined, which: 'request' | 'response'): BodyInfo | null {
  if (stored) return { bytes: stored.bytes, sha256: stored.sha256, redacted: stored.redacted, truncated: stored.truncated, original: stored.original }
  const p = meta?.bodies
  const sha = p?.[`${which}_sha256`]
  if (!p || !sha) return null
  return { bytes: p[`${which}_bytes`] ?? 0, sha256: sha, redacted: p[`${which}_redacted`] ?? false, truncated: p[`${which}_truncated`] ?? false, original: null }
}
