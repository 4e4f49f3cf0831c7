// Response translation: Anthropic Messages SSE → Responses API SSE, event by event (a
// TransformStream: nothing is buffered beyond one event, except a custom tool's input,
// which must be unwrapped from its JSON envelope before Codex may see it).
//
// Codex 0.169 (openai/codex codex-rs/codex-api/src/sse/responses.rs) acts on
// `response.created`, `response.output_item.added`/`.done` (the items it executes),
// `response.output_text.delta`, `response.reasoning_summary_*`, `response.completed`
// (usage; its absence is an error) and `response.failed`. The other standard events
// (content_part.*, function_call_arguments.*, custom_tool_call_input.*) are emitted too:
// other clients and Codex's UI need them, and a text delta with no announced item/part is
// what made Codex log "OutputTextDelta without active item" behind peers (CodexPlusPlus
// #1857). No non-standard event is ever emitted (LiteLLM #29254: Codex disconnected on one).
//
// Anthropic's stream (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
// message_start, then per block content_block_start / _delta / _stop, message_delta
// (stop_reason; usage is CUMULATIVE — assigned here, never added), message_stop; `ping`
// anywhere; an `error` event (e.g. overloaded_error) can arrive after the 200.
import { openAIErrorFromAnthropic, type OpenAIError } from './errors.js'
import { encodeThinkingCarry, type ThinkingBlock } from './reasoning-carry.js'
import { SseDecoder, sseFrame } from './sse.js'
import { CUSTOM_INPUT_FIELD, type ToolOrigin } from './tools.js'

export interface StreamOptions {
  /** The model name the client asked for (reported back, used for pricing). */
  model: string
  /** Claude tool name → Codex tool (from the request's tool catalogue). */
  origins: Map<string, ToolOrigin>
  /** Seconds since the epoch for `created_at`. */
  createdAt: number
}

export interface ClaudeUsage {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  output_tokens: number
}

type Item = Record<string, unknown> & { id: string; type: string }

interface OpenBlock {
  kind: 'text' | 'thinking' | 'redacted' | 'function' | 'custom'
  item: Item
  outputIndex: number
  text: string
  signature: string
  data: string
  initialInput: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined)

/** The Responses usage object for Claude's counts (input_tokens there EXCLUDES cache reads and writes). */
export function responsesUsage(u: ClaudeUsage): Record<string, unknown> {
  const input = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens
  return {
    input_tokens: input,
    // `cache_write_tokens` is not an OpenAI field: Codex ignores it, the proxy prices it.
    input_tokens_details: { cached_tokens: u.cache_read_input_tokens, cache_write_tokens: u.cache_creation_input_tokens },
    output_tokens: u.output_tokens,
    // No output_tokens_details: Claude does not report thinking tokens apart (they are in
    // output_tokens), and Codex requires an integer there if the object is present.
    total_tokens: input + u.output_tokens,
  }
}

export class ResponsesTranslator {
  private readonly opts: StreamOptions
  private responseId = ''
  private seq = 0
  private started = false
  private finished = false
  private readonly blocks = new Map<number, OpenBlock>()
  private readonly output: Item[] = []
  private itemCounter = 0
  private stopReason: string | null = null
  readonly usage: ClaudeUsage = { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 }

  constructor(opts: StreamOptions) {
    this.opts = opts
  }

  get done(): boolean {
    return this.finished
  }

  /** One Anthropic event (already JSON-parsed) → zero or more Responses SSE frames. */
  onEvent(type: string, data: unknown): string[] {
    if (this.finished) return []
    const ev = isObject(data) ? data : {}
    switch (type) {
      case 'message_start':
        return this.start(isObject(ev.message) ? ev.message : {})
      case 'content_block_start':
        return this.blockStart(ev)
      case 'content_block_delta':
        return this.blockDelta(ev)
      case 'content_block_stop':
        return this.blockStop(ev)
      case 'message_delta':
        if (isObject(ev.delta) && typeof ev.delta.stop_reason === 'string') this.stopReason = ev.delta.stop_reason
        this.assignUsage(ev.usage)
        return []
      case 'message_stop':
        return this.finish()
      case 'error':
        return this.fail(openAIErrorFromAnthropic(ev, 'the upstream reported an error mid-stream'))
      default:
        // `ping`, and event types Anthropic may add later ("handle unknown events gracefully").
        return []
    }
  }

