import { gzipSync, constants } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { BODIES_PREFIX } from '../../../lambda/src/contracts/audit-bodies.js'
import { BodyIntegrityError, BodyReader } from '../../../lambda/src/bodies/body-reader.js'
import { type BodyWrite, BodyWriter } from '../../../lambda/src/bodies/body-writer.js'
import { MemoryObjectStore } from '../../../lambda/src/bodies/object-store.js'
import { codexSession, type SessionTurn } from '../../support/codex-session.js'

const T0 = Date.parse('2026-11-29T10:00:00.000Z')
const id = (n: number) => `01KB${String(n).padStart(22, '0')}`

function input(turn: SessionTurn, n: number, at = T0 + n * 1000, sessionKey: string | null = 'tok_a\u0000s1'): BodyWrite {
  return {
    requestId: id(n),
    timestamp: new Date(at).toISOString(),
    sessionKey,
    sessionId: 's1',
    requestHeaders: turn.headers,
    responseHeaders: { 'content-type': 'text/event-stream' },
    request: { stored: turn.request, redacted: false, truncated: false },
    response: { stored: turn.response, redacted: false, truncated: false },
  }
}

async function writeSession(writer: BodyWriter, turns: SessionTurn[], at = (n: number) => T0 + n * 1000) {
  const written = []
  for (const [i, t] of turns.entries()) written.push(await writer.write(input(t, i, at(i))))
  return written
}

async function expectAllRebuilt(store: MemoryObjectStore, turns: SessionTurn[], at = (n: number) => T0 + n * 1000) {
  const reader = new BodyReader(store)
  for (const [i, t] of turns.entries()) {
    const record = (await reader.record(id(i), new Date(at(i))))!
    const req = await reader.body(record, 'request')
    const res = await reader.body(record, 'response')
    expect(Buffer.from(req!.bytes).equals(Buffer.from(t.request)), `request ${i}`).toBe(true)
    expect(Buffer.from(res!.bytes).equals(Buffer.from(t.response)), `response ${i}`).toBe(true)
  }
}

