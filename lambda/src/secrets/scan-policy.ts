// Which string values are not text a model reads as text, and are therefore not scanned.
// Base64 payloads are the largest values in a body (a screenshot is 0.1–10 MB) and a
// credential prefix (`AKIA`, `ghp_`, `sk_live_`) can occur in them by chance; encrypted
// reasoning is opaque to everyone but the provider. Skipping them saves time in
// proportion to their size (6 screenshots were a quarter of the 5 MB benchmark body).

/**
 * Members whose values are opaque blobs: `encrypted_content` of reasoning items
 * (encrypted by the provider) and `file_data` of `input_file` parts (base64 file bytes).
 * Source: OpenAI Responses API reference, input item types.
 */
export const SKIPPED_KEYS: ReadonlySet<string> = new Set(['encrypted_content', 'file_data'])

const DATA_URL_HEAD = /^data:[\w.+-]*\/[\w.+-]*(?:;[\w.+-]+=[^;,]*)*;base64,/i

/** True for a base64 data URL (`image_url` of `input_image`, images in tool output). */
export function isBase64DataUrl(raw: string, literalStart: number): boolean {
  // The head of a data URL has no JSON escapes unless `/` was written as `\/`.
  if (!raw.startsWith('"data:', literalStart)) return false
  const head = raw.slice(literalStart + 1, literalStart + 257).replace(/\\\//g, '/')
  return DATA_URL_HEAD.test(head)
}

export function isSkippedValue(raw: string, literalStart: number, key: string | undefined): boolean {
  return (key !== undefined && SKIPPED_KEYS.has(key)) || isBase64DataUrl(raw, literalStart)
}
