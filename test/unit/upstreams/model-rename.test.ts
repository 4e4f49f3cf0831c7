import { describe, expect, it } from 'vitest'
import { parseUpstreamPool } from '../../../lambda/src/contracts/upstreams.js'
import { modelRenameStream, renameRequestModel } from '../../../lambda/src/core/upstreams/model-rename.js'

async function through(chunks: Uint8Array[], from: string, to: string): Promise<string> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch)
      c.close()
    },
  })
  return new Response(source.pipeThrough(modelRenameStream(from, to))).text()
}

const enc = (s: string) => new TextEncoder().encode(s)

describe('model renaming on the way back', () => {
  const sse =
    'event: response.created\ndata: {"type":"response.created","response":{"id":"r","model":"gpt5-prod","status":"in_progress"}}\n\n' +
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"the \\"model\\":\\"gpt5-prod\\" text é😀"}\n\n' +
    'event: response.completed\ndata: {"type":"response.completed","response":{"model" : "gpt5-prod","usage":{"input_tokens":1}}}\n\n'
  const expected = sse.replace('"model":"gpt5-prod"', '"model":"gpt-5"').replace('"model" : "gpt5-prod"', '"model" : "gpt-5"')

  it('replaces the member in every event, and not inside strings', async () => {
    expect(await through([enc(sse)], 'gpt5-prod', 'gpt-5')).toBe(expected)
  })

  it('gives the same result whatever the chunk boundaries, including inside UTF-8 sequences', async () => {
    const bytes = enc(sse)
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await through([bytes.subarray(0, cut), bytes.subarray(cut)], 'gpt5-prod', 'gpt-5')).toBe(expected)
    }
    const single = Array.from(bytes, (b) => Uint8Array.of(b))
    expect(await through(single, 'gpt5-prod', 'gpt-5')).toBe(expected)
  })

  it('leaves other models, prefixes and longer names alone', async () => {
    const text = '{"model":"gpt5-prod-2","x":{"model":"gpt5"},"model_name":"gpt5-prod","y":"model","z":"gpt5-prod"}'
    expect(await through([enc(text)], 'gpt5-prod', 'gpt-5')).toBe(text)
  })

  it('handles a name with regex characters literally', async () => {
    expect(await through([enc('{"model":"a.b+c"} {"model":"aXb+c"}')], 'a.b+c', 'gpt-5')).toBe('{"model":"gpt-5"} {"model":"aXb+c"}')
  })

  it('does not re-rename when the model name contains the deployment name', async () => {
    expect(await through([enc('{"model":"prod"}')], 'prod', 'prod-x')).toBe('{"model":"prod-x"}')
  })

  it('streams: output comes before the input ends', async () => {
    let push!: (b: Uint8Array) => void
    const source = new ReadableStream<Uint8Array>({ start: (c) => void (push = (b) => c.enqueue(b)) })
    const reader = source.pipeThrough(modelRenameStream('dep', 'gpt-5')).getReader()
    push(enc(`data: {"model":"dep"}\n\n${' '.repeat(200)}`))
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain('"model":"gpt-5"')
    await reader.cancel()
  })
})

describe('model renaming on the way out', () => {
  const [az] = parseUpstreamPool({ upstreams: [{ id: 'az', kind: 'azure', url: 'http://x', models: { 'gpt-5': 'gpt5-prod' } }] }, { source: 't', keys: 'none' }).upstreams
  const [plain] = parseUpstreamPool({ upstreams: [{ id: 'p', url: 'http://x' }] }, { source: 't', keys: 'none' }).upstreams

  it('names the deployment and keeps every other member in order', () => {
    const out = renameRequestModel({ stream: true, model: 'gpt-5', input: [{ a: 1 }] }, az!)
    expect(new TextDecoder().decode(out)).toBe('{"stream":true,"model":"gpt5-prod","input":[{"a":1}]}')
  })

  it('leaves the body untouched (undefined) when nothing is renamed', () => {
    expect(renameRequestModel({ model: 'gpt-5' }, plain!)).toBeUndefined()
    expect(renameRequestModel({ model: 'o3' }, az!)).toBeUndefined()
    expect(renameRequestModel({ model: 5 }, az!)).toBeUndefined()
    expect(renameRequestModel(undefined, az!)).toBeUndefined()
  })
})
