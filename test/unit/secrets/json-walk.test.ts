import { describe, expect, it } from 'vitest'
import { decodeStringLiteral, rawIndicesOfDecodedOffsets } from '../../../lambda/src/secrets/json-string.js'
import { JsonShapeError, forEachStringValue, splitUnits, stringLiteralEnd, unitKind } from '../../../lambda/src/secrets/json-walk.js'

const strings = (raw: string) => {
  const out: { path: string; value: string; key: string | undefined }[] = []
  for (const unit of splitUnits(raw)) {
    forEachStringValue(raw, unit, (v) => out.push({ path: unit.path + v.relPath, key: v.key, value: decodeStringLiteral(raw, v.start, v.end, v.escaped) }))
  }
  return out
}

describe('raw JSON walker', () => {
  it('splits top-level arrays into one unit per element and other members into one unit each', () => {
    const raw = ' { "model" : "m", "input" : [ {"a":1} , "x" ], "tools":[], "n": -1.5e3 } '
    expect(splitUnits(raw).map((u) => [u.path, raw.slice(u.start, u.end)])).toEqual([
      ['model', '"m"'],
      ['input[0]', '{"a":1}'],
      ['input[1]', '"x"'],
      ['n', '-1.5e3'],
    ])
  })

  it('finds the end of strings that contain escaped quotes and trailing backslashes', () => {
    const raw = String.raw`"a\"b\\" , "next"`
    expect(stringLiteralEnd(raw, 0)).toBe(String.raw`"a\"b\\"`.length)
  })

  it('visits string values with their paths and owning keys, not member names', () => {
    const raw = '{"input":[{"type":"message","content":[{"text":"hi\\n"}],"odd key":"v"}]}'
    expect(strings(raw)).toEqual([
      { path: 'input[0].type', key: 'type', value: 'message' },
      { path: 'input[0].content[0].text', key: 'text', value: 'hi\n' },
      { path: 'input[0]["odd key"]', key: 'odd key', value: 'v' },
    ])
  })

  it('names a unit by its type, or by its role when it has none', () => {
    const raw = '{"input":[{"id":"x","type":"function_call_output"},{"role":"user","content":"hi"},"plain"]}'
    const [a, b, c] = splitUnits(raw)
    expect([unitKind(raw, a!), unitKind(raw, b!), unitKind(raw, c!)]).toEqual(['function_call_output', 'user', undefined])
  })

  it.each([['[1,2]'], ['{"a":1'], ['{"a" 1}'], ['{"a":1} x'], ['{"a":"unterminated}']])('rejects %s as not a JSON object', (raw) => {
    expect(() => splitUnits(raw)).toThrow(JsonShapeError)
  })
})

describe('decoded-to-raw offsets', () => {
  it('maps offsets across \\u, \\n and literal non-ASCII characters', () => {
    const raw = String.raw`"aé\u0041\nB"`
    const decoded = decodeStringLiteral(raw, 0, raw.length, true)
    expect(decoded).toBe('aéA\nB')
    expect(rawIndicesOfDecodedOffsets(raw, 0, [0, 1, 2, 3, 4, 5])).toEqual([1, 2, 3, 9, 11, 12])
  })

  it('maps each half of an escaped surrogate pair to its own escape', () => {
    const raw = String.raw`"\ud83d\ude00x"`
    expect(rawIndicesOfDecodedOffsets(raw, 0, [1, 2, 3])).toEqual([7, 13, 14])
  })
})
