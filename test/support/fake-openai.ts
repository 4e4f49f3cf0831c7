// A fake OpenAI API for tests and benchmarks: Responses (SSE and JSON), Chat
// Completions, the model list, with the usage objects of the real API, timed pauses
// between events, and hooks for fault scenarios. It records every request it gets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeUsage {
  input_tokens: number
  cached_tokens: number
  output_tokens: number
  reasoning_tokens: number
}

export interface ReceivedRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  rawHeaders: string[]
  body: Buffer
  json: unknown
}

export interface FakeOpenAIOptions {
  reply?: string
  model?: string
  usage?: FakeUsage
  /** Pause before each SSE event after the first (ms). */
  eventDelayMs?: number
  /** Number of text deltas the reply is split into. */
  deltas?: number
  /** Bytes of padding text per delta (large-response tests). */
  deltaPaddingBytes?: number
  /** Keep every request in `requests` (default true; load runs turn it off). */
  recordRequests?: boolean
}

/** Return true when the request was handled (fault scenarios). */
export type Override = (req: ReceivedRequest, res: ServerResponse) => boolean | Promise<boolean>

export interface FakeOpenAI {
  url: string
  requests: ReceivedRequest[]
  options: FakeOpenAIOptions
  override: Override | undefined
  /** Monotonic times at which each SSE event of the last stream was written. */
  lastStreamEventTimes: number[]
  /** The full text of the last SSE stream written. */
  lastStreamBody: string
  close(): Promise<void>
}

export const DEFAULT_USAGE: FakeUsage = { input_tokens: 1200, cached_tokens: 1000, output_tokens: 300, reasoning_tokens: 120 }

export function responsesUsage(u: FakeUsage) {
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
    total_tokens: u.input_tokens + u.output_tokens,
  }
}

export function sseEvent(event: { type: string; [k: string]: unknown }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** The SSE events of a Responses stream that says `reply`. */
export function responsesStreamEvents(options: Required<Pick<FakeOpenAIOptions, 'reply' | 'model' | 'usage' | 'deltas'>> & { padding?: number }): string[] {
  const id = 'resp_fake'
  const itemId = 'msg_fake'
  const parts: string[] = []
  const n = Math.max(1, options.deltas)
  const size = Math.ceil(options.reply.length / n)
  for (let i = 0; i < n; i++) parts.push(options.reply.slice(i * size, (i + 1) * size))
  const pad = options.padding ? ' '.repeat(options.padding) : ''
  const base = { id, object: 'response', model: options.model, status: 'in_progress', output: [], usage: null }
  return [
    sseEvent({ type: 'response.created', sequence_number: 0, response: base }),
    sseEvent({ type: 'response.output_item.added', output_index: 0, item: { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] } }),
    ...parts.map((delta, i) =>
      sseEvent({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, sequence_number: i + 2, delta: delta + pad }),
    ),
    sseEvent({
      type: 'response.output_item.done',
      output_index: 0,
      item: { id: itemId, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: options.reply, annotations: [] }] },
    }),
    sseEvent({
      type: 'response.completed',
      response: {
        ...base,
        status: 'completed',
        output: [{ id: itemId, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: options.reply }] }],
        usage: responsesUsage(options.usage),
      },
    }),
  ]
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const state: FakeOpenAI = {
    url: '',
    requests: [],
    options,
    override: undefined,
    lastStreamEventTimes: [],
    lastStreamBody: '',
    close: async () => {},
  }
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req)
    let json: unknown
    try {
      json = body.length ? JSON.parse(body.toString('utf8')) : undefined
    } catch {
      json = undefined
    }
    const received: ReceivedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      json,
    }
    if (state.options.recordRequests !== false) state.requests.push(received)
    if (state.override && (await state.override(received, res))) return
    await route(state, received, res)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

const FAKE_MODELS = ['gpt-5.1-codex', 'gpt-5.1-codex-mini', 'gpt-5', 'o4-mini']

async function route(state: FakeOpenAI, req: ReceivedRequest, res: ServerResponse): Promise<void> {
  const o = state.options
  const reply = o.reply ?? 'Hello from the fake upstream.'
  const model = o.model ?? 'gpt-5.1-codex'
  const usage = o.usage ?? DEFAULT_USAGE
  const path = req.url.split('?')[0]
  const body = (req.json ?? {}) as { stream?: boolean; model?: string }

  if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
    return json(res, 200, {
      object: 'list',
      data: FAKE_MODELS.map((id) => ({ id, object: 'model', owned_by: 'openai' })),
    })
  }
  const lookup = /^\/(?:v1\/)?models\/([^/]+)$/.exec(path ?? '')
  if (req.method === 'GET' && lookup) {
    // GET /v1/models/{model}: the model object, or OpenAI's 404 for an unknown id.
    const id = decodeURIComponent(lookup[1]!)
    if (!FAKE_MODELS.includes(id)) return json(res, 404, { error: { message: `The model '${id}' does not exist`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } })
    return json(res, 200, { id, object: 'model', created: 1_700_000_000, owned_by: 'openai' })
  }
  if (req.method === 'POST' && (path === '/v1/responses' || path === '/responses')) {
    if (body.stream) {
      const events = responsesStreamEvents({ reply, model: body.model ?? model, usage, deltas: o.deltas ?? 3, padding: o.deltaPaddingBytes })
      return writeStream(state, res, events, o.eventDelayMs ?? 0)
    }
    return json(res, 200, {
      id: 'resp_fake',
      object: 'response',
      model: body.model ?? model,
      status: 'completed',
      output: [{ id: 'msg_fake', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: reply }] }],
      usage: responsesUsage(usage),
    })
  }
  if (req.method === 'POST' && path === '/v1/responses/compact') {
    return json(res, 200, { output: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'compacted' }] }], usage: responsesUsage(usage) })
  }
  if (req.method === 'POST' && path === '/v1/chat/completions') {
    const chatUsage = {
      prompt_tokens: usage.input_tokens,
      completion_tokens: usage.output_tokens,
      total_tokens: usage.input_tokens + usage.output_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens },
      completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
    }
    if (body.stream) {
      const chunk = (delta: object, extra: object = {}) =>
        `data: ${JSON.stringify({ id: 'chatcmpl_fake', object: 'chat.completion.chunk', model: body.model ?? model, choices: [{ index: 0, delta }], ...extra })}\n\n`
      return writeStream(
        state,
        res,
        [chunk({ role: 'assistant', content: reply }), `data: ${JSON.stringify({ id: 'chatcmpl_fake', object: 'chat.completion.chunk', model: body.model ?? model, choices: [], usage: chatUsage })}\n\n`, 'data: [DONE]\n\n'],
        o.eventDelayMs ?? 0,
      )
    }
    return json(res, 200, {
      id: 'chatcmpl_fake',
      object: 'chat.completion',
      model: body.model ?? model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
      usage: chatUsage,
    })
  }
  json(res, 404, { error: { message: `fake upstream: no route for ${req.method} ${path}`, type: 'invalid_request_error', code: 'unknown_url' } })
}

async function writeStream(state: FakeOpenAI, res: ServerResponse, events: string[], delayMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_fake_upstream' })
  res.flushHeaders()
  state.lastStreamEventTimes = []
  state.lastStreamBody = events.join('')
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
    if (res.destroyed) return
    state.lastStreamEventTimes.push(performance.now())
    res.write(events[i])
  }
  res.end()
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': 'req_fake_upstream' })
  res.end(text)
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
