// Credentials recognised by structure rather than a vendor prefix: the proxy's own token,
// signed JWTs, passwords inside URLs and Authorization headers, age and 1Password keys.
import { TOKEN_PATTERN, isWellFormedToken } from '../../contracts/token.js'
import { custom, prefixed } from './define.js'
import type { SecretRule } from './types.js'

/** Passwords in documentation and templates (`user:password@`, `REDACTED:REDACTED@`). */
const PLACEHOLDER_PASSWORDS = new Set([
  'password', 'passwd', 'pass', 'pwd', 'pw', 'secret', 'test', 'user', 'username', 'admin', 'root',
  'foo', 'bar', 'foobar', 'baz', 'changeme', 'redacted', 'example', 'mypassword', 'yourpassword',
  'token', 'apikey', 'key', 'guest', 'demo', 'sample', 'dummy', 'qwerty', 'letmein', 'postgres',
  'mysql', 'mongo', 'mongodb', 'redis', 'rabbitmq', 'default', 'secretpassword', 'hunter2',
  'your_password', 'your-password', 'db_password', 'p', 'x', 'xxx', 'abc', 'abc123', 'pa55word',
  'passw0rd', 'p@ssw0rd', 'p@ssword', 'null', 'undefined', 'none', 'empty', 'auth', 'anonymous',
  'x-oauth-basic', // GitHub's fixed password when the token is the user name

])

