import { describe, expect, it } from 'vitest'
import { CLIENT_ID_MAX_CHARS, clientIds, parseTurnMetadata, TURN_METADATA_MAX_BYTES } from '../../lambda/src/core/client-ids.js'

const none = { turn_id: null, window_id: null, request_kind: null }

describe('x-codex-turn-metadata', () => {
  it('gives the turn id, window id and request kind of a flat JSON object', () => {
    expect(parseTurnMetadata(JSON.stringify({ turn_id: 't-1', window_id: 's:0', request_kind: 'subagent_turn', other: { deep: 1 } }))).toEqual({
      turn_id: 't-1',
      window_id: 's:0',
      request_kind: 'subagent_turn',
    })
  })

  it.each([
    ['absent', null],
    ['empty', ''],
    ['not JSON', 'turn=1'],
    ['a JSON array', '["t-1"]'],
    ['a JSON string', '"t-1"'],
    ['JSON null', 'null'],
    ['truncated JSON', '{"turn_id":"t-'],
    ['larger than the limit', JSON.stringify({ turn_id: 't', pad: 'x'.repeat(TURN_METADATA_MAX_BYTES) })],
  ])('gives nulls for %s', (_name, header) => {
    expect(parseTurnMetadata(header)).toEqual(none)
  })

  it.each([
    ['a number', 7],
    ['an object', { id: 't' }],
    ['an empty string', ''],
    ['a value past the length limit', 't'.repeat(CLIENT_ID_MAX_CHARS + 1)],
    ['control characters (log forging)', 't-1\nINFO fake line'],
    ['spaces', 'turn one'],
    ['non-ASCII', 'tür'],
  ])('drops a turn id that is %s', (_name, value) => {
    expect(parseTurnMetadata(JSON.stringify({ turn_id: value })).turn_id).toBeNull()
  })

  it('parses deeply nested JSON within the size limit without failing', () => {
    const deep = `{"turn_id":"t-1","x":${'['.repeat(3000)}${']'.repeat(3000)}}`
    expect(parseTurnMetadata(deep).turn_id).toBe('t-1')
  })
})

describe('clientIds', () => {
  it('takes the kind from x-openai-subagent first, then from the turn metadata', () => {
    const h = new Headers({ 'x-openai-subagent': 'compact', 'x-codex-turn-metadata': '{"request_kind":"subagent_turn"}' })
    expect(clientIds(h).request_kind).toBe('compact')
    expect(clientIds(new Headers({ 'x-codex-turn-metadata': '{"request_kind":"subagent_turn"}' })).request_kind).toBe('subagent_turn')
  })

  it('falls back to x-codex-window-id for the window', () => {
    expect(clientIds(new Headers({ 'x-codex-window-id': 'S1:3' })).window_id).toBe('S1:3')
  })

  it('passes every value through the cleaner (a token pasted into a header never reaches a record)', () => {
    const h = new Headers({ 'session-id': 'S1', 'x-codex-turn-metadata': '{"turn_id":"t-1"}' })
    expect(clientIds(h, (v) => (v === null ? null : '[X]'))).toMatchObject({ session_id: '[X]', turn_id: '[X]', originator: null })
  })
})
