// The stored response of a scanned request (Exchange.recordBodies): when redaction left
// the record's text as decoded, the bytes as received are stored without encoding the
// text back and comparing (a 10 MiB answer cost two more copies of itself there). The
// result must be the one the full comparison gives, for every kind of bytes.
import { describe, expect, it } from 'vitest'
import { decodesLosslessly, Exchange } from '../../lambda/src/core/exchange.js'
import { textUpTo } from '../../lambda/src/core/bytes.js'

const CAP = 1024 * 1024

function exchangeWith(response: Uint8Array, bytesSeen = response.byteLength): Exchange {
  const ex = new Exchange('req_1', Date.now(), 0, 'POST', '/v1/responses', new Headers(), 'test')
  ex.responseBody = response
  ex.responseBodyBytes = bytesSeen
  return ex
}

const enc = (s: string) => new TextEncoder().encode(s)
const CASES: [string, Uint8Array][] = [
  ['ASCII SSE', enc('event: response.created\ndata: {"type":"response.created"}\n\n')],
  ['multi-byte UTF-8', enc('data: {"delta":"héllo — 日本語 🎉"}\n\n')],
  ['invalid UTF-8', Uint8Array.from([0x64, 0x61, 0xff, 0xfe, 0x0a])],
  ['a leading BOM (the decoder drops it)', Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])],
  ['cut in the middle of a character (the body cap)', enc('data: 日本').subarray(0, 8)],
  ['a lone surrogate encoded (CESU)', Uint8Array.from([0xed, 0xa0, 0x80])],
  ['NUL bytes', Uint8Array.from([0, 0, 0x61])],
]

describe('recordBodies for a scanned response', () => {
  for (const [name, bytes] of CASES) {
    it(`stores the same body with or without the unchanged shortcut: ${name}`, () => {
      const text = textUpTo(bytes, CAP).text
      const full = exchangeWith(bytes).recordBodies({ text }, CAP)
      const fast = exchangeWith(bytes).recordBodies({ text, unchanged: true }, CAP)
      expect(fast).toEqual(full)
    })
  }

  it('stores the bytes as received, not a copy, when the text is unchanged', () => {
    const bytes = enc('data: {"delta":"ok"}\n\n'.repeat(1000))
    const ex = exchangeWith(bytes)
    const out = ex.recordBodies({ text: textUpTo(bytes, CAP).text, unchanged: true }, CAP)
    expect(out.response).toEqual({ stored: bytes, redacted: false, truncated: false })
    expect(out.response!.stored).toBe(bytes)
  })

  it('stores the redacted text with the original when redaction changed it', () => {
    const bytes = enc('data: {"echo":"sk-secret"}\n\n')
    const out = exchangeWith(bytes).recordBodies({ text: 'data: {"echo":"[REDACTED:x]"}\n\n', unchanged: false }, CAP)
    expect(out.response).toEqual({ stored: enc('data: {"echo":"[REDACTED:x]"}\n\n'), original: bytes, redacted: true, truncated: false })
  })

  it('marks a body cut at the cap as truncated either way', () => {
    const bytes = enc('x'.repeat(100))
    const out = exchangeWith(bytes, 500).recordBodies({ text: 'x'.repeat(100), unchanged: true }, CAP)
    expect(out.response).toMatchObject({ redacted: false, truncated: true })
  })

  it('does not store a response whose scan did not finish', () => {
    expect(exchangeWith(enc('data: x\n\n')).recordBodies({ text: null, unchanged: false }, CAP).response).toBeUndefined()
  })
})

describe('decodesLosslessly', () => {
  it('is true exactly when decoding and encoding back gives the same bytes', () => {
    for (const [, bytes] of CASES) {
      const back = new TextEncoder().encode(new TextDecoder().decode(bytes))
      expect(decodesLosslessly(bytes)).toBe(Buffer.from(back).equals(Buffer.from(bytes)))
    }
  })
})
