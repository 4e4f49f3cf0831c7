import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { apply, diff } from '../../../lambda/src/bodies/delta.js'
import { blockRefs, join, segment } from '../../../lambda/src/bodies/segments.js'

const enc = (s: string) => new TextEncoder().encode(s)
const roundTrip = (body: Uint8Array, min = 16) => {
  const { skeleton, blocks } = segment(body, min)
  return { skeleton, blocks, rebuilt: join(skeleton, (h) => blocks.get(h)) }
}

describe('segment and join', () => {
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array()],
    ['JSON with large strings', enc(`{"a":"${'x'.repeat(100)}","b":[1,2,"${'y'.repeat(50)}"],"c":"short"}`)],
    ['escaped quotes and backslashes inside a string', enc(`{"a":"${'\\"q\\\\'.repeat(30)}"}`)],
    ['an unterminated string', enc(`{"a":"${'z'.repeat(200)}`)],
    ['a quote pair across a newline (not a string)', enc(`data: "abc\n${'w'.repeat(100)}"\n`)],
    ['SSE text', enc(`event: x\ndata: {"delta":"${'d'.repeat(60)}"}\n\n`)],
    ['invalid UTF-8', Uint8Array.from([0x22, ...Array(40).fill(0xff), 0x22, 0xc3])],
    ['a body holding a NUL byte', Uint8Array.from([0x22, 0x00, ...Array(40).fill(0x41), 0x22])],
    ['random binary', randomBytes(5000)],
    ['text that looks like a block reference', enc(`"${'\\u0000'.repeat(20)}"`)],
  ]
  it.each(cases)('rebuilds %s byte-exact', (_name, body) => {
    expect(Buffer.from(roundTrip(body).rebuilt).equals(Buffer.from(body))).toBe(true)
  })

  it('moves each large string into one block and keeps small ones in the skeleton', () => {
    const big = `"${'x'.repeat(100)}"`
    const { skeleton, blocks } = roundTrip(enc(`{"a":${big},"b":${big},"c":"small"}`))
    expect(blocks.size).toBe(1)
    expect(blockRefs(skeleton)).toHaveLength(2)
    expect(new TextDecoder().decode(skeleton)).toContain('"c":"small"')
  })

  it('finds the same blocks in re-serialised JSON (key order, added nulls)', () => {
    const s = 'e'.repeat(300)
    const a = segment(enc(JSON.stringify({ type: 'reasoning', id: 'rs_1', encrypted_content: s })), 64)
    const b = segment(enc(JSON.stringify({ id: 'rs_1', content: null, encrypted_content: s, type: 'reasoning' })), 64)
    expect([...b.blocks.keys()]).toEqual([...a.blocks.keys()])
  })

  it('stores a body that holds a NUL byte as one block', () => {
    const body = Uint8Array.from([1, 0, 2, 3])
    const { skeleton, blocks } = segment(body)
    expect(blocks.size).toBe(1)
    expect(blockRefs(skeleton)).toHaveLength(1)
  })

  it('refuses a skeleton whose block is missing or whose reference is cut', () => {
    const { skeleton } = segment(enc(`"${'x'.repeat(100)}"`), 16)
    expect(() => join(skeleton, () => undefined)).toThrow(/missing block/)
    expect(() => join(skeleton.subarray(0, 10), () => new Uint8Array())).toThrow(/cut block reference/)
  })

  it('stays linear on escaped quotes that never close (`"\\"\\"…`, 4 MB)', () => {
    const body = enc(`"${'\\"'.repeat(2 * 1024 * 1024)}`)
    const { skeleton, blocks } = segment(body, 512)
    expect(blocks.size).toBe(0)
    expect(skeleton.byteLength).toBe(body.byteLength)
  })

  it('handles a 20 MB body of quotes without blowing up (linear scan)', () => {
    const body = new Uint8Array(20 * 1024 * 1024).fill(0x22)
    const { skeleton, blocks } = segment(body, 512)
    expect(blocks.size).toBe(0)
    expect(skeleton.byteLength).toBe(body.byteLength)
  })
})

