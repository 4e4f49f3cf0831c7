// Decoding one raw JSON string literal, and mapping offsets in the decoded value back to
// the raw text. Secrets are matched in decoded values (an escape such as `\u0041KIA…` or
// the `\n` inside a PEM block hides them from raw matching, and the upstream decodes
// them), but the redaction marker must replace the raw characters.

/** The value of the literal spanning raw[start, end) (quotes included). */
export function decodeStringLiteral(raw: string, start: number, end: number, escaped: boolean): string {
  return escaped ? (JSON.parse(raw.slice(start, end)) as string) : raw.slice(start + 1, end - 1)
}

/**
 * Raw indices of the given decoded offsets (ascending) inside the literal that starts at
 * `start`. An escape is one decoded UTF-16 code unit: `\uXXXX` is six raw characters,
 * any other escape two, anything else one. An offset maps to the start of the raw
 * representation of the decoded unit at that offset, so a span [a, b) of decoded units
 * maps to the raw span covering exactly their escapes, never half of one.
 */
export function rawIndicesOfDecodedOffsets(raw: string, start: number, offsets: readonly number[]): number[] {
  const out: number[] = []
  let i = start + 1
  let decoded = 0
  for (const target of offsets) {
    while (decoded < target) {
      i += raw.charCodeAt(i) === 92 ? (raw.charCodeAt(i + 1) === 117 ? 6 : 2) : 1
      decoded++
    }
    out.push(i)
  }
  return out
}
