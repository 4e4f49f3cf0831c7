// Renaming the model on the way out (a client's model → the name an upstream knows, e.g.
// an Azure deployment) and back on the way in, so that Codex, records and prices see the
// real model. The way back is a streaming text substitution, not a parse: it works alike
// on JSON bodies and on SSE events (`response.model` inside `response.created`,
// `response.completed`, …), holds back only a few bytes at chunk edges, and never buffers
// a response.
import { upstreamModelName, type Upstream } from '../../contracts/upstreams.js'

/** The body with its top-level `model` replaced, or undefined when nothing changes. */
export function renameRequestModel(json: Record<string, unknown> | undefined, upstream: Upstream): Uint8Array | undefined {
  if (!json || typeof json.model !== 'string') return undefined
  const target = upstreamModelName(upstream, json.model)
  if (target === json.model) return undefined
  // Key order is kept by JSON.parse/stringify; only insignificant whitespace changes.
  return new TextEncoder().encode(JSON.stringify({ ...json, model: target }))
}

/** Whitespace allowed around the colon of `"model": "…"` (JSON allows any; APIs use 0-1). */
const MAX_SPACE = 8

/**
 * A stream that replaces every JSON member `"model": "<from>"` by `"model": "<to>"`.
 * Names are restricted by the config contract to characters JSON never escapes, so the
 * text form is exact. A match must not follow a backslash (an escaped quote inside a key).
 */
export function modelRenameStream(from: string, to: string): TransformStream<Uint8Array, Uint8Array> {
  const pattern = new RegExp(`(?<!\\\\)"model"(\\s{0,${MAX_SPACE}}):(\\s{0,${MAX_SPACE}})"${escapeRegExp(from)}"`, 'g')
  // `prev` is the last character already sent: the look-behind must see it.
  const replace = (prev: string, text: string) =>
    (prev + text).replace(pattern, (_m, s1: string, s2: string) => `"model"${s1}:${s2}"${to}"`).slice(prev.length)
  // Longest text a match can span: what must be held back at a chunk's end. A replaced
  // value ends in a quote that `from` cannot follow, so replaced text never matches again.
  const hold = '"model"'.length + 2 * MAX_SPACE + 1 + from.length + 2
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let pending = ''
  let prev = ''
  return new TransformStream({
    transform(chunk, controller) {
      pending = replace(prev, pending + decoder.decode(chunk, { stream: true }))
      if (pending.length > hold) {
        let cut = pending.length - hold
        // Never between the halves of a surrogate pair (an emoji would turn into U+FFFD twice).
        const code = pending.charCodeAt(cut - 1)
        if (code >= 0xd800 && code <= 0xdbff) cut--
        if (cut > 0) {
          controller.enqueue(encoder.encode(pending.slice(0, cut)))
          prev = pending[cut - 1]!
          pending = pending.slice(cut)
        }
      }
    },
    flush(controller) {
      pending = replace(prev, pending + decoder.decode())
      if (pending) controller.enqueue(encoder.encode(pending))
    },
  })
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
