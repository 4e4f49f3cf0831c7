// The commands' tables (ops-cli/src/lib/table.ts): @oclif/table's layout without ink.
import { describe, expect, it } from 'vitest'
import { capitalCase, renderTable } from '../../ops-cli/src/lib/table.js'

const tokens = [
  { token_id: 'tok_1', user: 'alice', note: 'laptop' },
  { token_id: 'tok_22', user: 'bob', note: null },
]

describe('renderTable', () => {
  it('draws the header and a rule between rows, as @oclif/table did', () => {
    expect(renderTable({ data: tokens, columns: ['token_id', 'user', 'note'], headerOptions: { formatter: 'capitalCase' }, maxWidth: 0 })).toBe(
      [
        '┌──────────┬───────┬────────┐',
        '│ Token Id │ User  │ Note   │',
        '├──────────┼───────┼────────┤',
        '│ tok_1    │ alice │ laptop │',
        '├──────────┼───────┼────────┤',
        '│ tok_22   │ bob   │        │',
        '└──────────┴───────┴────────┘',
        '',
        '',
      ].join('\n'),
    )
  })

  it('puts the title above; vertical-with-outline has no rules between rows; a named column keeps its name', () => {
    const text = renderTable({
      title: 'Checks',
      data: [{ ok: '✓', check: 'a' }, { ok: '✗', check: 'b' }],
      columns: [{ key: 'ok', name: '' }, 'check'],
      headerOptions: { formatter: 'capitalCase' },
      borderStyle: 'vertical-with-outline',
      maxWidth: 0,
    })
    expect(text.split('\n')).toEqual(['Checks', '┌───┬───────┐', '│   │ Check │', '├───┼───────┤', '│ ✓ │ a     │', '│ ✗ │ b     │', '└───┴───────┘', '', ''])
  })

  it('fits a narrow terminal: truncates with … by default, wraps on request', () => {
    const data = [{ id: 'x', note: 'one two three four five six' }]
    const cut = renderTable({ data, columns: ['id', 'note'], maxWidth: 20 }).split('\n')
    expect(cut.every((l) => [...l].length <= 20)).toBe(true)
    expect(cut[3]).toBe('│ x  │ one two th… │')
    const wrapped = renderTable({ data, columns: ['id', 'note'], overflow: 'wrap', maxWidth: 20 }).split('\n')
    expect(wrapped.slice(3, 6)).toEqual(['│ x  │ one two     │', '│    │ three four  │', '│    │ five six    │'])
  })

  it('breaks a word longer than its column and keeps every line inside the width', () => {
    const text = renderTable({ data: [{ k: 'a'.repeat(40) }], columns: ['k'], overflow: 'wrap', maxWidth: 15 })
    const lines = text.split('\n').filter(Boolean)
    expect(lines.every((l) => [...l].length <= 15)).toBe(true)
    expect(lines.join('').replace(/[^a]/g, '')).toBe('a'.repeat(40))
  })

  it('renders numbers, objects and line breaks in a cell on one line; an empty table still has its header', () => {
    const text = renderTable({ data: [{ n: 3, o: { a: 1 }, s: 'two\nlines' }], columns: ['n', 'o', 's'], maxWidth: 0 })
    expect(text).toContain('│ 3 │ {"a":1} │ two lines │')
    expect(renderTable({ data: [] as { a: string }[], columns: ['a'], maxWidth: 0 })).toBe('┌───┐\n│ a │\n├───┤\n└───┘\n\n')
  })
})

describe('capitalCase', () => {
  it.each([
    ['token_id', 'Token Id'],
    ['last_seen', 'Last Seen'],
    ['requestId', 'Request Id'],
    ['p99', 'P99'],
    ['', ''],
  ])('%s → %s', (key, name) => expect(capitalCase(key)).toBe(name))
})
