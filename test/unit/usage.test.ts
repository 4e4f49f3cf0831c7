import { describe, expect, it } from 'vitest'
import { normaliseUsage, UsageExtractor } from '../../lambda/src/core/usage.js'
import { DEFAULT_USAGE, responsesStreamEvents, sseEvent } from '../support/fake-openai.js'

const enc = new TextEncoder()
const completedStream = () =>
  responsesStreamEvents({ reply: 'hello world', model: 'gpt-5.1-codex-2025-11-13', usage: DEFAULT_USAGE, deltas: 3 }).join('')

/** Feeds `text` in pieces of `size` bytes (splitting lines, events and UTF-8 sequences). */
function feed(extractor: UsageExtractor, text: string, size: number) {
  const bytes = enc.encode(text)
  for (let i = 0; i < bytes.length; i += size) extractor.push(bytes.subarray(i, i + size))
}

const expected = { input_tokens: 1200, cached_input_tokens: 1000, output_tokens: 300, reasoning_tokens: 120, total_tokens: 1500 }

describe('usage from a Responses stream', () => {
  it.each([1, 7, 64, 1 << 20])('takes usage from response.completed when fed %i bytes at a time', (size) => {
    const x = new UsageExtractor('text/event-stream; charset=utf-8')
    feed(x, completedStream(), size)
    expect(x.finish()).toEqual({ usage: expected, model: 'gpt-5.1-codex-2025-11-13' })
  })

  it('handles CRLF line endings', () => {
    const x = new UsageExtractor('text/event-stream')
    feed(x, completedStream().replace(/\n/g, '\r\n'), 13)
    expect(x.finish().usage).toEqual(expected)
  })

  it('handles a final event without the trailing blank line', () => {
    const x = new UsageExtractor('text/event-stream')
    feed(x, completedStream().trimEnd(), 50)
    expect(x.finish().usage).toEqual(expected)
  })

  it('joins multi-line data fields', () => {
    const payload = JSON.stringify({ type: 'response.completed', response: { model: 'm', usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } } }, null, 1)
    const event = `event: response.completed\n${payload.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`
    const x = new UsageExtractor('text/event-stream')
    feed(x, event, 9)
    expect(x.finish().usage).toEqual({ input_tokens: 5, cached_input_tokens: 0, output_tokens: 2, reasoning_tokens: 0, total_tokens: 7 })
  })

  it('treats null details as zero cached and reasoning tokens', () => {
    const x = new UsageExtractor('text/event-stream')
    feed(
      x,
      sseEvent({ type: 'response.completed', response: { model: 'm', usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 4, output_tokens_details: null, total_tokens: 14 } } }),
      100,
    )
    expect(x.finish().usage).toEqual({ input_tokens: 10, cached_input_tokens: 0, output_tokens: 4, reasoning_tokens: 0, total_tokens: 14 })
  })

  it('reports no usage when the stream was cut before response.completed', () => {
    const events = responsesStreamEvents({ reply: 'hello world', model: 'gpt-5', usage: DEFAULT_USAGE, deltas: 3 })
    const x = new UsageExtractor('text/event-stream')
    feed(x, events.slice(0, -1).join(''), 30)
    expect(x.finish()).toEqual({ usage: null, model: 'gpt-5' })
  })

  it('takes usage from response.incomplete too', () => {
    const x = new UsageExtractor('text/event-stream')
    feed(x, sseEvent({ type: 'response.incomplete', response: { model: 'm', usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 } } }), 100)
    expect(x.finish().usage?.total_tokens).toBe(4)
  })

  it('is not fooled by the word usage inside streamed text', () => {
    const x = new UsageExtractor('text/event-stream')
    feed(x, sseEvent({ type: 'response.output_text.delta', delta: '{"usage":{"input_tokens":999}}' }), 100)
    expect(x.finish().usage).toBeNull()
  })
})

describe('usage from Chat Completions', () => {
  const chatUsage = { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 8 } }

  it('takes usage from the last stream chunk', () => {
    const x = new UsageExtractor('text/event-stream')
    const stream =
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ delta: { content: 'hi' } }] })}\n\n` +
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'gpt-4o', choices: [], usage: chatUsage })}\n\n` +
      'data: [DONE]\n\n'
    feed(x, stream, 11)
    expect(x.finish()).toEqual({ usage: { input_tokens: 50, cached_input_tokens: 40, output_tokens: 20, reasoning_tokens: 8, total_tokens: 70 }, model: 'gpt-4o' })
  })

  it('takes usage from a JSON body', () => {
    const x = new UsageExtractor('application/json')
    expect(x.finish(JSON.stringify({ object: 'chat.completion', model: 'gpt-4o', usage: chatUsage })).usage?.cached_input_tokens).toBe(40)
  })
})

describe('usage from a non-stream Responses body', () => {
  it('parses the usage object at the top of the body', () => {
    const x = new UsageExtractor('application/json')
    const body = JSON.stringify({ object: 'response', model: 'gpt-5', usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 60 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 10 }, total_tokens: 130 } })
    expect(x.finish(body)).toEqual({ usage: { input_tokens: 100, cached_input_tokens: 60, output_tokens: 30, reasoning_tokens: 10, total_tokens: 130 }, model: 'gpt-5' })
  })

  it('reports nothing for a body that is not JSON', () => {
    expect(new UsageExtractor('application/json').finish('<html>').usage).toBeNull()
  })

  it('reports nothing when the body was not given (cut at the cap)', () => {
    expect(new UsageExtractor('application/json').finish(undefined).usage).toBeNull()
  })
})

describe('normaliseUsage', () => {
  it('returns undefined for objects that are not usage', () => {
    expect(normaliseUsage({ foo: 1 })).toBeUndefined()
    expect(normaliseUsage(null)).toBeUndefined()
    expect(normaliseUsage([1])).toBeUndefined()
  })

  it('computes total when the upstream omitted it', () => {
    expect(normaliseUsage({ input_tokens: 3, output_tokens: 4 })?.total_tokens).toBe(7)
  })
})

describe('hostile streams', () => {
  it('survives a line longer than any string V8 can hold (no newline for 520 MiB) and reads the events after it', () => {
    const extractor = new UsageExtractor('text/event-stream')
    const mib = new Uint8Array(1024 * 1024).fill(0x78)
    extractor.push(new TextEncoder().encode('data: '))
    // 520 MiB: past V8's maximum string length (2^29 - 24 characters), where joining the
    // pieces of one line used to throw "Invalid string length" after the client had its 200.
    for (let i = 0; i < 520; i++) extractor.push(mib)
    extractor.push(new TextEncoder().encode('\n\n'))
    for (const e of responsesStreamEvents({ reply: 'after', model: 'gpt-5', usage: DEFAULT_USAGE, deltas: 1 })) extractor.push(new TextEncoder().encode(e))
    const result = extractor.finish()
    expect(result.usage?.input_tokens).toBe(DEFAULT_USAGE.input_tokens)
    expect(extractor.sawTerminalEvent).toBe(true)
  })

  it('finishes without throwing when the stream ends inside an endless line', () => {
    const extractor = new UsageExtractor('text/event-stream')
    const mib = new Uint8Array(1024 * 1024).fill(0x78)
    for (let i = 0; i < 520; i++) extractor.push(mib)
    expect(() => extractor.finish()).not.toThrow()
  })
})
