// Model ids and globs, as used by allow-lists (`--models "gpt-5*,o4-mini"`) and by the
// negotiated-price override file: `*` matches any run of characters, `?` one character,
// case-insensitive, the whole id.

// Characters seen in OpenAI model ids (incl. fine-tune ids `ft:gpt-4o-…:org::id`) plus glob
// wildcards. Anything else (spaces, regex syntax like `^ $ [ ] ( ) |`) is a mistake.
export const MODEL_PATTERN_CHARS = /^[A-Za-z0-9._:/@+*?-]+$/
export const MAX_MODEL_PATTERN_LENGTH = 200

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`, 'i')
}

/** Why a model id or glob is not acceptable, or undefined when it is. */
export function modelPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'the model id or glob must not be empty'
  if (pattern.length > MAX_MODEL_PATTERN_LENGTH) return `longer than ${MAX_MODEL_PATTERN_LENGTH} characters`
  if (!MODEL_PATTERN_CHARS.test(pattern)) return 'invalid character in model id or glob (allowed: letters, digits, . _ : / @ + - and the wildcards * ?)'
  return undefined
}
