// The body segmenter as it was before issue 14's lever (one JS step per byte in the literal scan),
// frozen for bench/levers.ts to time beside lambda/src/bodies/segments.ts. Not used by the proxy.
// Splitting a body into a skeleton and content-addressed blocks, and joining them back.
//
// A block is the raw bytes of one large quoted string (JSON string literal, quotes and
// escapes included) — instructions, tool descriptions, `encrypted_content`, function
// arguments and outputs. Codex resends its whole history every turn; a resent item is not
// byte-identical JSON (key order, an added `content: null`) but its large strings are
// (NOTES.md), so deduping at the level of strings catches what whole-item dedupe misses.
//
// Nothing is parsed: the skeleton is the body with each large literal's bytes replaced by
// a reference (NUL + 64 hex digits), so joining is concatenation and the rebuilt body is
// byte-exact for any input — valid JSON, SSE text, or garbage. The scan only looks for
// quote pairs on one line, so hostile input can at worst make dedupe poorer.
import { createHash } from 'node:crypto'
import { BLOCK_MARKER_BYTE, BLOCK_MARKER_LENGTH } from '../../lambda/src/contracts/audit-bodies.js'

/** Quoted strings at least this long (raw bytes, quotes included) become blocks. */
export const MIN_BLOCK_BYTES = 512

const QUOTE = 0x22
const BACKSLASH = 0x5c
const NEWLINE = 0x0a

export interface Segmented {
  skeleton: Uint8Array
  /** sha256 hex → raw bytes, each block once. */
  blocks: Map<string, Uint8Array>
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The skeleton of `body` and its blocks. A body holding a NUL byte is one block. */
export function segment(body: Uint8Array, minBlock = MIN_BLOCK_BYTES): Segmented {
  const blocks = new Map<string, Uint8Array>()
  const reference = (raw: Uint8Array): Uint8Array => {
    const hash = sha256Hex(raw)
    if (!blocks.has(hash)) blocks.set(hash, raw)
    return marker(hash)
  }
  if (body.includes(BLOCK_MARKER_BYTE)) return { skeleton: body.byteLength ? reference(body) : body, blocks }

  const parts: Uint8Array[] = []
  let literalStart = 0
  let i = 0
  const n = body.byteLength
  while (i < n) {
    const open = body.indexOf(QUOTE, i)
    if (open < 0) break
    const close = closingQuote(body, open + 1)
    if (close === END) break
    if (close < 0) {
      // A newline first: not a string literal. Every quote up to the newline was read as
      // escaped, so a scan from any of them ends the same way: go on after the newline.
      i = -close - 2 + 1
      continue
    }
    const end = close + 1
    if (end - open >= minBlock) {
      parts.push(body.subarray(literalStart, open), reference(body.subarray(open, end)))
      literalStart = end
    }
    i = end
  }
  if (parts.length === 0) return { skeleton: body, blocks }
  parts.push(body.subarray(literalStart))
  return { skeleton: Buffer.concat(parts), blocks }
}

const END = -1

/**
 * Index of the quote that ends a literal whose content starts at `from`; END when the
 * input ends first (then no later quote can close a literal either: each was read here as
 * escaped, so a scan from it would read the rest alike, and stopping keeps the pass
 * linear on hostile input such as `"\"\"\"…`); `-(newline index) - 2` when a line ends first.
 */
function closingQuote(body: Uint8Array, from: number): number {
  for (let i = from; i < body.byteLength; i++) {
    const b = body[i]
    if (b === QUOTE) return i
    if (b === BACKSLASH) i++
    else if (b === NEWLINE) return -i - 2
  }
  return END
}

const HEX = new TextEncoder()

function marker(hash: string): Uint8Array {
  const out = new Uint8Array(BLOCK_MARKER_LENGTH)
  out[0] = BLOCK_MARKER_BYTE
  out.set(HEX.encode(hash), 1)
  return out
}

/** The block hashes a skeleton refers to, in order (repeats included). */
export function blockRefs(skeleton: Uint8Array): string[] {
  const out: string[] = []
  const decoder = new TextDecoder()
  let i = skeleton.indexOf(BLOCK_MARKER_BYTE)
  while (i >= 0) {
    if (i + BLOCK_MARKER_LENGTH > skeleton.byteLength) throw new Error('damaged skeleton: cut block reference')
    const hash = decoder.decode(skeleton.subarray(i + 1, i + BLOCK_MARKER_LENGTH))
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('damaged skeleton: bad block reference')
    out.push(hash)
    i = skeleton.indexOf(BLOCK_MARKER_BYTE, i + BLOCK_MARKER_LENGTH)
  }
  return out
}

/** The body a skeleton stands for, given its blocks (throws when one is missing). */
export function join(skeleton: Uint8Array, block: (hash: string) => Uint8Array | undefined): Uint8Array {
  const parts: Uint8Array[] = []
  let from = 0
  let i = skeleton.indexOf(BLOCK_MARKER_BYTE)
  if (i < 0) return skeleton
  const decoder = new TextDecoder()
  while (i >= 0) {
    if (i + BLOCK_MARKER_LENGTH > skeleton.byteLength) throw new Error('damaged skeleton: cut block reference')
    const hash = decoder.decode(skeleton.subarray(i + 1, i + BLOCK_MARKER_LENGTH))
    const bytes = block(hash)
    if (!bytes) throw new Error(`missing block ${hash}`)
    parts.push(skeleton.subarray(from, i), bytes)
    from = i + BLOCK_MARKER_LENGTH
    i = skeleton.indexOf(BLOCK_MARKER_BYTE, from)
  }
  parts.push(skeleton.subarray(from))
  return Buffer.concat(parts)
}
