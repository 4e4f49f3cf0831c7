// A small incremental Server-Sent Events decoder (WHATWG HTML, "event stream
// interpretation"): lines end in LF, CR or CRLF; `data:` lines join with LF; a blank line
// dispatches; `:` lines are comments. Only `event` and `data` are kept.

export interface SseEvent {
  event: string
  data: string
}

/** Data of one event larger than this is an error, not a memory bomb. */
export const MAX_SSE_EVENT_CHARS = 64 * 1024 * 1024

export class SseDecoder {
  private readonly decoder = new TextDecoder()
  /** Pieces of the line not yet ended (kept as parts: re-joining per chunk would be quadratic). */
  private partial: string[] = []
  private partialChars = 0
  private event = ''
  private data: string[] = []
  private dataChars = 0
  private pendingCR = false

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.take(this.decoder.decode(chunk, { stream: true }))
  }

  /** End of stream: a last event without its blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    const out = this.take(this.decoder.decode())
    this.partial = []
    this.partialChars = 0
    return out
  }

  private take(text: string): SseEvent[] {
    const out: SseEvent[] = []
    if (text.length === 0) return out
    let start = 0
    // A CR ended the previous chunk: an LF opening this one belongs to it.
    if (this.pendingCR && text.charCodeAt(0) === 10) start = 1
    this.pendingCR = false
    // Only the new text is scanned for line ends.
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      let line = text.slice(start, i)
      if (this.partial.length > 0) {
        this.partial.push(line)
        line = this.partial.join('')
        this.partial = []
        this.partialChars = 0
      }
      this.line(line, out)
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++
        } else this.pendingCR = true
      }
      start = i + 1
    }
    if (start < text.length) {
      this.partial.push(text.slice(start))
      this.partialChars += text.length - start
      if (this.partialChars > MAX_SSE_EVENT_CHARS) throw new Error(`SSE line longer than ${MAX_SSE_EVENT_CHARS} characters`)
    }
    return out
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0 || this.event !== '') out.push({ event: this.event || 'message', data: this.data.join('\n') })
      this.event = ''
      this.data = []
      this.dataChars = 0
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' comment
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') {
      this.dataChars += value.length
      if (this.dataChars > MAX_SSE_EVENT_CHARS) throw new Error(`SSE event larger than ${MAX_SSE_EVENT_CHARS} characters`)
      this.data.push(value)
    }
  }
}

export function sseFrame(type: string, payload: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`
}