describe('segment: the indexOf scanner finds what a byte-by-byte scan finds', () => {
  // The scanner as it was written first (one JS step per byte): the reference the native
  // indexOf cursors must agree with, boundary by boundary.
  function referenceSegment(body: Uint8Array, minBlock: number): [number, number][] {
    const found: [number, number][] = []
    let i = 0
    while (i < body.byteLength) {
      const open = body.indexOf(0x22, i)
      if (open < 0) break
      let close = -1
      let j = open + 1
      for (; j < body.byteLength; j++) {
        if (body[j] === 0x22) {
          close = j
          break
        }
        if (body[j] === 0x5c) j++
        else if (body[j] === 0x0a) {
          close = -j - 2
          break
        }
      }
      if (close === -1) break
      if (close < -1) {
        i = -close - 2 + 1
        continue
      }
      if (close + 1 - open >= minBlock) found.push([open, close + 1])
      i = close + 1
    }
    return found
  }

  it('on 3000 random bodies of quotes, backslashes, newlines and letters', () => {
    const alphabet = [0x22, 0x5c, 0x0a, 0x61, 0x61, 0x61]
    for (let round = 0; round < 3000; round++) {
      const length = 1 + Math.floor(Math.random() * 200)
      const body = Uint8Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]!)
      const min = 2 + Math.floor(Math.random() * 12)
      const expected = referenceSegment(body, min)
      const { skeleton, blocks } = segment(body, min)
      // Same literals moved out, in the same order, and the body rebuilt byte-exact.
      const refs = blockRefs(skeleton)
      expect(refs.map((h) => Buffer.from(blocks.get(h)!).toString('latin1'))).toEqual(expected.map(([a, b]) => Buffer.from(body.subarray(a, b)).toString('latin1')))
      expect(Buffer.from(join(skeleton, (h) => blocks.get(h))).equals(Buffer.from(body))).toBe(true)
    }
  })

  it('stays linear on many short literals with no newline and no backslash (4 MB)', () => {
    // A cursor that searched afresh for each literal would scan to the end every time.
    const body = enc('"a",'.repeat(1024 * 1024))
    const { skeleton, blocks } = segment(body, 512)
    expect(blocks.size).toBe(0)
    expect(skeleton.byteLength).toBe(body.byteLength)
  })

  it('stays linear on many large literals separated by far-apart backslashes (8 MB)', () => {
    const literal = `"${'b'.repeat(600)}"`
    const body = enc(`${literal},`.repeat(13_000) + '\\')
    const { blocks, skeleton } = segment(body, 512)
    expect(blocks.size).toBe(1)
    expect(blockRefs(skeleton)).toHaveLength(13_000)
  })
})

describe('delta', () => {
  const text = (ops: ReturnType<typeof diff>) => ops.filter((o) => typeof o === 'string').join('')
  it('copies what the base has and inserts only what is new, wherever it is', () => {
    const tools = 'T'.repeat(200)
    const base = enc(`{"input":[${'i'.repeat(300)}],"tools":"${tools}","meta":{"turn":"1"}}`)
    const next = enc(`{"input":[${'i'.repeat(300)},NEW],"tools":"${tools}","meta":{"turn":"2"}}`)
    const ops = diff(base, next)
    // The inserts: the new item, and the changed turn with the few bytes after it (shorter than a match).
    expect(text(ops)).toBe(',NEW2"}}')
    expect(Buffer.from(apply(base, ops)).equals(Buffer.from(next))).toBe(true)
  })

  it('never cuts a UTF-8 character', () => {
    const base = enc(`${'é'.repeat(40)}a${'è'.repeat(40)}`)
    const next = enc(`${'é'.repeat(40)}b${'è'.repeat(40)}`)
    const ops = diff(base, next)
    for (const op of ops) if (typeof op === 'object' && !Array.isArray(op)) throw new Error('base64 insert in a text delta')
    expect(Buffer.from(apply(base, ops)).equals(Buffer.from(next))).toBe(true)
  })

  it.each([
    ['identical', 'abc'.repeat(50), 'abc'.repeat(50)],
    ['shorter', 'abcdefgh'.repeat(20), 'abcdefgh'.repeat(5)],
    ['no overlap', 'a'.repeat(100), 'b'.repeat(100)],
    ['repeats at the seam', 'a'.repeat(100), 'a'.repeat(300)],
    ['empty base', '', 'xyz'],
    ['empty next', 'xyz'.repeat(30), ''],
    ['moved blocks', `${'A'.repeat(64)}${'B'.repeat(64)}`, `${'B'.repeat(64)}${'A'.repeat(64)}`],
  ])('round-trips %s', (_n, a, b) => {
    expect(new TextDecoder().decode(apply(enc(a), diff(enc(a), enc(b))))).toBe(b)
  })

  it('round-trips random bytes against a mutated copy', () => {
    const base = randomBytes(20_000)
    const next = Buffer.concat([base.subarray(0, 7000), randomBytes(333), base.subarray(9000), randomBytes(10)])
    expect(Buffer.from(apply(base, diff(base, next))).equals(next)).toBe(true)
  })

  it('stays linear on a long run of one byte (1 MB)', () => {
    const base = new Uint8Array(1024 * 1024).fill(0x61)
    const next = new Uint8Array(1024 * 1024 + 5).fill(0x61)
    expect(Buffer.from(apply(base, diff(base, next))).equals(Buffer.from(next))).toBe(true)
  })

  it.each([
    ['a copy past the end', [[2, 5]]],
    ['a negative offset', [[-1, 1]]],
    ['a fractional length', [[0, 1.5]]],
    ['an unknown op', [42]],
    ['not a list', { ops: 1 }],
  ])('rejects %s', (_n, ops) => {
    expect(() => apply(enc('abc'), ops)).toThrow(/damaged delta/)
  })
})
