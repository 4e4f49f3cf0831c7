// A request skeleton as a delta on an earlier one of its session: ranges copied from the
// base and the bytes between them. Codex resends the whole conversation each turn, so the
// new skeleton is the old one with items appended inside `input`, the same tools, and a
// few changed bytes near the end (the turn id in `client_metadata`): a handful of ops.
//
// Matching is rsync-like: the base is indexed by 32-byte windows (every 8th offset), the
// new skeleton is scanned for them, and each hit is extended both ways. Linear in the
// sizes for any input. Copies start and end on UTF-8 character boundaries, so inserted
// bytes stay text when the body is text.
import type { DeltaOp } from '../contracts/audit-bodies.js'

const WINDOW = 32
const STEP = 8

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function insert(bytes: Uint8Array): DeltaOp {
  try {
    return strict.decode(bytes)
  } catch {
    return { b64: Buffer.from(bytes).toString('base64') }
  }
}

export function diff(base: Uint8Array, next: Uint8Array): DeltaOp[] {
  const index = new Map<string, number>()
  const b = latin1(base)
  const n = latin1(next)
  for (let i = 0; i + WINDOW <= b.length; i += STEP) {
    const key = b.slice(i, i + WINDOW)
    if (!index.has(key)) index.set(key, i)
  }
  const ops: DeltaOp[] = []
  let literal = 0
  let j = 0
  while (j + WINDOW <= n.length) {
    const pos = index.get(n.slice(j, j + WINDOW))
    if (pos === undefined) {
      j++
      continue
    }
    let s = pos
    let t = j
    while (s > 0 && t > literal && base[s - 1] === next[t - 1]) s--, t--
    let e = pos + WINDOW
    let u = j + WINDOW
    while (e < base.byteLength && u < next.byteLength && base[e] === next[u]) e++, u++
    while (t < u && isContinuation(next[t])) s++, t++
    while (u > t && isContinuation(next[u])) e--, u--
    if (u - t < WINDOW) {
      j++
      continue
    }
    if (t > literal) ops.push(insert(next.subarray(literal, t)))
    ops.push([s, u - t])
    literal = u
    j = u
  }
  if (literal < next.byteLength) ops.push(insert(next.subarray(literal)))
  return ops
}

/** Bytes copied from the base by a delta (how much of the base it reuses). */
export function copiedBytes(ops: DeltaOp[]): number {
  let total = 0
  for (const op of ops) if (Array.isArray(op)) total += op[1]
  return total
}

export function apply(base: Uint8Array, ops: unknown): Uint8Array {
  if (!Array.isArray(ops)) throw new Error('damaged delta: ops is not a list')
  const parts: Uint8Array[] = []
  for (const op of ops as unknown[]) {
    if (typeof op === 'string') parts.push(new TextEncoder().encode(op))
    else if (Array.isArray(op)) {
      const [start, length] = op as unknown[]
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || (start as number) < 0 || (length as number) < 0 || (start as number) + (length as number) > base.byteLength) {
        throw new Error(`damaged delta: copy [${String(start)}, ${String(length)}] is outside the base's ${base.byteLength} bytes`)
      }
      parts.push(base.subarray(start as number, (start as number) + (length as number)))
    } else if (op && typeof op === 'object' && typeof (op as { b64?: unknown }).b64 === 'string') {
      parts.push(Buffer.from((op as { b64: string }).b64, 'base64'))
    } else throw new Error('damaged delta: unknown op')
  }
  return Buffer.concat(parts)
}
