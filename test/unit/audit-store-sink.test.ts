import { describe, expect, it } from 'vitest'
import { BodyReader } from '../../lambda/src/bodies/body-reader.js'
import { BodyWriter } from '../../lambda/src/bodies/body-writer.js'
import { MemoryObjectStore } from '../../lambda/src/bodies/object-store.js'
import { AUDIT_METADATA_FIELDS, type AuditMetadata, BODY_ONLY_FIELDS } from '../../lambda/src/contracts/audit-metadata.js'
import { AUDIT_RECORD_FIELDS } from '../../lambda/src/contracts/audit-record.js'
import { AuditStoreSink } from '../../lambda/src/stores/audit-store-sink.js'
import { sampleRecord } from '../support/records.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('audit v2 sink', () => {
  it('keeps every prompt-bearing field out of the metadata, the Claude upstream bodies included', async () => {
    const store = new MemoryObjectStore()
    const metadata: AuditMetadata[] = []
    const sink = new AuditStoreSink(new BodyWriter(store), { put: async (m) => void metadata.push(m) })
    const record = sampleRecord({ upstream_request_body: '{"messages":[{"role":"user","content":"SECRET-PROMPT"}]}', upstream_response_body: 'event: message_start\ndata: {"x":"SECRET-ANSWER"}\n\n' })
    await sink.write(record, { request: { stored: enc(record.request_body!), redacted: false, truncated: false }, response: { stored: enc(record.response_body!), redacted: false, truncated: false } })
    const line = JSON.stringify(metadata[0])
    for (const text of ['SECRET-PROMPT', 'SECRET-ANSWER', record.request_body!, 'authorization']) expect(line).not.toContain(text)
    expect(Object.keys(metadata[0]!).sort()).toEqual(Object.keys(AUDIT_METADATA_FIELDS).sort())
    // The body record keeps them for auditors, with the request and response rebuilt exactly.
    const reader = new BodyReader(store)
    const body = (await reader.recordAt(metadata[0]!.bodies!.record_key!))!
    expect(body.upstream).toEqual({ request_body: record.upstream_request_body, response_body: record.upstream_response_body })
    expect(new TextDecoder().decode((await reader.body(body, 'request'))!.bytes)).toBe(record.request_body!)
    expect(body.metadata).toMatchObject({ request_id: record.request_id, user_id: 'alice' })
  })

  it('derives the metadata fields from the record definition, minus the body-only ones', () => {
    for (const name of Object.keys(AUDIT_RECORD_FIELDS)) {
      expect(name in AUDIT_METADATA_FIELDS, name).toBe(!(BODY_ONLY_FIELDS as readonly string[]).includes(name))
    }
    expect(AUDIT_METADATA_FIELDS).toHaveProperty('bodies')
    expect(AUDIT_METADATA_FIELDS).toHaveProperty('record_version')
  })

  it('writes a body record even without bodies (the headers are auditor-only too)', async () => {
    const store = new MemoryObjectStore()
    const metadata: AuditMetadata[] = []
    await new AuditStoreSink(new BodyWriter(store), { put: async (m) => void metadata.push(m) }).write(sampleRecord({ status: 401 }))
    expect(metadata[0]!.bodies).toMatchObject({ request_sha256: null, response_sha256: null })
    expect(store.objects.size).toBe(1)
  })
})
