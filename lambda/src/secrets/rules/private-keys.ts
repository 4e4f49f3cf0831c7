// Private keys in every armoured encoding real tools emit: PEM (PKCS#1 `RSA`, SEC1 `EC`,
// PKCS#8, encrypted PKCS#8, DSA), OpenSSH, PGP (`gpg --armor --export-secret-keys`),
// SSH2/ssh.com (`---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`) and PuTTY `.ppk` files.
// Written as code, not one regex, because the block must be followed through what
// surrounds it in a prompt: diff prefixes (`+`, `-`, ` `) on every line of an
// apply_patch, indentation, `\n` left literal by a second JSON encoding, quotes and `+`
// of a string concatenated in source code. Public keys and certificates never have
// `PRIVATE KEY` in their armour, so they are not found.
//
// Linear: each keyword hit is examined once; a block's body is walked once and hits
// inside a block already reported are skipped; the walk stops at the first character
// that cannot be in a body, and at MAX_BLOCK characters.
import { isPlaceholder } from '../placeholder.js'
import type { SecretRule, Span } from './types.js'

/** Longest block followed: PGP exports with several subkeys reach ~10 KB; 8192-bit RSA ~6.5 KB. */
const MAX_BLOCK = 64 * 1024
/**
 * Fewest base64 characters of a real key body: an Ed25519 PKCS#8 key (`openssl genpkey
 * -algorithm ed25519`) is 64. Shorter bodies are elisions (`MIIE…`) in documentation.
 */
export const MIN_KEY_BODY = 60

const HEADER = /-{4,5} ?BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?) ?-{4,5}/y
const BEGIN = 'BEGIN '

function isBase64(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61
}

const NL = 10
const CR = 13
const BACKSLASH = 92

/** Skips what may start a line of a quoted, indented or diffed block: spaces, one diff mark, quotes. */
function skipLinePrefix(text: string, i: number, end: number): number {
  while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++
  // One diff mark; a `-` only when the line is not itself an END armour line.
  const c = text[i]
  if (c === '+' || c === ' ' || (c === '-' && !text.startsWith('-----END', i) && !text.startsWith('---- END', i))) i++
  while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 34 || text.charCodeAt(i) === 39)) i++
  return i
}

/** An armour header line (`Proc-Type: 4,ENCRYPTED`, `Version: GnuPG v2`, `Comment: "…"`): its end, or -1. */
function headerLineEnd(text: string, i: number, end: number): number {
  let j = i
  while (j < end && /[A-Za-z0-9-]/.test(text[j]!)) j++
  if (j === i || text.charCodeAt(j) !== 58 /* : */) return -1
  while (j < end && text.charCodeAt(j) !== NL && !(text.charCodeAt(j) === BACKSLASH && text[j + 1] === 'n')) j++
  return j
}

interface Body {
  /** Base64 characters seen. */
  chars: number
  /** Where the block ends: after the END armour line, or after the last body character. */
  end: number
  closed: boolean
  sample: string
}

/** Walks a block body from `i` (just after the BEGIN armour). */
function walkBody(text: string, i: number): Body {
  const limit = Math.min(text.length, i + MAX_BLOCK)
  let chars = 0
  let lastBody = i
  let sample = ''
  let lineStart = false
  while (i < limit) {
    const c = text.charCodeAt(i)
    if (c === NL || c === CR) {
      i++
      lineStart = true
      continue
    }
    if (c === BACKSLASH && (text[i + 1] === 'n' || text[i + 1] === 'r')) {
      i += 2
      lineStart = true
      continue
    }
    if (lineStart) {
      lineStart = false
      i = skipLinePrefix(text, i, limit)
      if (i >= limit) break
      if (chars === 0 || text.startsWith('Private-', i)) {
        const h = headerLineEnd(text, i, limit)
        if (h !== -1) {
          i = h
          continue
        }
      }
      continue // read the line's first character afresh
    }
    if (text.startsWith('-----END', i) || text.startsWith('---- END', i)) {
      // The END line's closing dashes, looked for within the line only (bounded search).
      const line = text.slice(i + 8, i + 80)
      const close = line.indexOf('-----')
      const close4 = line.indexOf('----')
      const stop = close !== -1 ? i + 8 + close + 5 : close4 !== -1 ? i + 8 + close4 + 4 : i + 8
      return { chars, end: stop, closed: true, sample }
    }
    if (isBase64(c)) {
      if (sample.length < 256) sample += text[i]
      chars++
      i++
      lastBody = i
      continue
    }
    // Inside a line: quotes, `+` concatenation, spaces and `\` continuation of a quoted source line.
    if (c === 32 || c === 9 || c === 34 || c === 39 || c === BACKSLASH || c === 44 /* , */) {
      i++
      continue
    }
    break
  }
  return { chars, end: lastBody, closed: false, sample }
}