/** A password worth reporting: not a placeholder word, a number-only PIN-like value, or a template. */
export function isRealPassword(password: string): boolean {
  // Shorter ones are documentation (`http://abc:xyz@`, `https://a:b@` in Node's own docs).
  if (password.length < 6) return false
  const lower = password.toLowerCase()
  if (PLACEHOLDER_PASSWORDS.has(lower)) return false
  if (/^[0-9]{1,8}$/.test(password)) return false
  if (/^[$%{[(<]/.test(password) || /[*]{2}/.test(password)) return false
  // Percent-encoded template markers and JS/Python interpolation.
  if (/%[sd]|%\(|\{\}|\$\{/.test(password)) return false
  // Elisions in documentation: `user:abc…@`, `user:...@`.
  if (/…|\.\.\./.test(password)) return false
  return true
}

/** The DER/base64 of `user:pass` in an Authorization: Basic header, with a real password. */
function isBasicCredentials(b64: string): boolean {
  const decoded = Buffer.from(b64, 'base64').toString('latin1')
  const colon = decoded.indexOf(':')
  if (colon <= 0 || colon === decoded.length - 1) return false
  if (!/^[\x20-\x7e]+$/.test(decoded)) return false
  return isRealPassword(decoded.slice(colon + 1))
}

// userinfo password of a URL: no `:`, `/`, `@`, whitespace, quotes or `<>` (a URL cannot hold them unescaped).
const URL_PASSWORD = "[^\\s:/?#@'\"<>`\\\\]{1,128}"
const URL_USER = "[^\\s:/?#@'\"<>`\\\\]{0,64}"

const connection = (id: string, title: string, schemes: string, keywords: string[], source: string): SecretRule =>
  custom({
    id,
    title,
    source,
    keywords,
    pattern: new RegExp(`(?<![A-Za-z0-9+.-])(?:${schemes})://${URL_USER}:(${URL_PASSWORD})@`, 'gi'),
    maxLength: 240,
    group: 1,
    accept: isRealPassword,
  })

export const STRUCTURED_RULES: readonly SecretRule[] = [
  custom({
    // The proxy token contract (lambda/src/contracts/token.ts): prefix + base62 + CRC32.
    // Only checksum-valid matches count, so look-alikes in docs and tests stay quiet.
    id: 'codex-proxy-token',
    title: 'codex-proxy token (cxp_…, checksum-valid)',
    source: 'lambda/src/contracts/token.ts',
    keywords: ['cxp_'],
    pattern: new RegExp(TOKEN_PATTERN.source, 'g'),
    maxLength: 40,
    accept: isWellFormedToken,
    placeholderCheck: false,
  }),
  custom({
    // Signed JSON Web Tokens (RFC 7519): header and payload both base64url JSON objects
    // (`eyJ` = base64 of `{"`) and a signature of 16+ characters; unsigned (`alg: none`)
    // tokens carry no authority. The look-behind is what makes this linear: before, the
    // rule started again at every `eyJ` of a run like `eyJ-eyJ-…` (issue 10, finding 1).
    id: 'jwt',
    title: 'Signed JSON Web Token (eyJ….eyJ….signature)',
    source: 'RFC 7519; gitleaks:jwt',
    keywords: ['eyj'],
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,1000}\.eyJ[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{16,1000}(?![A-Za-z0-9_-])/g,
    maxLength: 10_010,
  }),
]

/**
 * Passwords in URLs. They run after the vendor rules and give way to any vendor match they
 * overlap (a GitHub token as the password of a github.com URL is a github-pat, not also a basic-auth-url).
 */
export const URL_RULES: readonly SecretRule[] = [
  connection('postgresql-connection-string', 'PostgreSQL URL with a password', 'postgres|postgresql|postgis', ['postgres'], 'PostgreSQL docs, "Connection URIs"; secretlint-rule-database-connection-string'),
  connection('mysql-connection-string', 'MySQL / MariaDB URL with a password', 'mysql|mysqlx|mariadb|jdbc:mysql', ['mysql', 'mariadb'], 'MySQL docs, "Connecting using URI-like strings"; secretlint-rule-database-connection-string'),
  connection('mongodb-connection-string', 'MongoDB URL with a password', 'mongodb|mongodb\\+srv', ['mongodb'], 'MongoDB docs, "Connection string URI format"; secretlint-rule-database-connection-string'),
  connection('redis-connection-string', 'Redis URL with a password', 'redis|rediss', ['redis'], 'IANA redis URI scheme (redis://user:password@host)'),
  connection('amqp-connection-string', 'AMQP (RabbitMQ) URL with a password', 'amqp|amqps', ['amqp'], 'RabbitMQ docs, "URI spec"'),
  connection('basic-auth-url', 'Password in the userinfo of an http(s)/ftp URL', 'https?|ftp|ftps|sftp|ssh|git|smtp|smtps|ldap|ldaps', ['://'], 'RFC 3986 §3.2.1 (userinfo); secretlint-rule-basicauth'),
]

export const HEADER_AND_KEY_RULES: readonly SecretRule[] = [
  custom({
    id: 'basic-auth-header',
    title: 'Authorization: Basic header with a user:password pair',
    source: 'RFC 7617 (Basic authentication)',
    keywords: ['basic '],
    pattern: /Authorization["']?\s{0,3}[:=]\s{0,3}["']?Basic\s{1,3}([A-Za-z0-9+/]{8,400}={0,2})(?![A-Za-z0-9+/=])/gi,
    maxLength: 440,
    group: 1,
    accept: isBasicCredentials,
  }),
  prefixed({ id: 'age-secret-key', title: 'age secret key (AGE-SECRET-KEY-1…)', source: 'age spec (C2SP age.md, Bech32 secret keys); gitleaks:age-secret-key', prefix: 'AGE-SECRET-KEY-1', body: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', length: 58 }),
  prefixed({ id: '1password-service-account-token', title: '1Password service account token (ops_eyJ…)', source: '1Password docs, service accounts; gitleaks:1password-service-account-token', prefix: 'ops_eyJ', body: 'A-Za-z0-9+/', length: [100, 4000], suffix: ['={0,3}', 3] }),
  custom({ id: '1password-secret-key', title: '1Password account Secret Key (A3-…)', source: '1Password security design, "Secret Key"; gitleaks:1password-secret-key', keywords: ['a3-'], pattern: /(?<![A-Za-z0-9_-])A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}(?![A-Za-z0-9_-])/g, maxLength: 45 }),
]
