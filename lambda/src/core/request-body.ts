// Reading the request body with a hard ceiling, so an absurd or endless body never
// makes the proxy buffer without bound.
import { concatBytes } from './bytes.js'

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`)
  }
}

export async function readBodyWithLimit(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw new BodyTooLargeError(limit)
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => {})
      throw new BodyTooLargeError(limit)
    }
    chunks.push(value)
  }
  return concatBytes(chunks, total)
}

/** Model and stream flag from a JSON request body; nulls when the body is not JSON. */
export interface RequestSummary {
  json: unknown
  model: string | null
  stream: boolean | null
}

export function summariseRequestBody(text: string, contentType: string | null): RequestSummary {
  const none = { json: undefined, model: null, stream: null }
  if (text.length === 0) return none
  // Only JSON bodies carry a model; multipart uploads (files, audio) are forwarded as is.
  if (contentType !== null && !/json/i.test(contentType)) return none
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return none // invalid JSON is forwarded unchanged; the upstream answers it
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ...none, json }
  const o = json as Record<string, unknown>
  return {
    json,
    model: typeof o.model === 'string' ? o.model : null,
    stream: typeof o.stream === 'boolean' ? o.stream : null,
  }
}
