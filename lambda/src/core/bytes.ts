// Byte helpers shared by the request reader and the response relay.

export function concatBytes(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === total) return chunks[0]!
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

const lenient = new TextDecoder()

/** UTF-8 text of at most `cap` bytes; invalid sequences become U+FFFD (records stay JSON). */
export function textUpTo(bytes: Uint8Array, cap: number): { text: string; truncated: boolean } {
  if (bytes.byteLength <= cap) return { text: lenient.decode(bytes), truncated: false }
  return { text: lenient.decode(bytes.subarray(0, cap)), truncated: true }
}