/** PEM/OpenSSH/PGP/SSH2 blocks around hits of `private key`. */
function findArmoredKeys(text: string, hitEnds: readonly number[]): Span[] {
  const spans: Span[] = []
  let consumed = 0
  for (const hitEnd of hitEnds) {
    if (hitEnd <= consumed) continue
    // The BEGIN marker is at most 60 characters before the end of `PRIVATE KEY`.
    const from = Math.max(consumed, hitEnd - 70)
    const near = text.slice(from, hitEnd).lastIndexOf(BEGIN)
    if (near === -1) continue
    const begin = from + near
    let start = begin
    // Back over the armour's dashes (`-----BEGIN`, `---- BEGIN`); a sixth dash is a diff mark.
    if (text.charCodeAt(start - 1) === 32) start--
    const dashesEnd = start
    while (start > from && dashesEnd - start < 5 && text.charCodeAt(start - 1) === 45 /* - */) start--
    HEADER.lastIndex = start
    const header = HEADER.exec(text)
    if (!header) continue
    const body = walkBody(text, HEADER.lastIndex)
    consumed = Math.max(HEADER.lastIndex, body.end)
    if (body.chars < MIN_KEY_BODY) continue
    if (!body.closed && body.chars < 200) continue
    if (isPlaceholder(body.sample)) continue
    spans.push({ start, end: body.end })
  }
  return spans
}

/** PuTTY `.ppk` (versions 2 and 3): from the `PuTTY-User-Key-File-N:` line through the private lines. */
function findPuttyKeys(text: string, hitEnds: readonly number[]): Span[] {
  const spans: Span[] = []
  let consumed = 0
  let searchedUpTo = 0
  for (const hitEnd of hitEnds) {
    if (hitEnd <= consumed) continue
    const start = hitEnd - 'PuTTY-User-Key-File-'.length
    // A .ppk has the public lines (≤ ~1 KB for RSA-4096) before the private ones.
    // Text already searched in vain is not searched again (linear for a flood of headers).
    const from = Math.max(hitEnd, searchedUpTo)
    const near = text.slice(from, hitEnd + 4096).indexOf('Private-Lines:')
    if (near === -1) {
      searchedUpTo = Math.max(searchedUpTo, hitEnd + 4096 - 'Private-Lines:'.length)
      continue
    }
    const privateAt = from + near
    const lineEnd = headerLineEnd(text, privateAt, Math.min(text.length, privateAt + 40))
    const body = walkBody(text, lineEnd === -1 ? privateAt + 14 : lineEnd)
    consumed = Math.max(privateAt, body.end)
    if (body.chars < 40 || isPlaceholder(body.sample)) continue
    // Include a trailing Private-MAC line.
    let end = body.end
    const macNear = text.slice(end, end + 20).indexOf('Private-MAC:')
    const mac = macNear === -1 ? -1 : end + macNear
    if (mac !== -1) {
      const macEnd = headerLineEnd(text, mac, Math.min(text.length, mac + 120))
      if (macEnd !== -1) end = macEnd
    }
    spans.push({ start, end })
  }
  return spans
}

export const PRIVATE_KEY_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    title: 'Private key block: PEM (PKCS#1, PKCS#8, encrypted PKCS#8, SEC1 EC, DSA), OpenSSH, SSH2, PGP',
    source: 'RFC 7468 (PEM), RFC 4880 §6.2 (PGP armor), OpenSSH PROTOCOL.key, RFC 4716 (SSH2); gitleaks:private-key',
    category: 'credential',
    keywords: ['private key'],
    maxLength: MAX_BLOCK,
    placeholderCheck: false,
    find: findArmoredKeys,
  },
  {
    id: 'putty-private-key',
    title: 'PuTTY private key file (.ppk v2/v3)',
    source: 'PuTTY manual, appendix C "PPK file format"',
    category: 'credential',
    keywords: ['putty-user-key-file-'],
    maxLength: MAX_BLOCK,
    placeholderCheck: false,
    find: findPuttyKeys,
  },
]
