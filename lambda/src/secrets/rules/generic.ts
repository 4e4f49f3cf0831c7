// Generic secrets: a value with the entropy of a generated credential assigned to a name
// that says it is one (`password = "…"`, `api_key: …`, `client_secret=…`, `Bearer …`).
// Category `generic`: their precision on real source is below the vendor rules'
// (bench/secret-scan-results.md), so they are reported but do not block by default.
import { custom } from './define.js'
import type { SecretRule } from './types.js'

/** Values that are code, not secrets: references, calls, paths, template markers. */
function looksLikeCode(value: string): boolean {
  if (/^(?:true|false|null|none|nil|undefined|required|optional|string|number|boolean)$/i.test(value)) return true
  if (/[()[\]{}<>$%`]/.test(value)) return true // calls, templates, interpolation
  if (/^[a-z_]+(?:\.[a-z_]+)+$/i.test(value)) return true // process.env.FOO, config.secret.value
  if (/^[A-Z][A-Z0-9_]+$/.test(value)) return true // ENV_VAR_NAME
  if (/^[a-z]+(?:[A-Z][a-z0-9]*)+$/.test(value) || /^[a-z0-9]+(?:[_-][a-z0-9]+)+$/.test(value)) return true // camelCase, snake_case, kebab-case words
  if (/\/|\\/.test(value) && !/^[A-Za-z0-9+/]{20,}={0,2}$/.test(value)) return true // paths (but keep base64)
  return false
}

/** Generated secrets mix character classes: at least two of lower, upper, digit. */
function mixesClasses(value: string): boolean {
  let classes = 0
  if (/[a-z]/.test(value)) classes++
  if (/[A-Z]/.test(value)) classes++
  if (/[0-9]/.test(value)) classes++
  return classes >= 2 && /[0-9]/.test(value)
}

/** A (dotted) identifier with a word in it: `CreateTokenCommand`, `call_credentials_1.CallCredentials`. */
function isIdentifier(value: string): boolean {
  return /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(value) && /[a-z]{3}/.test(value)
}

/** Documentation values name what they stand for: `SuperSecretPassword`, `MustBeAtLeast8Chars`. */
const DOC_WORDS = /pass(?:word|wd)|secret|token|sample|dummy|fake|test|mustbe|some0ther|plaintext|example/i

/**
 * `match[2]` is the quote before the value, if any. An unquoted identifier is code
 * (`tokenInput: CreateTokenRequest`, `x = call_credentials_1.CallCredentials`).
 */
function acceptGeneric(value: string, match: RegExpExecArray): boolean {
  if (looksLikeCode(value) || !mixesClasses(value) || DOC_WORDS.test(value)) return false
  return match[2] !== '' || !isIdentifier(value)
}

// The name tail and the value are matched atomically (look-ahead + back-reference), so a
// flood of names or value characters is read once (linear-time.test.ts). Names right
// after `:` or `/` are parts of ARNs and URLs (`…:secret:MyTestSecret`), not assignments;
// names right after a letter or digit are inside a longer word. The cost: camelCase names
// (`clientSecret`, `dbPassword`) are not read; `client_secret`, `DB_PASSWORD` are.
const NOT_IN_PATH = `(?<![A-Za-z0-9:/])`
const ASSIGN = `(?=([\\w.-]{0,20}))\\1["']?[ \\t]{0,3}(?:=|:|=>|:=)[ \\t]{0,3}(["'\\x60]?)`
const VALUE = `(?=([A-Za-z0-9+/=_.~!@#^&*-]{12,100}))\\3(?![A-Za-z0-9+/=_.~!@#^&*-])`

export const GENERIC_RULES: readonly SecretRule[] = [
  custom({
    id: 'generic-password',
    title: 'Password assigned in config or code (entropy ≥ 3.3)',
    source: 'gitleaks:generic-api-key (passw(or)?d keywords), detect-secrets KeywordDetector',
    category: 'generic',
    keywords: ['password', 'passwd', 'pwd'],
    pattern: new RegExp(`${NOT_IN_PATH}(?:password|passwd|pwd)${ASSIGN}${VALUE}`, 'gi'),
    maxLength: 140,
    group: 3,
    minEntropy: 3.3,
    accept: acceptGeneric,
  }),
  custom({
    id: 'generic-api-key',
    title: 'API key, secret, token or credential assigned in config or code (entropy ≥ 3.7)',
    source: 'gitleaks:generic-api-key, detect-secrets KeywordDetector',
    category: 'generic',
    keywords: ['api_key', 'apikey', 'api-key', 'secret', 'token', 'credential', 'access_key', 'private_key', 'auth_key'],
    pattern: new RegExp(`${NOT_IN_PATH}(?:api[_-]?key|secret|token|credential|access[_-]key|private[_-]key|auth[_-]key)${ASSIGN}${VALUE}`, 'gi'),
    maxLength: 150,
    group: 3,
    minEntropy: 3.7,
    accept: acceptGeneric,
  }),
  custom({
    id: 'generic-bearer-token',
    title: 'Bearer token in an Authorization header (entropy ≥ 3.7)',
    source: 'RFC 6750 (Bearer tokens); gitleaks:curl-auth-header',
    category: 'generic',
    keywords: ['bearer '],
    pattern: /Authorization["']?[ \t]{0,3}[:=][ \t]{0,3}["']?Bearer[ \t]{1,3}(?=([A-Za-z0-9._~+/=-]{20,500}))\1(?![A-Za-z0-9._~+/=-])/gi,
    maxLength: 540,
    group: 1,
    minEntropy: 3.7,
    accept: (value) => !looksLikeCode(value) && mixesClasses(value) && !DOC_WORDS.test(value),
  }),
]
