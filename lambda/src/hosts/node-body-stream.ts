// A Node Readable as a WHATWG ReadableStream, for the node:http host's request bodies and
// the upstream relay's answers. Lighter than `Readable.toWeb`: each chunk is handed over as
// the socket delivered it (no concatenation, no queue of its own), and the source is paused
// after each one until the reader asks again (highWaterMark 0: backpressure holds).
// Errors error the stream, after any chunk already handed over was read; a source closed
// before its end is an error too (Node emits 'aborted' then 'close' for a cut connection).
// Cancelling destroys the source, or discards the rest of it (request bodies).
import type { Readable } from 'node:stream'

export interface WebStreamOptions {
  /** Called once when the stream ends, errors or is cancelled. */
  onSettled?: () => void
  /** The error the reader sees for a source error (default: the error itself). */
  errorFor?: (err: unknown) => unknown
  /**
   * What a cancel does to the source: `destroy` it (an upstream answer: its connection goes),
   * or `discard` the rest (a request body: destroying a server request destroys its socket,
   * and the answer the core has for it, a 413, would never reach the client).
   */
  onCancel?: 'destroy' | 'discard'
}

export function webStreamOf(source: Readable, options: WebStreamOptions = {}): ReadableStream<Uint8Array> {
  let settled = false
  let pendingError: unknown
  const settle = () => {
    if (settled) return false
    settled = true
    options.onSettled?.()
    return true
  }
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (err: unknown) => {
          if (!settle()) return
          const reason = options.errorFor ? options.errorFor(err) : err
          // A chunk still queued would be dropped by error(): let the reader have it first.
          if ((controller.desiredSize ?? 0) < 0) pendingError = reason
          else controller.error(reason)
        }
        source.pause()
        source.on('data', (chunk: Buffer) => {
          controller.enqueue(chunk)
          if ((controller.desiredSize ?? 0) <= 0) source.pause()
        })
        source.once('end', () => {
          if (settle()) controller.close()
        })
        source.once('error', fail)
        source.once('close', () => fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))
      },
      pull(controller) {
        if (pendingError !== undefined) {
          controller.error(pendingError)
          return
        }
        source.resume()
      },
      cancel(reason) {
        settle()
        if (options.onCancel === 'discard') {
          source.removeAllListeners('data')
          source.on('error', () => {}) // a client that goes away meanwhile is not our error
          source.resume()
        } else source.destroy(reason instanceof Error ? reason : undefined)
      },
    },
    { highWaterMark: 0 },
  )
}
