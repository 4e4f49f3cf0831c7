// Reads a response body whole when it fits under a cap, so that something computed from
// the whole body (a non-streamed response's cost) can go into the response headers. A body
// over the cap is handed back as a stream that replays what was read, then continues:
// nothing is lost and memory stays bounded by the cap.
import { concatBytes } from './bytes.js'

export type Buffered = { complete: true; bytes: Uint8Array } | { complete: false; stream: ReadableStream<Uint8Array> }

export async function bufferUpTo(body: ReadableStream<Uint8Array>, capBytes: number): Promise<Buffered> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>
    try {
      next = await reader.read()
    } catch (err) {
      // Failed mid-body: replay what arrived, then the same failure, to the relay.
      return { complete: false, stream: replay(chunks, reader, err) }
    }
    if (next.done) return { complete: true, bytes: concatBytes(chunks, size) }
    chunks.push(next.value)
    size += next.value.byteLength
    if (size > capBytes) return { complete: false, stream: replay(chunks, reader) }
  }
}

function replay(chunks: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>, failure?: unknown): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (i < chunks.length) return controller.enqueue(chunks[i++]!)
        if (failure !== undefined) return controller.error(failure)
        const next = await reader.read()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
      cancel(reason) {
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
