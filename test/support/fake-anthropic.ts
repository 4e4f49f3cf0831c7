// A strict fake of Anthropic's Messages API (POST /v1/messages, streaming) and of Amazon
// Bedrock's InvokeModelWithResponseStream for Claude (POST /model/{id}/invoke-with-response-stream,
// AWS event-stream frames built with the SDK's own codec). Requests are checked as strictly
// as the documented API (test/support/anthropic-strict.ts); a failed check answers 400 in
// Anthropic's error shape and is kept in `rejections`. Replies are scripted per request, and
// thinking blocks are signed by the fake so a changed byte on the way back is caught.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { EventStreamCodec } from '@smithy/core/event-streams'
import { type AnthropicEvent, frame, messageEvents, type ScriptedBlock, type ScriptedUsage } from './anthropic-events.js'
import { checkMessagesRequest, signThinking } from './anthropic-strict.js'

export const ANTHROPIC_VERSION = '2023-06-01'

export interface AnthropicRequest {
  flavour: 'messages' | 'bedrock'
  path: string
  headers: Record<string, string | string[] | undefined>
  raw: string
  body: Record<string, unknown>
  /** Bedrock: the model id from the URL. */
  modelId?: string
}

export interface ScriptedReply {
  blocks?: ScriptedBlock[]
  usage?: Partial<ScriptedUsage>
  stopReason?: string
  /** Emit only the first N events, then an in-stream error (e.g. overloaded_error). */
  errorAfter?: { events: number; type: string; message: string }
  /** Answer with an HTTP error instead of a stream. */
  http?: { status: number; type: string; message: string; headers?: Record<string, string> }
  /** Cut the connection after N events. */
  cutAfter?: number
}

export type Script = (req: AnthropicRequest, index: number) => ScriptedReply

export interface FakeAnthropic {
  url: string
  /** The same fake over cleartext HTTP/2: the Bedrock runtime client speaks HTTP/2. */
  h2url: string
  key: string
  secret: string
  requests: AnthropicRequest[]
  rejections: { index: number; problems: string[] }[]
  /** Raw bytes of the last stream written (SSE text, or event-stream frames for Bedrock). */
  lastStream: Buffer
  script: Script
  eventDelayMs: number
  close(): Promise<void>
}

export const DEFAULT_ANTHROPIC_USAGE: ScriptedUsage = { input_tokens: 120, cache_creation_input_tokens: 800, cache_read_input_tokens: 4000, output_tokens: 90 }

const codec = new EventStreamCodec(
  (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8'),
  (text: string) => new Uint8Array(Buffer.from(text, 'utf8')),
)

export function bedrockChunkFrame(event: AnthropicEvent): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: 'chunk' },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify({ bytes: Buffer.from(JSON.stringify(event)).toString('base64') }))),
  })
}

export function bedrockExceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify({ message }))),
  })
}

/** Bedrock's exception name for an Anthropic error type (used by the fake's in-stream errors). */
const BEDROCK_EXCEPTION: Record<string, string> = { overloaded_error: 'serviceUnavailableException', rate_limit_error: 'throttlingException', api_error: 'internalServerException' }

