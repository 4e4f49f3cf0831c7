// Rebuilds a stored body byte-exact: follows the request's delta chain back to its
// checkpoint, joins the skeleton with its blocks, and checks the SHA-256 the record carries.
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { type BodyRecord, BODY_RECORD_VERSION, blockKey, bodyRecordKey, type StoredBody } from '../contracts/audit-bodies.js'
import { decodeBytes } from './body-writer.js'
import { apply } from './delta.js'
import type { ObjectStore } from './object-store.js'
import { blockRefs, join, sha256Hex } from './segments.js'

const gunzipAsync = promisify(gunzip)

/** Longest delta chain followed (the writer checkpoints far sooner); guards against loops. */
const MAX_CHAIN = 10_000

export class BodyIntegrityError extends Error {
  override name = 'BodyIntegrityError'
}

export interface RebuiltBody {
  bytes: Uint8Array
  stored: StoredBody
  /** SHA-256 of the rebuilt bytes equals the one recorded. */
  verified: true
  /** Body records read to rebuild it (1 = a checkpoint). */
  recordsRead: number
}

export class BodyReader {
  private readonly records = new Map<string, BodyRecord>()
  private readonly blocks = new Map<string, Uint8Array>()

  constructor(private readonly store: ObjectStore) {}

  async record(requestId: string, day: Date): Promise<BodyRecord | undefined> {
    return this.recordAt(bodyRecordKey(requestId, day))
  }

  async recordAt(key: string): Promise<BodyRecord | undefined> {
    const cached = this.records.get(key)
    if (cached) return cached
    const gz = await this.store.get(key)
    if (!gz) return undefined
    const record = JSON.parse((await gunzipAsync(gz)).toString('utf8')) as BodyRecord
    if (record.version !== BODY_RECORD_VERSION) throw new BodyIntegrityError(`${key}: unknown body record version ${String(record.version)}`)
    this.records.set(key, record)
    return record
  }

  /** The request or response body of a record, rebuilt and checked against its hash. */
  async body(record: BodyRecord, which: 'request' | 'response'): Promise<RebuiltBody | undefined> {
    const stored = record[which]
    if (!stored) return undefined
    const day = new Date(record.timestamp)
    const { skeleton, recordsRead } = which === 'request' ? await this.requestSkeleton(record, day) : { skeleton: decodeBytes(stored), recordsRead: 1 }
    const hashes = [...new Set(blockRefs(skeleton))]
    const found = new Map<string, Uint8Array>()
    await Promise.all(hashes.map(async (h) => found.set(h, await this.block(h, day))))
    const bytes = join(skeleton, (h) => found.get(h))
    const hash = sha256Hex(bytes)
    if (hash !== stored.sha256 || bytes.byteLength !== stored.bytes) {
      throw new BodyIntegrityError(`${which} body of ${record.request_id}: rebuilt ${bytes.byteLength} bytes with SHA-256 ${hash}, the record says ${stored.bytes} bytes with ${stored.sha256}`)
    }
    return { bytes, stored, verified: true, recordsRead }
  }

  private async requestSkeleton(record: BodyRecord, day: Date): Promise<{ skeleton: Uint8Array; recordsRead: number }> {
    // Walk back to the checkpoint, then apply the deltas forward.
    const chain: BodyRecord[] = [record]
    for (let cur = record; cur.request?.base; ) {
      if (chain.length > MAX_CHAIN) throw new BodyIntegrityError(`${record.request_id}: delta chain longer than ${MAX_CHAIN}`)
      const baseId = cur.request.base.request_id
      const base = await this.record(baseId, day)
      if (!base?.request) throw new BodyIntegrityError(`${record.request_id}: base body record ${baseId} is missing`)
      chain.push(base)
      cur = base
    }
    let skeleton = decodeBytes(chain[chain.length - 1]!.request!)
    for (let i = chain.length - 2; i >= 0; i--) {
      const stored = chain[i]!.request!
      skeleton = apply(skeleton, stored.base!.ops)
    }
    return { skeleton, recordsRead: chain.length }
  }

  private async block(hash: string, day: Date): Promise<Uint8Array> {
    const key = blockKey(hash, day)
    const cached = this.blocks.get(key)
    if (cached) return cached
    const gz = await this.store.get(key)
    if (!gz) throw new BodyIntegrityError(`block ${hash} is missing (${key})`)
    const raw = await gunzipAsync(gz)
    if (sha256Hex(raw) !== hash) throw new BodyIntegrityError(`block ${key} does not match its hash`)
    this.blocks.set(key, raw)
    return raw
  }
}
