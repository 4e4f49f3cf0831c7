import { randomBytes } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { gzipObject, SYNC_GZIP_MAX_BYTES } from '../../../lambda/src/bodies/gzip.js'

describe('gzipObject: small objects in the calling thread, large ones on the pool, same bytes either way', () => {
  const sizes = [0, 1, SYNC_GZIP_MAX_BYTES - 1, SYNC_GZIP_MAX_BYTES, SYNC_GZIP_MAX_BYTES + 1, 3 * 1024 * 1024]
  it.each(sizes)('round-trips %i random bytes', async (n) => {
    const data = randomBytes(n)
    expect(gunzipSync(await gzipObject(data, 6)).equals(data)).toBe(true)
  })

  it('takes a string as its UTF-8 bytes (multi-byte characters across the size boundary)', async () => {
    const text = 'é€😀'.repeat(SYNC_GZIP_MAX_BYTES / 9 + 3)
    expect(gunzipSync(await gzipObject(text, 1)).toString('utf8')).toBe(text)
    expect(gunzipSync(await gzipObject(text.slice(0, 100), 1)).toString('utf8')).toBe(text.slice(0, 100))
  })

  it('produces the same bytes as the thread-pool path would at the same level', async () => {
    const data = Buffer.from(JSON.stringify({ a: 'x'.repeat(5000), b: [1, 2, 3] }))
    const { gzip } = await import('node:zlib')
    const pooled = await new Promise<Buffer>((resolve, reject) => gzip(data, { level: 6 }, (e, out) => (e ? reject(e) : resolve(out))))
    expect((await gzipObject(data, 6)).equals(pooled)).toBe(true)
  })
})
