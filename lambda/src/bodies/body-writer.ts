// Writes a request's bodies the way Codex sends them: large strings as content-addressed
// blocks (stored once per UTC day with a conditional write), and the request skeleton as a
// delta on the previous request of its session that this instance wrote.
//
// Checkpoints (a whole skeleton) bound the cost of rebuilding a body: when this instance
// has no state for the session (cold start, another instance served the previous turn),
// every `checkpointEvery` requests, on a new UTC day, and when the prefix breaks (Codex
// compaction rewrites history). A delta only ever refers to a body record this instance
// has already written successfully, so every chain is complete whatever runs concurrently.
import { type BodyRecord, BODY_RECORD_VERSION, blockKey, bodyRecordKey, dayPartition, type StoredBody } from '../contracts/audit-bodies.js'
import { copiedBytes, diff } from './delta.js'
import { gzipObject } from './gzip.js'
import type { BodyBytes } from '../core/ports.js'
import type { ObjectStore } from './object-store.js'
import { segment, sha256Hex } from './segments.js'


export interface BodyWrite {
  requestId: string
  /** Request start (ISO-8601 UTC); its day is the body's partition. */
  timestamp: string
  /** The chain a delta may follow: the caller's token and Codex session (null: no delta). */
  sessionKey: string | null
  sessionId: string | null
  metadata?: BodyRecord['metadata']
  upstream?: BodyRecord['upstream']
  requestHeaders: Record<string, string>
  responseHeaders: Record<string, string> | null
  request?: BodyBytes | undefined
  response?: BodyBytes | undefined
}

export interface WrittenBodies {
  recordKey: string
  request: StoredBody | null
  response: StoredBody | null
  /** Objects created by this write (the body record and new blocks). */
  puts: number
  storedBytes: number
}

export interface BodyWriterOptions {
  checkpointEvery?: number
  /** Sessions whose last skeleton is remembered (LRU). */
  maxSessions?: number
  /** Total skeleton bytes remembered across sessions. */
  maxStateBytes?: number
  /** Block hashes known to be stored (LRU), to skip their conditional PUTs. */
  maxKnownBlocks?: number
  minBlockBytes?: number
  /** Parallel block writes. */
  concurrency?: number
}

interface SessionState {
  day: string
  requestId: string
  skeleton: Uint8Array
  chain: number
}

/**
 * Requests per chain before a checkpoint: rebuilding a body reads at most this many body
 * records. 25 keeps that small while checkpoints (the whole skeleton: ~10 KB gzip for a
 * Codex body) stay a minor share of a session's bytes (bench/audit-storage-results.md).
 */
export const DEFAULT_CHECKPOINT_EVERY = 25

/**
 * gzip level 6 (zlib's default), not the v1 sink's level 1: the objects are small (a few
 * KB: deltas, single strings), so the CPU is a fraction of a millisecond, spent after the
 * response has streamed, and each object is written once for good.
 */
const GZIP_LEVEL = 6

/** A delta reusing less than this share of the previous skeleton is a break (compaction): write it whole. */
const REUSE_SHARE = 0.5

export class BodyWriter {
  private readonly sessions = new Map<string, SessionState>()
  private stateBytes = 0
  private readonly knownBlocks = new Map<string, true>()
  private readonly o: Required<BodyWriterOptions>

  constructor(
    private readonly store: ObjectStore,
    options: BodyWriterOptions = {},
  ) {
    this.o = {
      checkpointEvery: options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
      maxSessions: options.maxSessions ?? 512,
      maxStateBytes: options.maxStateBytes ?? 64 * 1024 * 1024,
      maxKnownBlocks: options.maxKnownBlocks ?? 50_000,
      minBlockBytes: options.minBlockBytes ?? 512,
      concurrency: options.concurrency ?? 8,
    }
  }

