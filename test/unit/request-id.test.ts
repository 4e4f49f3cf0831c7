// Request ids from the pooled random source: still ULIDs, monotonic and unique, still
// drawing every random value from the CSPRNG, but one getRandomValues call per pool
// instead of one per character.
import { decodeTime, isValid } from 'ulid'
import { describe, expect, it } from 'vitest'
import { pooledRandom, RANDOM_POOL_BYTES, requestIdFactory } from '../../lambda/src/core/request-id.js'

describe('pooledRandom', () => {
  it('returns each byte of the pool as byte/256, in order, and refills only when the pool is used up', () => {
    let fills = 0
    const prng = pooledRandom(4, (b) => {
      fills++
      b.set([0, 64, 128, 255])
    })
    expect([prng(), prng(), prng(), prng()]).toEqual([0, 0.25, 0.5, 255 / 256])
    expect(fills).toBe(1)
    expect(prng()).toBe(0)
    expect(fills).toBe(2)
  })

  it('calls the CSPRNG once per RANDOM_POOL_BYTES values, not once per value', () => {
    const original = crypto.getRandomValues.bind(crypto)
    let calls = 0
    const spy = <T extends ArrayBufferView | null>(b: T): T => {
      calls++
      return original(b as never) as T
    }
    const prng = pooledRandom(RANDOM_POOL_BYTES, (b) => void spy(b))
    for (let i = 0; i < RANDOM_POOL_BYTES * 3; i++) prng()
    expect(calls).toBe(3)
  })

  it('stays within [0, 1) and is not degenerate over many draws (every one of ulid’s 32 symbols appears)', () => {
    const prng = pooledRandom()
    const symbols = new Set<number>()
    for (let i = 0; i < 20_000; i++) {
      const v = prng()
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThan(1)
      symbols.add(Math.floor(v * 32))
    }
    expect(symbols.size).toBe(32)
  })
})

describe('requestIdFactory', () => {
  it('gives valid ULIDs carrying the seed time, strictly increasing within one millisecond, unique over many', () => {
    const next = requestIdFactory()
    const t = Date.UTC(2026, 10, 29, 18, 0, 0)
    const ids = Array.from({ length: 5_000 }, () => next(t))
    for (const id of ids) expect(isValid(id)).toBe(true)
    expect(decodeTime(ids[0]!)).toBe(t)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('gives different random parts in different milliseconds (the pool moves on)', () => {
    const next = requestIdFactory()
    const a = next(1_000_000)
    const b = next(1_000_001)
    expect(a.slice(10)).not.toBe(b.slice(10))
  })
})
