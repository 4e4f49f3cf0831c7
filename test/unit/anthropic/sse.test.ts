// The SSE decoder under the Claude translator: line ends, splits at every byte, comments,
// huge and oversized events (lambda/src/providers/anthropic/sse.ts).
import { describe, expect, it } from 'vitest'
import { MAX_SSE_EVENT_CHARS, SseDecoder } from '../../../lambda/src/providers/anthropic/sse.js'

const enc = new TextEncoder()
function decode(text: string, chunk = text.length): { event: string; data: string }[] {
  const d = new SseDecoder()
  const bytes = enc.encode(text)
  const out = []
  for (let i = 0; i < bytes.length; i += chunk) out.push(...d.push(bytes.slice(i, i + chunk)))
  out.push(...d.end())
  return out
}

describe('SseDecoder', () => {
  const text = 'event: a\ndata: {"x":"é🧠"}\n\n: comment\n\nevent: b\ndata: 1\ndata: 2\n\n'
  const expected = [{ event: 'a', data: '{"x":"é🧠"}' }, { event: 'b', data: '1\n2' }]

  it.each([1, 2, 3, 5, 7, 64])('decodes the same events whatever the chunk size (%i bytes)', (chunk) => {
    expect(decode(text, chunk)).toEqual(expected)
  })

  it.each([
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('accepts %s line ends, also split between chunks', (_label, eol) => {
    const t = text.replace(/\n/g, eol)
    for (const chunk of [1, 2, 3, t.length]) expect(decode(t, chunk)).toEqual(expected)
  })

  it('treats an empty chunk between a CR and its LF as nothing', () => {
    const d = new SseDecoder()
    const out = [...d.push(enc.encode('data: 1\r')), ...d.push(new Uint8Array(0)), ...d.push(enc.encode('\n\r\n'))]
    expect(out).toEqual([{ event: 'message', data: '1' }])
  })

  it('reads fields without a space or value, and ignores unknown fields', () => {
    expect(decode('event:x\ndata\nid: 7\nretry: 10\n\n')).toEqual([{ event: 'x', data: '' }])
  })

  it('drops a last event that never got its blank line (the stream was cut)', () => {
    expect(decode('data: complete\n\ndata: cut')).toEqual([{ event: 'message', data: 'complete' }])
  })

  it('decodes a 4 MiB event sent in 1,400-byte chunks', () => {
    const big = 'y'.repeat(4 * 1024 * 1024)
    expect(decode(`data: ${big}\n\n`, 1_400)).toEqual([{ event: 'message', data: big }])
  })

  it('refuses an event larger than its limit instead of holding it', () => {
    const d = new SseDecoder()
    const piece = enc.encode(`data: ${'z'.repeat(1024 * 1024)}\n`)
    expect(() => {
      for (let i = 0; i <= MAX_SSE_EVENT_CHARS / (1024 * 1024) + 1; i++) d.push(piece)
    }).toThrow(/SSE event larger than/)
  })

  it('refuses a line longer than its limit', () => {
    const d = new SseDecoder()
    const piece = enc.encode('w'.repeat(1024 * 1024))
    expect(() => {
      for (let i = 0; i <= MAX_SSE_EVENT_CHARS / (1024 * 1024) + 1; i++) d.push(piece)
    }).toThrow(/SSE line longer than/)
  })
})
