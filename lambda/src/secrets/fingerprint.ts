// Short fingerprints that group repeats of one secret across turns and requests without
// revealing it. HMAC rather than a bare hash so that, with a deployment key, a reader of
// audit records cannot confirm a guess of a short secret (a database password) offline.
import { createHmac } from 'node:crypto'

export const FINGERPRINT_HEX_LENGTH = 12

export function createFingerprinter(key: string): (ruleId: string, matchedText: string) => string {
  return (ruleId, matchedText) =>
    createHmac('sha256', key).update(ruleId).update('\0').update(matchedText).digest('hex').slice(0, FINGERPRINT_HEX_LENGTH)
}