describe('body writer and reader', () => {
  it('rebuilds every request and response of a 30-turn session byte-exact', async () => {
    const store = new MemoryObjectStore()
    const turns = codexSession(30)
    await writeSession(new BodyWriter(store), turns)
    await expectAllRebuilt(store, turns)
  })

  it('stores a 30-turn session in well under 15% of one gzip object per request (today)', async () => {
    const store = new MemoryObjectStore()
    const turns = codexSession(30)
    await writeSession(new BodyWriter(store), turns)
    const today = turns.reduce((sum, t) => sum + gzipSync(Buffer.concat([t.request, t.response]), { level: constants.Z_BEST_SPEED }).byteLength, 0)
    expect(store.storedBytes(BODIES_PREFIX) / today).toBeLessThan(0.15)
  })

  it('writes deltas that carry only the new part, with a checkpoint every N requests', async () => {
    const store = new MemoryObjectStore()
    const written = await writeSession(new BodyWriter(store, { checkpointEvery: 5 }), codexSession(12))
    const bases = written.map((w) => w.request!.base?.request_id ?? null)
    expect(bases).toEqual([null, id(0), id(1), id(2), id(3), null, id(5), id(6), id(7), id(8), null, id(10)])
    // A delta inserts the new turn's skeleton only: far below the whole skeleton.
    const inserted = JSON.stringify(written[4]!.request!.base!.ops.filter((op) => !Array.isArray(op))).length
    expect(inserted).toBeLessThan(written[0]!.request!.text!.length / 4)
  })

  it('writes a checkpoint when a new instance has no state for the session (cold start)', async () => {
    const store = new MemoryObjectStore()
    const turns = codexSession(6)
    const first = new BodyWriter(store)
    for (let i = 0; i < 3; i++) await first.write(input(turns[i]!, i))
    const second = new BodyWriter(store)
    const w = await second.write(input(turns[3]!, 3))
    expect(w.request!.base).toBeNull()
    await second.write(input(turns[4]!, 4))
    await expectAllRebuilt(store, turns.slice(0, 5))
  })

  it('writes a checkpoint when the prefix breaks (compaction) and when the UTC day changes', async () => {
    const store = new MemoryObjectStore()
    const writer = new BodyWriter(store)
    const a = codexSession(3, 1)
    const b = codexSession(2, 2) // same session key, different history: a compaction
    const at = (n: number) => (n < 4 ? T0 + n * 1000 : Date.parse('2026-11-30T00:00:01.000Z') + n)
    const turns = [...a, b[0]!, b[1]!]
    const written = await writeSession(writer, turns, at)
    expect(written.map((w) => w.request!.base === null)).toEqual([true, false, false, true, true])
    await expectAllRebuilt(store, turns, at)
  })

  it('stores each block once per day and never writes an object twice', async () => {
    const store = new MemoryObjectStore()
    const turns = codexSession(5)
    const writer = new BodyWriter(store)
    await writeSession(writer, turns)
    const objects = store.objects.size
    const creates = store.creates
    // Another session on the same day, same instructions and tools: new blocks only.
    const other = codexSession(1, 7, 'another-session')
    const w = await writer.write({ ...input(other[0]!, 99), sessionKey: 'tok_b\u0000other' })
    expect(store.creates - creates).toBe(w.puts)
    expect(store.objects.size - objects).toBe(w.puts)
    // A cold instance re-offers known blocks: the store answers "exists", nothing is rewritten.
    const before = new Map(store.objects)
    await new BodyWriter(store).write({ ...input(turns[0]!, 100), sessionKey: null })
    for (const [k, v] of before) expect(store.objects.get(k)).toBe(v)
  })

  it('records redaction and the hash of the original bytes', async () => {
    const store = new MemoryObjectStore()
    const original = new TextEncoder().encode('{"input":"key AKIAABCDEFGHIJKLMNOP"}')
    const stored = new TextEncoder().encode('{"input":"key [REDACTED:aws]"}')
    const w = await new BodyWriter(store).write({ ...input(codexSession(1)[0]!, 0), request: { stored, original, redacted: true, truncated: false } })
    expect(w.request).toMatchObject({ redacted: true, bytes: stored.byteLength, original: { bytes: original.byteLength } })
    const reader = new BodyReader(store)
    const rebuilt = await reader.body((await reader.record(id(0), new Date(T0)))!, 'request')
    expect(new TextDecoder().decode(rebuilt!.bytes)).toBe('{"input":"key [REDACTED:aws]"}')
  })

  it('refuses a body whose block was altered, or whose base record is gone', async () => {
    const store = new MemoryObjectStore()
    const turns = codexSession(3)
    await writeSession(new BodyWriter(store), turns)
    const blockKey = [...store.objects.keys()].find((k) => k.includes('/blocks/'))!
    store.objects.set(blockKey, gzipSync('"tampered"'))
    const reader = new BodyReader(store)
    const record = (await reader.record(id(2), new Date(T0 + 2000)))!
    await expect(reader.body(record, 'request')).rejects.toThrow(BodyIntegrityError)

    const store2 = new MemoryObjectStore()
    await writeSession(new BodyWriter(store2), turns)
    store2.objects.delete([...store2.objects.keys()].find((k) => k.endsWith(`${id(0)}.json.gz`))!)
    const reader2 = new BodyReader(store2)
    await expect(reader2.body((await reader2.record(id(2), new Date(T0 + 2000)))!, 'request')).rejects.toThrow(/base body record .* is missing/)
  })

  it('keeps bounded session state: the oldest sessions are forgotten (their next turn is whole)', async () => {
    const store = new MemoryObjectStore()
    const writer = new BodyWriter(store, { maxSessions: 2 })
    const t = codexSession(2)
    for (const s of ['s1', 's2', 's3']) await writer.write({ ...input(t[0]!, 0), requestId: `${id(0)}${s}`, sessionKey: s })
    const w1 = await writer.write({ ...input(t[1]!, 1), requestId: `${id(1)}s1`, sessionKey: 's1' })
    const w3 = await writer.write({ ...input(t[1]!, 1), requestId: `${id(1)}s3`, sessionKey: 's3' })
    expect(w1.request!.base).toBeNull()
    expect(w3.request!.base).not.toBeNull()
  })
})
