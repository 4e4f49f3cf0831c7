// A minimal JSON reader over the raw request text that reports *where* things are, which
// JSON.parse cannot: the raw span of each top-level member and array element (the unit
// the findings cache is keyed on) and the raw span and path of each string value inside
// a unit (where a redaction marker must go). Values are not materialised; string
// contents are skipped with indexOf, which keeps the pass far cheaper than the rules.

export class JsonShapeError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at ${position}`)
  }
}

/** A cache unit: one element of a top-level array (`input[3]`) or one other top-level member. */
export interface JsonUnit {
  /** The top-level member it belongs to, e.g. `input`. */
  member: string
  /** JSON path of the unit: `input[3]`, `instructions`. */
  path: string
  /** Raw span of the unit's value. */
  start: number
  end: number
}

export interface JsonStringValue {
  /** Raw span of the literal, quotes included. */
  start: number
  end: number
  /** Path relative to the unit: `` (the unit itself), `.content[0].text`. */
  relPath: string
  /** The object key that owns the value, if it is a member value. */
  key: string | undefined
  /** True when the literal contains a backslash escape. */
  escaped: boolean
}

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93
const COLON = 58
const COMMA = 44

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9
}

function skipWhitespace(raw: string, pos: number): number {
  while (pos < raw.length && isWhitespace(raw.charCodeAt(pos))) pos++
  return pos
}

/** Index just past the closing quote of the string literal opening at `start`. */
export function stringLiteralEnd(raw: string, start: number): number {
  let from = start + 1
  for (;;) {
    const quote = raw.indexOf('"', from)
    if (quote === -1) throw new JsonShapeError('unterminated string', start)
    let backslashes = 0
    for (let i = quote - 1; i > start && raw.charCodeAt(i) === BACKSLASH; i--) backslashes++
    if ((backslashes & 1) === 0) return quote + 1
    from = quote + 1
  }
}

function decodeKey(raw: string, start: number, end: number): string {
  const inner = raw.slice(start + 1, end - 1)
  return inner.includes('\\') ? (JSON.parse(raw.slice(start, end)) as string) : inner
}

function scalarEnd(raw: string, pos: number): number {
  const begin = pos
  for (; pos < raw.length; pos++) {
    const c = raw.charCodeAt(pos)
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c)) break
    if (c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET || c === COLON) throw new JsonShapeError('unexpected character', pos)
  }
  if (pos === begin) throw new JsonShapeError('value expected', pos)
  return pos
}

/** Index just past the value starting at `pos` (no whitespace before it). */
export function valueEnd(raw: string, pos: number): number {
  const c = raw.charCodeAt(pos)
  if (c === QUOTE) return stringLiteralEnd(raw, pos)
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) return scalarEnd(raw, pos)
  let depth = 0
  for (let i = pos; i < raw.length; ) {
    const d = raw.charCodeAt(i)
    if (d === QUOTE) {
      i = stringLiteralEnd(raw, i)
      continue
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      depth--
      if (depth === 0) return i + 1
    }
    i++
  }
  throw new JsonShapeError('unterminated container', pos)
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** `parent.key`, or `parent["odd key"]`; a top-level member (`parent` empty) has no dot. */
export function memberPath(parent: string, key: string, topLevel = false): string {
  if (IDENTIFIER.test(key)) return topLevel ? key : `${parent}.${key}`
  return `${parent}[${JSON.stringify(key)}]`
}

/**
 * Splits a JSON object body into cache units. Throws JsonShapeError when the text is not
 * a JSON object (the caller then scans it as plain text).
 */
export function splitUnits(raw: string): JsonUnit[] {
  const units: JsonUnit[] = []
  let pos = skipWhitespace(raw, 0)
  if (raw.charCodeAt(pos) !== OPEN_BRACE) throw new JsonShapeError('object expected', pos)
  pos = skipWhitespace(raw, pos + 1)
  if (raw.charCodeAt(pos) === CLOSE_BRACE) pos++
  else {
    for (;;) {
      const { name: member, valueStart } = readMemberName(raw, pos)
      pos = valueStart
      const path = memberPath('', member, true)
      if (raw.charCodeAt(pos) === OPEN_BRACKET) {
        pos = skipWhitespace(raw, pos + 1)
        if (raw.charCodeAt(pos) === CLOSE_BRACKET) pos++
        else {
          for (let index = 0; ; index++) {
            const end = valueEnd(raw, pos)
            units.push({ member, path: `${path}[${index}]`, start: pos, end })
            pos = skipWhitespace(raw, end)
            const c = raw.charCodeAt(pos)
            pos = skipWhitespace(raw, pos + 1)
            if (c === CLOSE_BRACKET) break
            if (c !== COMMA) throw new JsonShapeError('comma or ] expected', pos)
          }
        }
      } else {
        const end = valueEnd(raw, pos)
        units.push({ member, path, start: pos, end })
        pos = end
      }
      pos = skipWhitespace(raw, pos)
      const c = raw.charCodeAt(pos)
      pos = skipWhitespace(raw, pos + 1)
      if (c === CLOSE_BRACE) break
      if (c !== COMMA) throw new JsonShapeError('comma or } expected', pos)
    }
  }
  if (skipWhitespace(raw, pos) !== raw.length) throw new JsonShapeError('trailing text', pos)
  return units
}

/** Calls `visit` for every string value (not member names) inside the unit, in order. */
export function forEachStringValue(raw: string, unit: JsonUnit, visit: (value: JsonStringValue) => void): void {
  // Position of the next backslash at or after the current string; moving forward only,
  // so finding escapes costs one pass over the unit in total.
  let nextBackslash = -1
  const hasBackslash = (start: number, end: number): boolean => {
    if (nextBackslash < start) {
      nextBackslash = raw.indexOf('\\', start)
      if (nextBackslash === -1 || nextBackslash >= unit.end) nextBackslash = unit.end
    }
    return nextBackslash < end
  }

  const walk = (pos: number, relPath: string, key: string | undefined): number => {
    const c = raw.charCodeAt(pos)
    if (c === QUOTE) {
      const end = stringLiteralEnd(raw, pos)
      visit({ start: pos, end, relPath, key, escaped: hasBackslash(pos + 1, end - 1) })
      return end
    }
    if (c === OPEN_BRACE) {
      let i = skipWhitespace(raw, pos + 1)
      if (raw.charCodeAt(i) === CLOSE_BRACE) return i + 1
      for (;;) {
        const { name, valueStart } = readMemberName(raw, i)
        i = valueStart
        i = skipWhitespace(raw, walk(i, memberPath(relPath, name), name))
        const d = raw.charCodeAt(i)
        if (d === CLOSE_BRACE) return i + 1
        if (d !== COMMA) throw new JsonShapeError('comma or } expected', i)
        i = skipWhitespace(raw, i + 1)
      }
    }
    if (c === OPEN_BRACKET) {
      let i = skipWhitespace(raw, pos + 1)
      if (raw.charCodeAt(i) === CLOSE_BRACKET) return i + 1
      for (let index = 0; ; index++) {
        i = skipWhitespace(raw, walk(i, `${relPath}[${index}]`, undefined))
        const d = raw.charCodeAt(i)
        if (d === CLOSE_BRACKET) return i + 1
        if (d !== COMMA) throw new JsonShapeError('comma or ] expected', i)
        i = skipWhitespace(raw, i + 1)
      }
    }
    return scalarEnd(raw, pos)
  }
  walk(unit.start, '', undefined)
}

/** `function_call_output` for an item object with `"type":"function_call_output"`; the role when there is no type. */
export function unitKind(raw: string, unit: JsonUnit): string | undefined {
  if (raw.charCodeAt(unit.start) !== OPEN_BRACE) return undefined
  let type: string | undefined
  let role: string | undefined
  let i = skipWhitespace(raw, unit.start + 1)
  while (i < unit.end && raw.charCodeAt(i) === QUOTE) {
    const keyEnd = stringLiteralEnd(raw, i)
    const name = decodeKey(raw, i, keyEnd)
    i = skipWhitespace(raw, skipWhitespace(raw, keyEnd) + 1)
    const end = valueEnd(raw, i)
    if ((name === 'type' || name === 'role') && raw.charCodeAt(i) === QUOTE) {
      const value = decodeKey(raw, i, end)
      if (name === 'type') type = value
      else role = value
    }
    i = skipWhitespace(raw, skipWhitespace(raw, end) + 1)
  }
  return type ?? role
}

/** `"name" :` at `pos` (after whitespace): the decoded name and where its value starts. */
function readMemberName(raw: string, pos: number): { name: string; valueStart: number } {
  if (raw.charCodeAt(pos) !== QUOTE) throw new JsonShapeError('member name expected', pos)
  const keyEnd = stringLiteralEnd(raw, pos)
  const name = decodeKey(raw, pos, keyEnd)
  const colon = skipWhitespace(raw, keyEnd)
  if (raw.charCodeAt(colon) !== COLON) throw new JsonShapeError('colon expected', colon)
  return { name, valueStart: skipWhitespace(raw, colon + 1) }
}
