// `serve --dump-dir DIR`: request/response pair files in the format of OpenAI's
// `codex responses-api-proxy --dump-dir` (codex-rs/responses-api-proxy/src/dump.rs):
//   <seq:06>-<unix ms>-request.json  {method, url, headers:[{name,value}], body}
//   <seq:06>-<unix ms>-response.json {status, headers:[{name,value}], body}
// Bodies are parsed JSON when possible, else text. Written from the audit record, so
// credentials are redacted exactly as in the record (and secrets, once scanned).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AuditRecord } from '../contracts/audit-record.js'
import type { AuditSink } from '../core/ports.js'

export class DumpDirSink implements AuditSink {
  private sequence = 0
  private ready: Promise<unknown> | undefined

  constructor(private readonly dir: string) {}

  async write(record: AuditRecord): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true })
    await this.ready
    this.sequence += 1
    const prefix = `${String(this.sequence).padStart(6, '0')}-${Date.parse(record.timestamp)}`
    const url = record.query ? `${record.path}?${record.query}` : record.path
    const request = { method: record.method, url, headers: headerList(record.request_headers), body: dumpBody(record.request_body) }
    const response = { status: record.status, headers: headerList(record.response_headers ?? {}), body: dumpBody(record.response_body) }
    await writeFile(join(this.dir, `${prefix}-request.json`), `${JSON.stringify(request, null, 2)}\n`)
    await writeFile(join(this.dir, `${prefix}-response.json`), `${JSON.stringify(response, null, 2)}\n`)
  }
}

function headerList(headers: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }))
}

function dumpBody(body: string | null): unknown {
  if (body === null) return ''
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}
