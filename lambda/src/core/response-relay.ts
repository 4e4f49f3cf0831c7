// Relays the upstream response body to the client chunk by chunk (no buffering of the
// whole response), while keeping a capped copy for the audit record and noting timing,
// size, upstream failures and client aborts. Pull-based with highWaterMark 0: a chunk is
// read from upstream only when the client side asks for one, so backpressure holds.
//
// Bounded in time: when the exchange deadline passes — the upstream is slow, or the client
// stopped reading (backpressure) — the upstream read is cancelled, the client's stream is
// errored (the host then drops the connection) and the outcome is reported at once, so
// the record is written even though the client never finishes (trust issue, finding 5).
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
  /**
   * The answer was complete when the client left (Codex closes the connection right after
   * `response.completed`, sometimes before the upstream ends the stream): not an abort.
   */
  answerComplete: () => boolean
  /** Aborts at the exchange deadline. */
  deadline: AbortSignal
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
  /** A pull is waiting on the upstream: the client is reading. */
  let pulling = false
  let controller!: ReadableStreamDefaultController<Uint8Array>

  const finish = (upstreamError: string | null, clientAborted: boolean) => {
    if (finished) return
    finished = true
    opts.deadline.removeEventListener('abort', onDeadline)
    opts.onDone({ bytes, captured: concatBytes(kept, keptBytes), truncated, firstByteAt, upstreamError, clientAborted })
  }
  const onDeadline = () => {
    if (finished) return
    finish(opts.describeError(opts.deadline.reason), false)
    void reader.cancel(opts.deadline.reason).catch(() => {})
    // A reading client gets a cleanly ended stream (the pending pull closes it); one that
    // stopped reading gets an error, on which the host drops its connection.
    if (!pulling) {
      try {
        controller.error(new Error('exchange deadline passed'))
      } catch {
        // already closed
      }
    }
  }
  if (opts.deadline.aborted) queueMicrotask(onDeadline)
  else opts.deadline.addEventListener('abort', onDeadline, { once: true })

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>
        pulling = true
        try {
          result = await reader.read()
        } catch (err) {
          if (finished) return closeQuietly(controller)
          if (opts.clientGone()) {
            finish(null, !opts.answerComplete())
            controller.error(err)
          } else {
            // The client gets a cleanly ended stream; the record says what happened.
            finish(opts.describeError(err), false)
            controller.close()
          }
          return
        } finally {
          pulling = false
        }
        if (finished) return closeQuietly(controller)
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
        finish(null, !opts.answerComplete())
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close()
  } catch {
    // already closed or errored
  }
}
