// The esbuild patch that lets dynalite be bundled (ops-cli/dynalite-plugin.ts).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { withExtensions } from '../../ops-cli/dynalite-plugin.js'

describe('withExtensions', () => {
  it('names the .js extension in both computed requires of the installed dynalite', () => {
    const source = readFileSync(createRequire(import.meta.url).resolve('dynalite'), 'utf8')
    const patched = withExtensions(source)
    expect(patched).toContain("require('./actions/' + action + '.js')")
    expect(patched).toContain("require('./validations/' + action + '.js')")
    expect(patched.length).toBe(source.length + 2 * " + '.js'".length)
  })

  it('fails the build when dynalite no longer has that layout, instead of bundling a broken store', () => {
    expect(() => withExtensions("actions[a] = require('./ops/' + a)")).toThrow(/dynalite layout changed/)
  })
})