export async function startFakeAnthropic(options: { key?: string; script?: Script; eventDelayMs?: number } = {}): Promise<FakeAnthropic> {
  const state: FakeAnthropic = {
    url: '',
    h2url: '',
    key: options.key ?? 'sk-ant-fake-key-0123456789',
    secret: 'fake-thinking-secret',
    requests: [],
    rejections: [],
    lastStream: Buffer.alloc(0),
    script: options.script ?? (() => ({ blocks: [{ type: 'text', text: 'Hello from fake Claude.' }] })),
    eventDelayMs: options.eventDelayMs ?? 0,
    close: async () => {},
  }
  const server: Server = createServer((req, res) => {
    void handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: `fake crashed: ${String(err)}` } }))
    })
  })
  const h2 = createH2Server((req, res) => {
    void handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `fake crashed: ${String(err)}` }))
    })
  })
  const sessions = new Set<Http2Session>()
  h2.on('session', (s) => {
    sessions.add(s)
    s.on('close', () => sessions.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', () => resolve()))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.h2url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`
  state.close = async () => {
    for (const s of sessions) s.destroy()
    await new Promise<void>((resolve) => h2.close(() => resolve()))
    await new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
  return state
}

async function readAll(req: IncomingMessage | Http2ServerRequest): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

function anthropicError(res: ServerResponse | Http2ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...headers }).end(JSON.stringify({ type: 'error', error: { type, message } }))
}

async function handle(state: FakeAnthropic, req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): Promise<void> {
  const raw = (await readAll(req)).toString('utf8')
  const path = (req.url ?? '').split('?')[0]!
  const bedrock = /^\/model\/([^/]+)\/invoke-with-response-stream$/.exec(path)
  if (req.method === 'GET' && path === '/v1/models') {
    // https://docs.anthropic.com/en/api/models-list
    if (req.headers['x-api-key'] !== state.key) return anthropicError(res, 401, 'authentication_error', 'invalid x-api-key')
    if (req.headers['anthropic-version'] !== ANTHROPIC_VERSION) return anthropicError(res, 400, 'invalid_request_error', 'anthropic-version: header required')
    const data = [
      { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
      { type: 'model', id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
    ]
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, has_more: false, first_id: data[0]!.id, last_id: data[1]!.id }))
    return
  }
  if (req.method !== 'POST' || (path !== '/v1/messages' && !bedrock)) return anthropicError(res, 404, 'not_found_error', `fake: no route for ${req.method} ${path}`)
  const flavour = bedrock ? 'bedrock' : 'messages'
  let body: Record<string, unknown>
  try {
    body = JSON.parse(raw) as Record<string, unknown>
  } catch {
    return anthropicError(res, 400, 'invalid_request_error', 'body: not valid JSON')
  }
  const record: AnthropicRequest = { flavour, path, headers: req.headers, raw, body, ...(bedrock && { modelId: decodeURIComponent(bedrock[1]!) }) }
  state.requests.push(record)
  const index = state.requests.length - 1

  const problems: string[] = []
  if (flavour === 'messages') {
    if (req.headers['x-api-key'] !== state.key) return anthropicError(res, 401, 'authentication_error', 'invalid x-api-key')
    if (req.headers['anthropic-version'] !== ANTHROPIC_VERSION) problems.push(`anthropic-version: header required (${ANTHROPIC_VERSION})`)
    if (body.stream !== true) problems.push('stream: this fake only serves streamed requests')
  } else if (!/^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? ''))) {
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnrecognizedClientException' }).end(JSON.stringify({ message: 'missing SigV4 signature' }))
    return
  }
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push('content-type: application/json required')
  problems.push(...checkMessagesRequest(body, { secret: state.secret, flavour }))
  if (problems.length > 0) {
    state.rejections.push({ index, problems })
    if (flavour === 'bedrock') {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException' }).end(JSON.stringify({ message: problems.join('; ') }))
      return
    }
    return anthropicError(res, 400, 'invalid_request_error', problems.join('; '))
  }

  const reply = state.script(record, index)
  if (reply.http) {
    if (flavour === 'bedrock') {
      res.writeHead(reply.http.status, { 'content-type': 'application/json', 'x-amzn-errortype': reply.http.type, ...reply.http.headers }).end(JSON.stringify({ message: reply.http.message }))
      return
    }
    return anthropicError(res, reply.http.status, reply.http.type, reply.http.message, reply.http.headers)
  }
  const blocks = (reply.blocks ?? [{ type: 'text', text: 'ok' }]).map((b) =>
    b.type === 'thinking' ? { ...b, signature: signThinking(state.secret, b.thinking ?? '') } : b.type === 'redacted_thinking' ? { ...b, data: signThinking(state.secret, 'redacted') } : b,
  )
  const model = flavour === 'bedrock' ? record.modelId! : String(body.model)
  let events = messageEvents({ id: `msg_fake_${index}`, model, blocks, usage: { ...DEFAULT_ANTHROPIC_USAGE, ...reply.usage }, pingAfter: 0, ...(reply.stopReason && { stopReason: reply.stopReason }) })
  if (reply.errorAfter) events = [...events.slice(0, reply.errorAfter.events), { type: 'error', error: { type: reply.errorAfter.type, message: reply.errorAfter.message } }]
  if (reply.cutAfter !== undefined) events = events.slice(0, reply.cutAfter)

  const written: Buffer[] = []
  if (flavour === 'bedrock') res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'fake-bedrock-req' })
  else res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': `req_fake_${index}` })
  for (const [i, event] of events.entries()) {
    if (i > 0 && state.eventDelayMs > 0) await new Promise((r) => setTimeout(r, state.eventDelayMs))
    let bytes: Buffer
    if (flavour === 'bedrock') {
      // Bedrock sends no ping, and reports a mid-stream error as an exception frame.
      if (event.type === 'ping') continue
      bytes = Buffer.from(
        event.type === 'error'
          ? bedrockExceptionFrame(BEDROCK_EXCEPTION[(event.error as { type: string }).type] ?? 'internalServerException', (event.error as { message: string }).message)
          : bedrockChunkFrame(event),
      )
    } else bytes = Buffer.from(frame(event))
    written.push(bytes)
    ;(res as ServerResponse).write(bytes)
  }
  state.lastStream = Buffer.concat(written)
  if (reply.cutAfter === undefined) res.end()
  else if ('destroy' in res && typeof res.destroy === 'function') res.destroy()
  else (res as Http2ServerResponse).stream.close(2) // NGHTTP2_INTERNAL_ERROR
}
