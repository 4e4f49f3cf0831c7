// Token usage as the upstream reports it, extracted while the response streams by.
//
// Where usage lives (OpenAI API reference; observed with Codex CLI 0.169):
// - Responses stream: `response.completed` (also `.incomplete` / `.failed`) carries
//   `response.usage = {input_tokens, input_tokens_details:{cached_tokens}, output_tokens,
//   output_tokens_details:{reasoning_tokens}, total_tokens}`; details may be null.
// - Non-stream Responses / compact: the same `usage` at the top of the JSON body.
// - Chat Completions: `usage = {prompt_tokens, completion_tokens, total_tokens,
//   prompt_tokens_details:{cached_tokens}, completion_tokens_details:{reasoning_tokens}}`
//   on the JSON body, or on the last stream chunk (`stream_options.include_usage`).

import type { Usage } from '../contracts/usage.js'
export type { Usage }

export interface UsageResult {
  usage: Usage | null
  /** Model the upstream says it used (may be a dated snapshot of the requested one). */
  model: string | null
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined

/** Normalises either usage shape to the record's fields; undefined when not a usage object. */
export function normaliseUsage(raw: unknown): Usage | undefined {
  const u = obj(raw)
  if (!u) return undefined
  if ('input_tokens' in u || 'output_tokens' in u) {
    const input = num(u.input_tokens)
    const output = num(u.output_tokens)
    const details = obj(u.input_tokens_details)
    const usage: Usage = {
      input_tokens: input,
      cached_input_tokens: num(details?.cached_tokens) ?? (input === null ? null : 0),
      output_tokens: output,
      reasoning_tokens: num(obj(u.output_tokens_details)?.reasoning_tokens) ?? (output === null ? null : 0),
      total_tokens: num(u.total_tokens) ?? (input !== null && output !== null ? input + output : null),
    }
    if (details && 'cache_write_tokens' in details) usage.cache_write_input_tokens = num(details.cache_write_tokens)
    return usage
  }
  if ('prompt_tokens' in u || 'completion_tokens' in u) {
    const input = num(u.prompt_tokens)
    const output = num(u.completion_tokens)
    return {
      input_tokens: input,
      cached_input_tokens: num(obj(u.prompt_tokens_details)?.cached_tokens) ?? (input === null ? null : 0),
      output_tokens: output,
      reasoning_tokens: num(obj(u.completion_tokens_details)?.reasoning_tokens) ?? (output === null ? null : 0),
      total_tokens: num(u.total_tokens) ?? (input !== null && output !== null ? input + output : null),
    }
  }
  return undefined
}

const FINAL_RESPONSE_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.done'])

/** Usage from one parsed SSE `data:` payload or JSON body, if it carries any. */
export function usageFromPayload(payload: unknown): Partial<UsageResult> & { terminal?: boolean } {
  const p = obj(payload)
  if (!p) return {}
  const response = obj(p.response)
  if (typeof p.type === 'string' && response) {
    const model = typeof response.model === 'string' ? response.model : null
    if (FINAL_RESPONSE_EVENTS.has(p.type)) return { usage: normaliseUsage(response.usage) ?? null, model, terminal: true }
    return { model }
  }
  const model = typeof p.model === 'string' ? p.model : null
  const usage = normaliseUsage(p.usage)
  return usage ? { usage, model } : { model }
}

// Data of a single SSE event, or a single line, larger than this is not kept for parsing:
// a stream without newlines once grew a string until V8 threw "Invalid string length",
// uncaught, after the client had its 200 (trust issue, finding 6).
export const MAX_EVENT_CHARS = 16 * 1024 * 1024

/**
 * Incremental extractor: feed response chunks as they pass; `finish()` gives the last
 * usage seen. For non-SSE bodies, `finish(body)` parses the whole (uncut) JSON text.
 */
export class UsageExtractor {
  private readonly sse: boolean
  private readonly decoder = new TextDecoder()
  private partialLine: string[] = []
  private partialChars = 0
  /** The current line outgrew MAX_EVENT_CHARS: skip to the next newline. */
  private skippingLine = false
  private eventName = ''
  private data: string[] = []
  private dataChars = 0
  private overflow = false
  private result: UsageResult = { usage: null, model: null }
  private terminal = false

  constructor(contentType: string | null) {
    this.sse = contentType !== null && /text\/event-stream/i.test(contentType)
  }

  get isStream(): boolean {
    return this.sse
  }

  /** A terminal event went by (`response.completed`/`incomplete`/`failed`, chat `[DONE]`). */
  get sawTerminalEvent(): boolean {
    return this.terminal
  }

  push(chunk: Uint8Array): void {
    if (!this.sse) return
    const text = this.decoder.decode(chunk, { stream: true })
    let start = 0
    for (;;) {
      const nl = text.indexOf('\n', start)
      if (nl === -1) break
      let line = text.slice(start, nl)
      start = nl + 1
      if (this.skippingLine) {
        this.skippingLine = false
        continue
      }
      if (this.partialLine.length > 0) {
        this.partialLine.push(line)
        line = this.partialLine.join('')
        this.partialLine = []
        this.partialChars = 0
      }
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
    }
    if (start < text.length && !this.skippingLine) {
      this.partialChars += text.length - start
      if (this.partialChars > MAX_EVENT_CHARS) {
        this.partialLine = []
        this.partialChars = 0
        this.skippingLine = true
      } else this.partialLine.push(text.slice(start))
    }
  }

  /** Final result; `body` is the complete response text for non-stream responses. */
  finish(body?: string): UsageResult {
    if (this.sse) {
      this.push(new Uint8Array(0))
      if (this.partialLine.length > 0) this.onLine(this.partialLine.join(''))
      this.dispatch()
    } else if (body !== undefined) {
      try {
        this.merge(usageFromPayload(JSON.parse(body)))
      } catch {
        // not JSON: no usage
      }
    }
    return this.result
  }

  private onLine(line: string): void {
    if (line === '') return this.dispatch()
    if (line.startsWith('event:')) {
      this.eventName = line.slice(6).trim()
      return
    }
    if (!line.startsWith('data:') || this.overflow) return
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
    this.dataChars += value.length
    if (this.dataChars > MAX_EVENT_CHARS) {
      this.overflow = true
      this.data = []
      return
    }
    this.data.push(value)
  }

  private dispatch(): void {
    const data = this.data.length === 1 ? this.data[0]! : this.data.join('\n')
    if (FINAL_RESPONSE_EVENTS.has(this.eventName) || data === '[DONE]') this.terminal = true
    this.eventName = ''
    this.data = []
    this.dataChars = 0
    this.overflow = false
    // Only events that can carry usage or the model are worth a JSON.parse.
    if (!data.includes('"usage"') && !data.includes('"model"')) return
    try {
      this.merge(usageFromPayload(JSON.parse(data)))
    } catch {
      // `[DONE]` or a non-JSON event: nothing to take
    }
  }

  private merge(found: Partial<UsageResult> & { terminal?: boolean }): void {
    if (found.terminal) this.terminal = true
    if (found.usage) this.result.usage = found.usage
    if (found.model) this.result.model = found.model
  }
}