  async write(input: BodyWrite): Promise<WrittenBodies> {
    const date = new Date(input.timestamp)
    const day = dayPartition(date)
    const blocks = new Map<string, Uint8Array>()
    let chain = 0
    let requestSkeleton: Uint8Array | undefined
    let request: StoredBody | null = null
    if (input.request) {
      const seg = segment(input.request.stored, this.o.minBlockBytes)
      for (const [h, b] of seg.blocks) blocks.set(h, b)
      requestSkeleton = seg.skeleton
      const previous = input.sessionKey ? this.sessions.get(input.sessionKey) : undefined
      request = { ...describe(input.request), base: null, ...encodeBytes(seg.skeleton) }
      if (previous && previous.day === day && previous.chain + 1 < this.o.checkpointEvery) {
        const ops = diff(previous.skeleton, seg.skeleton)
        if (copiedBytes(ops) >= previous.skeleton.byteLength * REUSE_SHARE) {
          request = { ...describe(input.request), base: { request_id: previous.requestId, ops } }
          chain = previous.chain + 1
        }
      }
    }
    let response: StoredBody | null = null
    if (input.response) {
      const seg = segment(input.response.stored, this.o.minBlockBytes)
      for (const [h, b] of seg.blocks) blocks.set(h, b)
      response = { ...describe(input.response), base: null, ...encodeBytes(seg.skeleton) }
    }

    let puts = 0
    let storedBytes = 0
    const pending = [...blocks].filter(([hash]) => !this.knownBlocks.has(`${day}${hash}`))
    for (let i = 0; i < pending.length; i += this.o.concurrency) {
      await Promise.all(
        pending.slice(i, i + this.o.concurrency).map(async ([hash, raw]) => {
          const gz = await gzipObject(raw, GZIP_LEVEL)
          if ((await this.store.create(blockKey(hash, date), gz, 'application/gzip')) === 'created') {
            puts += 1
            storedBytes += gz.byteLength
          }
          this.remember(this.knownBlocks, `${day}${hash}`, this.o.maxKnownBlocks)
        }),
      )
    }

    const record: BodyRecord = {
      version: BODY_RECORD_VERSION,
      request_id: input.requestId,
      timestamp: input.timestamp,
      session_id: input.sessionId,
      chain,
      metadata: input.metadata ?? null,
      request_headers: input.requestHeaders,
      response_headers: input.responseHeaders,
      request,
      response,
      ...(input.upstream && { upstream: input.upstream }),
    }
    const recordKey = bodyRecordKey(input.requestId, date)
    const gz = await gzipObject(JSON.stringify(record), GZIP_LEVEL)
    if ((await this.store.create(recordKey, gz, 'application/gzip')) === 'created') {
      puts += 1
      storedBytes += gz.byteLength
    }
    if (input.sessionKey && requestSkeleton) this.rememberSession(input.sessionKey, { day, requestId: input.requestId, skeleton: requestSkeleton, chain })
    return { recordKey, request, response, puts, storedBytes }
  }

  private rememberSession(key: string, state: SessionState): void {
    const old = this.sessions.get(key)
    if (old) {
      this.sessions.delete(key)
      this.stateBytes -= old.skeleton.byteLength
    }
    if (state.skeleton.byteLength > this.o.maxStateBytes / 4) return // too big to keep: next turn is whole
    this.sessions.set(key, state)
    this.stateBytes += state.skeleton.byteLength
    for (const [k, s] of this.sessions) {
      if (this.sessions.size <= this.o.maxSessions && this.stateBytes <= this.o.maxStateBytes) break
      this.sessions.delete(k)
      this.stateBytes -= s.skeleton.byteLength
    }
  }

  private remember(map: Map<string, true>, key: string, max: number): void {
    map.delete(key)
    map.set(key, true)
    if (map.size > max) map.delete(map.keys().next().value!)
  }
}

function describe(b: BodyBytes): Omit<StoredBody, 'base' | 'text' | 'b64'> {
  return {
    sha256: sha256Hex(b.stored),
    bytes: b.stored.byteLength,
    original: b.original ? { sha256: sha256Hex(b.original), bytes: b.original.byteLength } : null,
    redacted: b.redacted,
    truncated: b.truncated,
  }
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** UTF-8 text when the bytes are valid UTF-8 (the usual case), else base64. */
export function encodeBytes(bytes: Uint8Array): { text: string } | { b64: string } {
  try {
    return { text: strict.decode(bytes) }
  } catch {
    return { b64: Buffer.from(bytes).toString('base64') }
  }
}

export function decodeBytes(part: { text?: string | undefined; b64?: string | undefined }): Uint8Array {
  if (part.text !== undefined) return new TextEncoder().encode(part.text)
  if (part.b64 !== undefined) return Buffer.from(part.b64, 'base64')
  throw new Error('damaged body record: no text or b64')
}
