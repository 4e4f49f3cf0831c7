import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { withRulesTable } from '../../../lambda/src/secrets/rule-table.js'
import { ALL_RULES } from '../../../lambda/src/secrets/rules/index.js'

describe('README rule table', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8')

  it('is what `npm run docs:rules` generates from the rules (run it after changing a rule)', () => {
    expect(withRulesTable(readme)).toBe(readme)
  })

  it('lists every rule id', () => {
    for (const r of ALL_RULES) expect(readme).toContain(`| \`${r.id}\` |`)
  })
})
