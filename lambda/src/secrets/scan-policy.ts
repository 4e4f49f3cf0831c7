// Which string values are not text a model reads, and are therefore not scanned.
// Base64 payloads are skipped because random base64 produces false positives for
// prefix-based rules (`AKIA`, `sk-`, `ghp_` occur by chance in megabytes of base64) and
// because they are the largest values in a body (images of 1–10 MB).

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