  /** The upstream stream ended (or broke) before message_stop: the response failed. */
  onEnd(reason = 'the upstream stream ended before message_stop'): string[] {
    if (this.finished) return []
    return this.fail({ message: `anthropic: ${reason}`, type: 'server_error', code: 'server_error' })
  }

  private frame(type: string, payload: Record<string, unknown>): string {
    return sseFrame(type, { type, sequence_number: this.seq++, ...payload })
  }

  private response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: this.responseId,
      object: 'response',
      created_at: this.opts.createdAt,
      status,
      model: this.opts.model,
      output: status === 'in_progress' ? [] : this.output,
      usage: status === 'in_progress' ? null : responsesUsage(this.usage),
      error: null,
      incomplete_details: null,
      ...extra,
    }
  }

  private ensureStarted(out: string[]): void {
    if (this.started) return
    this.started = true
    if (!this.responseId) this.responseId = `resp_${Date.now().toString(36)}`
    out.push(this.frame('response.created', { response: this.response('in_progress') }))
    out.push(this.frame('response.in_progress', { response: this.response('in_progress') }))
  }

  private start(message: Record<string, unknown>): string[] {
    if (typeof message.id === 'string' && message.id.length > 0) this.responseId = `resp_${message.id}`
    this.assignUsage(message.usage)
    const out: string[] = []
    this.ensureStarted(out)
    return out
  }

  private assignUsage(raw: unknown): void {
    if (!isObject(raw)) return
    // Cumulative counts: the latest value replaces the earlier one (adding them double-counts).
    for (const key of ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'] as const) {
      const v = count(raw[key])
      if (v !== undefined) this.usage[key] = v
    }
  }

  private nextId(prefix: string): string {
    return `${prefix}_${this.responseId.replace(/^resp_/, '')}_${this.itemCounter++}`
  }

  private blockStart(ev: Record<string, unknown>): string[] {
    const index = typeof ev.index === 'number' ? ev.index : -1
    const cb = isObject(ev.content_block) ? ev.content_block : {}
    const out: string[] = []
    this.ensureStarted(out)
    const outputIndex = this.output.length
    const open = (kind: OpenBlock['kind'], item: Item): OpenBlock => {
      const block: OpenBlock = { kind, item, outputIndex, text: '', signature: '', data: '', initialInput: undefined }
      this.blocks.set(index, block)
      this.output.push(item)
      out.push(this.frame('response.output_item.added', { output_index: outputIndex, item: { ...item } }))
      return block
    }
    switch (cb.type) {
      case 'text': {
        const id = this.nextId('msg')
        const block = open('text', { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] })
        out.push(this.frame('response.content_part.added', { item_id: id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }))
        if (typeof cb.text === 'string' && cb.text.length > 0) out.push(...this.textDelta(block, cb.text))
        break
      }
      case 'thinking': {
        const id = this.nextId('rs')
        const block = open('thinking', { id, type: 'reasoning', summary: [] })
        out.push(this.frame('response.reasoning_summary_part.added', { item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } }))
        if (typeof cb.thinking === 'string' && cb.thinking.length > 0) out.push(...this.thinkingDelta(block, cb.thinking))
        if (typeof cb.signature === 'string') block.signature = cb.signature
        break
      }
      case 'redacted_thinking': {
        const block = open('redacted', { id: this.nextId('rs'), type: 'reasoning', summary: [] })
        block.data = typeof cb.data === 'string' ? cb.data : ''
        break
      }
      case 'tool_use': {
        const claudeName = typeof cb.name === 'string' ? cb.name : ''
        const callId = typeof cb.id === 'string' ? cb.id : this.nextId('call')
        // A name Claude made up (not offered) goes to Codex as a function call, which
        // answers "unsupported call" and lets the model recover.
        const origin = this.opts.origins.get(claudeName) ?? { kind: 'function' as const, name: claudeName }
        const ns = origin.namespace ? { namespace: origin.namespace } : {}
        const block =
          origin.kind === 'custom'
            ? open('custom', { id: this.nextId('ctc'), type: 'custom_tool_call', status: 'in_progress', call_id: callId, name: origin.name, input: '', ...ns })
            : open('function', { id: this.nextId('fc'), type: 'function_call', status: 'in_progress', call_id: callId, name: origin.name, arguments: '', ...ns })
        block.initialInput = cb.input
        break
      }
      default:
        // Server-tool blocks and future types: nothing Codex could run.
        break
    }
    return out
  }

  private textDelta(block: OpenBlock, delta: string): string[] {
    block.text += delta
    return [this.frame('response.output_text.delta', { item_id: block.item.id, output_index: block.outputIndex, content_index: 0, delta, logprobs: [] })]
  }

  private thinkingDelta(block: OpenBlock, delta: string): string[] {
    block.text += delta
    return [this.frame('response.reasoning_summary_text.delta', { item_id: block.item.id, output_index: block.outputIndex, summary_index: 0, delta })]
  }

  private blockDelta(ev: Record<string, unknown>): string[] {
    const block = typeof ev.index === 'number' ? this.blocks.get(ev.index) : undefined
    const d = isObject(ev.delta) ? ev.delta : {}
    if (!block) return []
    switch (d.type) {
      case 'text_delta':
        return block.kind === 'text' && typeof d.text === 'string' && d.text.length > 0 ? this.textDelta(block, d.text) : []
      case 'thinking_delta':
        return block.kind === 'thinking' && typeof d.thinking === 'string' && d.thinking.length > 0 ? this.thinkingDelta(block, d.thinking) : []
      case 'signature_delta':
        if (block.kind === 'thinking' && typeof d.signature === 'string') block.signature += d.signature
        return []
      case 'input_json_delta': {
        if (typeof d.partial_json !== 'string' || d.partial_json.length === 0) return []
        block.text += d.partial_json
        if (block.kind !== 'function') return [] // custom: unwrapped at the block's end
        return [this.frame('response.function_call_arguments.delta', { item_id: block.item.id, output_index: block.outputIndex, delta: d.partial_json })]
      }
      default:
        return []
    }
  }

  private blockStop(ev: Record<string, unknown>): string[] {
    const index = typeof ev.index === 'number' ? ev.index : -1
    const block = this.blocks.get(index)
    if (!block) return []
    this.blocks.delete(index)
    return this.closeBlock(block)
  }

  private closeBlock(block: OpenBlock): string[] {
    const { item, outputIndex } = block
    const base = { item_id: item.id, output_index: outputIndex }
    const out: string[] = []
    const done = (fields: Record<string, unknown>) => {
      Object.assign(item, fields)
      out.push(this.frame('response.output_item.done', { output_index: outputIndex, item: { ...item } }))
    }
    switch (block.kind) {
      case 'text': {
        const part = { type: 'output_text', text: block.text, annotations: [] }
        out.push(this.frame('response.output_text.done', { ...base, content_index: 0, text: block.text, logprobs: [] }))
        out.push(this.frame('response.content_part.done', { ...base, content_index: 0, part }))
        done({ status: 'completed', content: [part] })
        break
      }
      case 'thinking':
      case 'redacted': {
        const carried: ThinkingBlock =
          block.kind === 'thinking' ? { type: 'thinking', thinking: block.text, signature: block.signature } : { type: 'redacted_thinking', data: block.data }
        const summary = block.kind === 'thinking' && block.text.length > 0 ? [{ type: 'summary_text', text: block.text }] : []
        if (block.kind === 'thinking') {
          out.push(this.frame('response.reasoning_summary_text.done', { ...base, summary_index: 0, text: block.text }))
          out.push(this.frame('response.reasoning_summary_part.done', { ...base, summary_index: 0, part: { type: 'summary_text', text: block.text } }))
        }
        done({ summary, encrypted_content: encodeThinkingCarry([carried]) })
        break
      }
      case 'function': {
        const args = block.text.length > 0 ? block.text : JSON.stringify(isObject(block.initialInput) ? block.initialInput : {})
        out.push(this.frame('response.function_call_arguments.done', { ...base, arguments: args }))
        done({ status: 'completed', arguments: args })
        break
      }
      case 'custom': {
        const input = unwrapCustomInput(block.text, block.initialInput)
        if (input.length > 0) out.push(this.frame('response.custom_tool_call_input.delta', { ...base, delta: input }))
        out.push(this.frame('response.custom_tool_call_input.done', { ...base, input }))
        done({ status: 'completed', input })
        break
      }
    }
    return out
  }

  private finish(): string[] {
    const out: string[] = []
    this.ensureStarted(out)
    // A block Anthropic never closed is closed here, so every announced item is done.
    for (const [index, block] of [...this.blocks.entries()].sort((a, b) => a[0] - b[0])) {
      this.blocks.delete(index)
      out.push(...this.closeBlock(block))
    }
    this.finished = true
    if (this.stopReason === 'max_tokens' || this.stopReason === 'model_context_window_exceeded') {
      const reason = this.stopReason === 'max_tokens' ? 'max_output_tokens' : 'max_input_tokens'
      out.push(this.frame('response.incomplete', { response: this.response('incomplete', { incomplete_details: { reason } }) }))
    } else {
      out.push(this.frame('response.completed', { response: this.response('completed') }))
    }
    return out
  }

  private fail(error: OpenAIError): string[] {
    const out: string[] = []
    this.ensureStarted(out)
    this.finished = true
    out.push(this.frame('response.failed', { response: this.response('failed', { error: { code: error.code, message: error.message } }) }))
    return out
  }
}

