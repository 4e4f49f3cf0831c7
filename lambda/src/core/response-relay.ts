// Relays the upstream response body to the client chunk by chunk (no buffering of the
// whole response), while keeping a capped copy for the audit record and noting timing,
// size, upstream failures and client aborts. Pull-based with highWaterMark 0: a chunk is
// read from upstream only when the client side asks for one, so backpressure holds.
import { concatBytes } from './bytes.js'

export interface RelayOutcome {
  bytes: number
  captured: Uint8Array
  truncated: boolean
  /** Monotonic time of the first body byte, or null when the body was empty. */
  firstByteAt: number | null
  /** Why the upstream body ended early (reset, timeout), or null. */
  upstreamError: string | null
  clientAborted: boolean
}

export interface RelayOptions {
  capBytes: number
  monotonic: () => number
  /** Sees every chunk as it passes (usage extraction). */
  onChunk: (chunk: Uint8Array) => void
  /** Tells whether an error came from the client going away (vs. upstream). */
  clientGone: () => boolean
  describeError: (err: unknown) => string
  onDone: (outcome: RelayOutcome) => void
}

export function relayBody(upstream: ReadableStream<Uint8Array>, opts: RelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader()
  const kept: Uint8Array[] = []
  let keptBytes = 0
  let bytes = 0
  let truncated = false
  let firstByteAt: number | null = null
  let finished = false

  const finish = (upstreamError: string | null, clientAborted: boolean) => {
    if (finished) return
    finished = true
    opts.onDone({ bytes, captured: concatBytes(kept, keptBytes), truncated, firstByteAt, upstreamError, clientAborted })
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>
        try {
          result = await reader.read()
        } catch (err) {
          if (opts.clientGone()) {
            finish(null, true)
            controller.error(err)
          } else {
            // The client gets a cleanly ended stream; the record says what happened.
            finish(opts.describeError(err), false)
            controller.close()
          }
          return
        }
        if (result.done) {
          finish(null, false)
          controller.close()
          return
        }
        const chunk = result.value
        if (firstByteAt === null) firstByteAt = opts.monotonic()
        bytes += chunk.byteLength
        if (!truncated) {
          const room = opts.capBytes - keptBytes
          if (chunk.byteLength <= room) {
            kept.push(chunk)
            keptBytes += chunk.byteLength
          } else {
            if (room > 0) kept.push(chunk.subarray(0, room))
            keptBytes += Math.max(room, 0)
            truncated = true
          }
        }
        opts.onChunk(chunk)
        controller.enqueue(chunk)
      },
      cancel(reason) {
        finish(null, true)
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}
