// Writes a Response body into a Node Writable chunk by chunk, honouring backpressure,
// and stops (cancelling the body, which aborts the upstream read) once the client is
// gone. Shared by the node:http and Lambda hosts.
import type { Writable } from 'node:stream'

export type PumpOutcome = 'complete' | 'client-gone' | 'failed'

export async function pumpBody(body: ReadableStream<Uint8Array>, sink: Writable, clientGone: AbortSignal): Promise<PumpOutcome> {
  const reader = body.getReader()
  try {
    for (;;) {
      if (clientGone.aborted) {
        await reader.cancel(clientGone.reason).catch(() => {})
        return 'client-gone'
      }
      const { done, value } = await reader.read()
      if (done) return 'complete'
      // A client that stops reading must not hold the exchange: the core errors the body at
      // its deadline, which ends this wait too (then the read below throws).
      if (!sink.write(value)) await Promise.race([drained(sink), reader.closed.catch(() => {})])
    }
  } catch {
    // The core errors the body only when the client went away mid-read.
    await reader.cancel().catch(() => {})
    return clientGone.aborted ? 'client-gone' : 'failed'
  }
}

function drained(sink: Writable): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      sink.off('drain', go)
      sink.off('close', go)
      resolve()
    }
    sink.on('drain', go)
    sink.on('close', go)
  })
}
