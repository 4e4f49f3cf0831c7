// The proxy token contract: format, checksum, hashing and the public token id.
//
// Format: `cxp_` + 30 random base62 characters + 6 base62 characters of CRC32 over
// the prefix and random part — the same shape as GitHub's `ghp_` tokens, so that
// secret scanners can recognise a leaked proxy token and reject typos offline
// (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/).
import { createHash, randomInt } from 'node:crypto'
import { crc32 } from 'node:zlib'

export const TOKEN_PREFIX = 'cxp_'
const RANDOM_LENGTH = 30
const CHECKSUM_LENGTH = 6
export const TOKEN_LENGTH = TOKEN_PREFIX.length + RANDOM_LENGTH + CHECKSUM_LENGTH

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Matches a whole proxy token anywhere in text (used by the secret scanner rule). */
export const TOKEN_PATTERN = /\bcxp_[0-9A-Za-z]{36}\b/g

function base62(value: number, width: number): string {
  let out = ''
  let rest = value
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out
    rest = Math.floor(rest / 62)
  }
  return out
}

function checksumOf(body: string): string {
  return base62(crc32(body) >>> 0, CHECKSUM_LENGTH)
}

/** A fresh token: ~178 bits of randomness from the CSPRNG. */
export function generateToken(): string {
  let random = ''
  for (let i = 0; i < RANDOM_LENGTH; i++) random += BASE62[randomInt(62)]
  const body = TOKEN_PREFIX + random
  return body + checksumOf(body)
}

/** True when `candidate` has the token shape and a matching checksum. No store lookup. */
export function isWellFormedToken(candidate: string): boolean {
  if (candidate.length !== TOKEN_LENGTH || !candidate.startsWith(TOKEN_PREFIX)) return false
  for (let i = TOKEN_PREFIX.length; i < TOKEN_LENGTH; i++) {
    if (!BASE62.includes(candidate[i]!)) return false
  }
  const body = candidate.slice(0, TOKEN_LENGTH - CHECKSUM_LENGTH)
  return checksumOf(body) === candidate.slice(TOKEN_LENGTH - CHECKSUM_LENGTH)
}

/** SHA-256 hex of the token: the only form in which a token is ever stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * The short, non-secret identifier that records, logs and the CLI use for a token.
 * It is a prefix of the hash, so it reveals nothing about the token itself.
 */
export function tokenIdFromHash(tokenHash: string): string {
  return `${TOKEN_ID_PREFIX}${tokenHash.slice(0, 12)}`
}

/** Every token id starts with it; no user id may (contracts/tables.ts `nameProblem`). */
export const TOKEN_ID_PREFIX = 'tok_'
export const TOKEN_ID_PATTERN = /^tok_[0-9a-f]{12}$/

/** Checksum-valid proxy tokens in a text (a string that merely looks like one is not counted). */
export function findProxyTokens(text: string): string[] {
  if (!text.includes(TOKEN_PREFIX)) return []
  return [...text.matchAll(TOKEN_PATTERN)].map((m) => m[0]).filter(isWellFormedToken)
}

export const REDACTED_TOKEN = '[REDACTED:codex-proxy-token]'