/** `{"input": "<raw>"}` → `<raw>`; anything else is passed on as the raw JSON text (Codex then reports the bad input to the model). */
export function unwrapCustomInput(json: string, initial: unknown): string {
  let parsed: unknown = initial
  if (json.length > 0) {
    try {
      parsed = JSON.parse(json)
    } catch {
      return json
    }
  }
  if (isObject(parsed) && typeof parsed[CUSTOM_INPUT_FIELD] === 'string') return parsed[CUSTOM_INPUT_FIELD]
  return json
}

export interface TranslateStreamOptions extends StreamOptions {
  /** Sees every upstream byte (the record keeps the provider's raw stream). */
  onRaw?: (chunk: Uint8Array) => void
  /** Called once with the final Claude usage (after message_stop or failure). */
  onUsage?: (usage: ClaudeUsage) => void
}

/** Messages SSE bytes → Responses SSE bytes, as a stream. */
export function translateMessagesStream(upstream: ReadableStream<Uint8Array>, options: TranslateStreamOptions): ReadableStream<Uint8Array> {
  const translator = new ResponsesTranslator(options)
  const decoder = new SseDecoder()
  const encoder = new TextEncoder()
  const emit = (controller: TransformStreamDefaultController<Uint8Array>, frames: string[]) => {
    if (frames.length > 0) controller.enqueue(encoder.encode(frames.join('')))
  }
  const handle = (controller: TransformStreamDefaultController<Uint8Array>, events: { event: string; data: string }[]) => {
    for (const e of events) {
      let data: unknown
      try {
        data = JSON.parse(e.data)
      } catch {
        emit(controller, translator.onEnd(`unreadable ${e.event} event from the upstream`))
        return
      }
      // Anthropic names the event twice (the SSE `event:` line and `type` in the data).
      const type = e.event !== 'message' ? e.event : isObject(data) && typeof data.type === 'string' ? data.type : ''
      emit(controller, translator.onEvent(type, data))
    }
  }
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      options.onRaw?.(chunk)
      try {
        handle(controller, decoder.push(chunk))
      } catch (err) {
        emit(controller, translator.onEnd((err as Error).message))
      }
    },
    flush(controller) {
      handle(controller, decoder.end())
      emit(controller, translator.onEnd())
      options.onUsage?.(translator.usage)
    },
  })
  return upstream.pipeThrough(transform)
}
