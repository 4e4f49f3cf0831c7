// gzip for the audit objects (body records, blocks, metadata objects, v1 records).
//
// Small objects are compressed in the calling thread: node's async gzip sets up a zlib
// stream and a thread-pool round trip per call, which for the few-KB objects of a request
// costs 2–3× the CPU of compressing them (≈0.4 vs 0.14 ms for 15 KB, measured with
// process.cpuUsage in one process). Large ones (a response kept up to the audit cap, MiBs)
// still go to the thread pool, so one big record cannot hold the event loop that relays
// everyone else's streams.
import { promisify } from 'node:util'
import { gzip, gzipSync } from 'node:zlib'

const gzipAsync = promisify(gzip)

/** Objects up to this size are compressed synchronously (≈0.5 ms of event loop at most). */
export const SYNC_GZIP_MAX_BYTES = 64 * 1024

export async function gzipObject(data: string | Uint8Array, level: number): Promise<Buffer> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  if (bytes.byteLength <= SYNC_GZIP_MAX_BYTES) return gzipSync(bytes, { level })
  return gzipAsync(bytes, { level })
}
