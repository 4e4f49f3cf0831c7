// Request ids: ULIDs (time-ordered, so records sort by id), monotonic within a millisecond.
// ulid's default random source calls crypto.getRandomValues once per character, 16 calls
// per new id (ulid 3.0.2 dist/node/index.js detectPRNG: a 1-byte buffer each time); a
// profile of `serve` put 1.9 % of its CPU there (issue 14). The pooled source below draws
// the same bytes from the same CSPRNG, a few hundred at a time: each value is still one
// random byte / 256, as ulid's own source returns.
import { randomFillSync } from 'node:crypto'
import { monotonicFactory, type PRNG, type ULIDFactory } from 'ulid'

/** Random bytes per refill of the pool: one getRandomValues call per 32 ids. */
export const RANDOM_POOL_BYTES = 512

/** A PRNG for ulid (a value in [0, 1)) drawing bytes from a pool refilled by `fill` (the CSPRNG). */
// node:crypto's randomFillSync rather than the global crypto.getRandomValues: the same
// CSPRNG, without loading Node's WebCrypto implementation on first use (~5 ms of the
// Lambda's init, which makes one request id while priming).
export function pooledRandom(poolBytes = RANDOM_POOL_BYTES, fill: (bytes: Uint8Array) => void = (b) => void randomFillSync(b)): PRNG {
  const pool = new Uint8Array(poolBytes)
  let next = poolBytes
  return () => {
    if (next === poolBytes) {
      fill(pool)
      next = 0
    }
    return pool[next++]! / 256
  }
}

/** A monotonic ULID generator on the pooled random source. */
export function requestIdFactory(prng: PRNG = pooledRandom()): ULIDFactory {
  return monotonicFactory(prng)
}
