// hosts/node-body-stream.ts: a Node Readable as a WHATWG stream for the node:http host's
// request bodies and the relay's answers — chunks as delivered, read on demand, errors
// after what was handed over, a cut source as a reset, and both ways of cancelling.
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { webStreamOf } from '../../lambda/src/hosts/node-body-stream.js'

const bytes = (s: string) => Buffer.from(s)

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return out
    out.push(Buffer.from(value).toString())
  }
}

describe('webStreamOf', () => {
  it('hands over every chunk in order and ends with the source', async () => {
    expect((await readAll(webStreamOf(Readable.from([bytes('a'), bytes('bc'), bytes('def')])))).join('')).toBe('abcdef')
  })

  it('ends at once for an empty source', async () => {
    expect(await readAll(webStreamOf(Readable.from([])))).toEqual([])
  })

  it('reads the source only as the reader asks (the source stays paused in between)', async () => {
    let made = 0
    const source = new Readable({
      highWaterMark: 1,
      read() {
        made++
        this.push(made > 1000 ? null : Buffer.alloc(1024))
      },
    })
    const reader = webStreamOf(source).getReader()
    await reader.read()
    await new Promise((r) => setTimeout(r, 20))
    const afterOne = made
    // A stream that read ahead would have drained all 1000 chunks by now.
    expect(afterOne).toBeLessThan(10)
    await reader.cancel()
  })

  it('errors the stream when the source fails after a chunk was handed over', async () => {
    const source = new PassThrough()
    const reader = webStreamOf(source).getReader()
    const first = reader.read()
    source.write(bytes('first'))
    expect(Buffer.from((await first).value!).toString()).toBe('first')
    const failure = new Error('upstream reset')
    source.destroy(failure)
    await expect(reader.read()).rejects.toBe(failure)
  })

  it('reports a source closed before its end as a reset (ECONNRESET)', async () => {
    const source = new PassThrough()
    const reader = webStreamOf(source).getReader()
    source.destroy()
    await expect(reader.read()).rejects.toMatchObject({ code: 'ECONNRESET' })
  })

  it('maps errors for the reader and calls onSettled once', async () => {
    let settled = 0
    const source = new PassThrough()
    const mapped = new Error('mapped')
    const reader = webStreamOf(source, { errorFor: () => mapped, onSettled: () => settled++ }).getReader()
    source.destroy(new Error('raw'))
    await expect(reader.read()).rejects.toBe(mapped)
    expect(settled).toBe(1)
  })

  it('destroys the source on cancel by default', async () => {
    const source = new PassThrough()
    await webStreamOf(source).cancel(new Error('client gone'))
    expect(source.destroyed).toBe(true)
  })

  it("reads the rest of the source to its end on cancel with onCancel 'discard' instead of destroying it", async () => {
    const source = new PassThrough()
    await webStreamOf(source, { onCancel: 'discard' }).cancel()
    source.write(Buffer.alloc(1024 * 1024)) // more than any buffer: it must be read and dropped
    source.end()
    // Read to its end, not destroyed before it (then 'end' would never come).
    await new Promise((resolve) => source.once('end', resolve))
    expect(source.readableEnded).toBe(true)
    expect(source.errored).toBeNull()
  })
})
