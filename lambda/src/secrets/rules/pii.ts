// Optional personal-data detectors, validated by checksum only (category `pii`, off
// unless CODEX_PROXY_PII_SCAN enables them). They have no keyword, so they read the
// whole text; each pattern is anchored on a non-digit boundary and bounded, so linear.
import { custom } from './define.js'
import type { SecretRule } from './types.js'

/** Luhn (ISO/IEC 7812-1 annex B) over the digits of `s`. */
export function luhnValid(s: string): boolean {
  const digits = s.replace(/[ -]/g, '')
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** Card numbers of the major schemes (IIN ranges, ISO/IEC 7812), 13–19 digits, one separator style. */
function isCardNumber(s: string): boolean {
  const digits = s.replace(/[ -]/g, '')
  if (digits.length < 13 || digits.length > 19) return false
  const seps = s.match(/[ -]/g)
  if (seps && new Set(seps).size > 1) return false
  if (/^(\d)\1+$/.test(digits)) return false
  const iin = /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9])|3(?:0[0-5]|[689])|35)/
  return iin.test(digits) && luhnValid(digits)
}

/** IBAN check digits (ISO 13616): move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function ibanValid(s: string): boolean {
  const iban = s.replace(/ /g, '').toUpperCase()
  if (iban.length < 15 || iban.length > 34) return false
  const moved = iban.slice(4) + iban.slice(0, 4)
  let rem = 0
  for (const ch of moved) {
    const code = ch.charCodeAt(0)
    const value = code >= 65 ? String(code - 55) : ch
    for (const digit of value) rem = (rem * 10 + (digit.charCodeAt(0) - 48)) % 97
  }
  return rem === 1
}

/** US SSN validity (SSA): area not 000, 666 or 900–999; group not 00; serial not 0000; not the advertised 078-05-1120. */
export function ssnValid(s: string): boolean {
  const [area, group, serial] = s.split('-')
  if (!area || !group || !serial) return false
  if (area === '000' || area === '666' || area[0] === '9') return false
  if (group === '00' || serial === '0000') return false
  return s !== '078-05-1120' && s !== '219-09-9999'
}

export const PII_RULES: readonly SecretRule[] = [
  custom({
    id: 'pii-payment-card',
    title: 'Payment card number (Luhn-valid, major IIN ranges)',
    source: 'ISO/IEC 7812-1 (IIN, Luhn check digit)',
    category: 'pii',
    keywords: [],
    pattern: /(?<![0-9-])[0-9]{4}(?:[ -]?[0-9]{3,4}){2,3}(?:[ -]?[0-9]{1,4})?(?![0-9])/g,
    maxLength: 23,
    placeholderCheck: false,
    accept: isCardNumber,
  }),
  custom({
    id: 'pii-iban',
    title: 'IBAN (mod-97 check digits valid)',
    source: 'ISO 13616-1 (IBAN, ISO 7064 MOD 97-10)',
    category: 'pii',
    keywords: [],
    pattern: /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g,
    maxLength: 42,
    placeholderCheck: false,
    accept: ibanValid,
  }),
  custom({
    id: 'pii-us-ssn',
    title: 'US Social Security number (NNN-NN-NNNN, valid ranges)',
    source: 'SSA, "Social Security Number Randomization" (invalid ranges)',
    category: 'pii',
    keywords: [],
    pattern: /(?<![0-9-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9-])/g,
    maxLength: 11,
    placeholderCheck: false,
    accept: ssnValid,
  }),
]
