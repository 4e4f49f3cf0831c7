// A stream lasts seconds to minutes; the body's parsed object tree (several times the
// body's size) must not live as long. Once the upstream call is made, the core drops it:
// checked with a WeakRef and a full collection while the answer is still streaming, and
// the record is the same as ever (built from the bytes).
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { poolOfOne } from '../../lambda/src/contracts/upstreams.js'
import type { UpstreamFetch } from '../../lambda/src/core/ports.js'
import { upstreamPoolFactory, type UpstreamPool } from '../../lambda/src/core/upstreams/index.js'
import { codexBody, useCoreHarness } from '../support/core-harness.js'
import { testContext } from '../support/memory-ports.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const h = useCoreHarness()

/** An upstream whose SSE answer stays open until `end()`. */
function openStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })
  const fetch: UpstreamFetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })
  const enc = new TextEncoder()
  return {
    fetch,
    write: (s: string) => controller.enqueue(enc.encode(s)),
    end: () => controller.close(),
  }
}

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    // A WeakRef's target stays alive until the current job ends: collect across turns.
    await new Promise((r) => setTimeout(r, 0))
    gc()
  }
  return ref.deref() === undefined
}

describe('the parsed request body', () => {
  it('is released while the answer is still streaming, and the record still holds the body', async () => {
    const upstream = openStream()
    let parsed: WeakRef<object> | undefined
    const proxy = h.makeProxy({}, 'sk-real-key', {
      fetch: upstream.fetch,
      upstreams: (env) => {
        const pool = upstreamPoolFactory(poolOfOne(h.upstream.url), () => ({ get: async () => 'sk-real-key' }))(env)
        return {
          send: (req) => {
            if (req.json) parsed = new WeakRef(req.json)
            return pool.send(req)
          },
        } as UpstreamPool
      },
    })
    const body = codexBody({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x'.repeat(50_000) }] }] })
    const ctx = testContext()
    const response = await proxy.fetch(h.request('/v1/responses', { method: 'POST', body }), ctx)
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    upstream.write('event: response.created\ndata: {"type":"response.created","response":{"model":"gpt-5.1-codex"}}\n\n')
    await reader.read()
    expect(parsed).toBeDefined()
    // The answer is mid-stream: the exchange is alive, its parsed body should not be.
    expect(await collected(parsed!)).toBe(true)
    upstream.end()
    while (!(await reader.read()).done);
    await ctx.settled()
    expect(h.audit.records.at(-1)!.request_body).toBe(body)
  })
})
