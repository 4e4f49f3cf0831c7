// Values that have the shape of a credential but are not one: documentation and
// `.env.example` placeholders. Checked on the secret part of every match unless a rule
// opts out (checksummed formats, private-key blocks, which have their own checks).

/** Shannon entropy of `s` in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0
  const counts = new Map<number, number>()
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    counts.set(c, (counts.get(c) ?? 0) + 1)
  }
  let h = 0
  for (const n of counts.values()) {
    const p = n / s.length
    h -= p * Math.log2(p)
  }
  return h
}

// Each alternative is bounded or anchored on a literal, so the check is linear.
export const PLACEHOLDER_SHAPES: readonly RegExp[] = [
  /[xX*]{5}/, // sk_test_xxxxxxxx…, ****
  /(?:EXAMPLE|example|Example)/, // AWS's AKIAIOSFODNN7EXAMPLE, `example-token`
  /<[^<>\n]{1,80}>/, // <your key>
  /\$\{[^{}\n]{0,80}\}/, // ${API_KEY}
  /\{\{[^{}\n]{0,80}\}\}/, // {{ api_key }}
  /\$\([^()\n]{0,80}\)/, // $(cat key)
  /(?:0123456789|1234567890|abcdefghij|ABCDEFGHIJ)/, // sequences typed by hand
  /(?:REDACTED|redacted|PLACEHOLDER|placeholder|CHANGEME|changeme|dummy|DUMMY)/,
]

/** One character repeated (`aaaa…`), or a repeating unit of ≤ 4 characters (`abababab`). */
function isRepetitive(s: string): boolean {
  outer: for (let unit = 1; unit <= 4 && unit * 2 <= s.length; unit++) {
    for (let i = unit; i < s.length; i++) if (s.charCodeAt(i) !== s.charCodeAt(i - unit)) continue outer
    return true
  }
  return false
}

/**
 * True when the secret text is a placeholder: a placeholder shape, a repetitive value,
 * or an entropy so low (< 2 bits per character over 12+ characters) that no generator
 * produces it.
 */
export function isPlaceholder(secret: string): boolean {
  if (isRepetitive(secret)) return true
  // your-api-key-here, YOUR_TOKEN: literal searches rather than one regex with overlapping runs.
  const lower = secret.toLowerCase()
  if (lower.includes('your') && (lower.includes('here') || lower.includes('key') || lower.includes('token'))) return true
  if (secret.length >= 12 && shannonEntropy(secret) < 2) return true
  return PLACEHOLDER_SHAPES.some((shape) => shape.test(secret))
}
