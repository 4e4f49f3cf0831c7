import { describe, expect, it } from 'vitest'
import { loadPriceOverrides, PriceOverridesError } from '../../../lambda/src/pricing/overrides.js'

const price = { input_per_mtok: 1, cached_input_per_mtok: 0.1, output_per_mtok: 8 }
const file = (doc: unknown): string => JSON.stringify(doc)

/** The error thrown for `text`, so a test can assert on its message. */
function errorOf(text: string): PriceOverridesError {
  try {
    loadPriceOverrides(text)
  } catch (e) {
    if (e instanceof PriceOverridesError) return e
    throw e
  }
  throw new Error('expected loadPriceOverrides to throw')
}

describe('loadPriceOverrides', () => {
  it('accepts a valid file with comments and orders exact ids before globs', () => {
    const o = loadPriceOverrides(file({ comment: 'contract 42', models: { 'gpt-5*': price, 'gpt-5': { ...price, comment: 'x' } } }))
    expect(o.rules.map((r) => r.pattern)).toEqual(['gpt-5', 'gpt-5*'])
  })

  it('accepts an empty models object', () => {
    expect(loadPriceOverrides(file({ models: {} })).rules).toEqual([])
  })

  it('matches globs case-insensitively and against the whole id', () => {
    const [rule] = loadPriceOverrides(file({ models: { 'GPT-5?': price } })).rules
    expect([rule?.regex.test('gpt-5x'), rule?.regex.test('gpt-5'), rule?.regex.test('xgpt-5x')]).toEqual([true, false, false])
  })

  it('treats a dot in a glob literally', () => {
    const [rule] = loadPriceOverrides(file({ models: { 'gpt-5.1*': price } })).rules
    expect([rule?.regex.test('gpt-5.1-codex'), rule?.regex.test('gpt-501')]).toEqual([true, false])
  })

  it('rejects text that is not JSON with a clear error', () => {
    expect(errorOf('{ models: }').message).toMatch(/^invalid price overrides: 1 problem:\n {2}- not valid JSON: /)
  })

  it('rejects a file without models', () => {
    expect(errorOf(file({})).issues).toEqual(['models: required, an object mapping model ids or globs to prices'])
  })

  it('rejects an unknown top-level key, naming the allowed ones', () => {
    expect(errorOf(file({ models: {}, model: {} })).issues).toEqual([
      'top level: unknown key "model" (allowed: models, comment)',
    ])
  })

  it('rejects a price given as a string, naming the model and field', () => {
    expect(errorOf(file({ models: { 'gpt-5*': { ...price, input_per_mtok: '1.0' } } })).issues).toEqual([
      'models["gpt-5*"].input_per_mtok: expected a number >= 0 (USD per million tokens), got string "1.0"',
    ])
  })

  it('rejects a negative price', () => {
    expect(errorOf(file({ models: { 'gpt-5': { ...price, output_per_mtok: -8 } } })).issues).toEqual([
      'models["gpt-5"].output_per_mtok: expected a number >= 0 (USD per million tokens), got -8',
    ])
  })

  it('rejects a missing cached-input price instead of guessing one', () => {
    const { cached_input_per_mtok: _omit, ...noCached } = price
    expect(errorOf(file({ models: { 'gpt-5': noCached } })).issues).toEqual([
      'models["gpt-5"].cached_input_per_mtok: required, USD per million tokens',
    ])
  })

  it('rejects a misspelt price key', () => {
    expect(errorOf(file({ models: { 'gpt-5': { ...price, output_per_mtoks: 8 } } })).issues).toEqual([
      'models["gpt-5"]: unknown key "output_per_mtoks" (allowed: input_per_mtok, cached_input_per_mtok, output_per_mtok, cache_write_per_mtok, comment)',
    ])
  })

  it('rejects a cached-input price above the input price', () => {
    expect(errorOf(file({ models: { 'gpt-5': { ...price, cached_input_per_mtok: 2 } } })).issues).toEqual([
      'models["gpt-5"]: cached_input_per_mtok (2) is greater than input_per_mtok (1); cached input is never dearer than input',
    ])
  })

  it('rejects regex syntax in a model glob', () => {
    expect(errorOf(file({ models: { '^gpt-5.*$': price } })).issues[0]).toMatch(/^models\["\^gpt-5\.\*\$"\]: invalid character/)
  })

  it('rejects two patterns that differ only in case', () => {
    expect(errorOf(file({ models: { 'gpt-5*': price, 'GPT-5*': price } })).issues).toEqual([
      'models["GPT-5*"]: same pattern as "gpt-5*" (matching is case-insensitive)',
    ])
  })

  it('reports every problem of the file at once', () => {
    const e = errorOf(file({ models: { a: { ...price, input_per_mtok: null }, b: 3 } }))
    expect(e.message).toBe(
      'invalid price overrides: 2 problems:\n' +
        '  - models["a"].input_per_mtok: expected a number >= 0 (USD per million tokens), got null\n' +
        '  - models["b"]: expected an object with input_per_mtok, cached_input_per_mtok, output_per_mtok, got number',
    )
  })
})
