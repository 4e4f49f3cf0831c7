// The `anthropic` and `bedrock` upstream adapters (core/upstreams/adapter.ts): Codex's
// Responses request → a Claude Messages request, and Claude's stream → a Responses stream.
//
// anthropic: POST {url}/v1/messages with `x-api-key` and `anthropic-version`
//   (https://docs.anthropic.com/en/api/versioning), the interleaved-thinking beta when the
//   model thinks between tool calls.
// bedrock: InvokeModelWithResponseStream on {url}/model/{id}/invoke-with-response-stream,
//   signed by the SDK with the function's IAM role (no key); the model id is the upstream's
//   `models` rename of the client's model (e.g. claude-sonnet-4-5 →
//   us.anthropic.claude-sonnet-4-5-20250929-v1:0).
import { upstreamModelName, type Upstream } from '../../contracts/upstreams.js'
import type { AdapterRequest, PreparedCall, Refusal, UpstreamAdapter } from '../../core/upstreams/adapter.js'
import { bedrockInvokeUrl, bedrockRegion, sendToBedrock } from './bedrock.js'
import { openAIErrorFromAnthropic } from './errors.js'
import { toMessagesRequest, type Translation } from './to-messages.js'
import { translateMessagesStream } from './to-responses-stream.js'
import { buildToolCatalogue } from './tools.js'

export const ANTHROPIC_VERSION = '2023-06-01'
/** Thinking between tool calls (Claude 4 models): https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#interleaved-thinking */
export const INTERLEAVED_THINKING_BETA = 'interleaved-thinking-2025-05-14'
/** The provider's raw stream kept per adapted response, for the record (bytes beyond this are counted, not kept). */
export const RAW_CAPTURE_CAP_BYTES = 4 * 1024 * 1024

export interface RawCapture {
  chunks: Uint8Array[]
  bytes: number
  truncated: boolean
  /** Final Claude usage, with cache writes (set when the stream ends). */
  usage?: { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number; output_tokens: number }
}

/** What the provider itself sent, by the adapted Response the client gets (read by the record builder). */
export const providerRawStreams = new WeakMap<Response, RawCapture>()

/** The text of a raw capture (UTF-8; the Bedrock capture is the re-encoded SSE of its chunks). */
export function rawCaptureText(capture: RawCapture): string {
  const all = new Uint8Array(capture.chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of capture.chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return new TextDecoder().decode(all)
}

function translate(req: AdapterRequest, upstream: Upstream, target: 'anthropic' | 'bedrock'): { translation: Translation } | { refusal: Refusal } {
  if (req.method !== 'POST' || req.path !== '/v1/responses') {
    return { refusal: { code: 'unsupported_for_model', detail: `${req.method} ${req.path}: only POST /v1/responses is translated for ${req.model ?? 'this model'} (${upstream.kind} upstream ${upstream.id})` } }
  }
  if (!req.json) return { refusal: { code: 'unsupported_for_model', detail: 'the body must be a JSON object' } }
  if (typeof req.json.previous_response_id === 'string') {
    return { refusal: { code: 'unsupported_for_model', detail: 'previous_response_id: Claude keeps no server-side conversation; resend the history (store: false, as Codex does)' } }
  }
  const model = req.model ?? (typeof req.json.model === 'string' ? req.json.model : '')
  const result = toMessagesRequest(req.json, { upstreamModel: upstreamModelName(upstream, model), target })
  if (!result.ok) return { refusal: { code: 'unsupported_for_model', detail: result.detail } }
  return { translation: result.translation }
}

/** Interleaved thinking is a Claude 4 feature: asked for when the model thinks and has tools (Claude 3.7 thinks, but not between tool calls). */
function wantsInterleavedThinking(t: Translation, model: string | null): boolean {
  return t.thinking && t.catalogue.tools.length > 0 && !/claude-3-/i.test(model ?? '')
}

const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body))

/** GET /v1/models (Codex's model list, `validate`'s probe): Anthropic lists its models at the same path. */
const MODEL_LIST = /^\/v1\/models$/

export const anthropicAdapter: UpstreamAdapter = {
  prepare(req, upstream, key) {
    if (req.method === 'GET' && MODEL_LIST.test(req.path)) {
      const headers = new Headers({ accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION })
      if (key) headers.set('x-api-key', key)
      return { url: `${upstream.url}/v1/models?limit=1000`, method: 'GET', headers }
    }
    const t = translate(req, upstream, 'anthropic')
    if ('refusal' in t) return t
    const headers = new Headers({ 'content-type': 'application/json', accept: 'text/event-stream', 'anthropic-version': ANTHROPIC_VERSION })
    if (key) headers.set('x-api-key', key)
    if (wantsInterleavedThinking(t.translation, req.model)) headers.set('anthropic-beta', INTERLEAVED_THINKING_BETA)
    return { url: `${upstream.url}/v1/messages`, method: 'POST', headers, body: encode(t.translation.body) }
  },
  adaptResponse: adaptClaudeResponse,
}

/** Region of each prepared Bedrock call (the send hook gets the call, not the upstream). */
const bedrockRegions = new WeakMap<PreparedCall, string>()

export const bedrockAdapter: UpstreamAdapter = {
  prepare(req, upstream) {
    if (req.method === 'GET' && MODEL_LIST.test(req.path)) {
      // The runtime endpoint has no model list (that is the control plane's
      // ListFoundationModels, another permission); only a model call proves access.
      return { refusal: { code: 'unsupported_for_model', detail: `GET /v1/models: Bedrock upstream ${upstream.id} has no model list on its runtime endpoint; send a request for one of its models to check it` } }
    }
    const t = translate(req, upstream, 'bedrock')
    if ('refusal' in t) return t
    const body = t.translation.body
    // On Bedrock the beta flag travels in the body.
    if (wantsInterleavedThinking(t.translation, req.model)) body.anthropic_beta = [INTERLEAVED_THINKING_BETA]
    const modelId = upstreamModelName(upstream, req.model ?? '')
    const call: PreparedCall = { url: bedrockInvokeUrl(upstream.url, modelId), method: 'POST', headers: new Headers({ 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream' }), body: encode(body) }
    bedrockRegions.set(call, bedrockRegion(upstream.url, upstream.region))
    return call
  },
  send(call, signal) {
    return sendToBedrock(call, bedrockRegions.get(call) ?? bedrockRegion(call.url, undefined), signal)
  },
  adaptResponse: adaptClaudeResponse,
}

/** Claude's answer → the Responses answer Codex expects (stream, JSON, or an OpenAI-shaped error). */
export function adaptClaudeResponse(res: Response, req: AdapterRequest): Response {
  if (req.method === 'GET' && MODEL_LIST.test(req.path) && res.ok) return openAIModelList(res)
  const model = req.model ?? ''
  const headers = new Headers()
  for (const name of ['retry-after', 'request-id', 'x-amzn-requestid']) {
    const v = res.headers.get(name)
    if (v) headers.set(name, v)
  }
  if (!res.ok || !res.body) {
    headers.set('content-type', 'application/json')
    const status = res.status
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const text = await res.text().catch(() => '')
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          parsed = undefined
        }
        controller.enqueue(encode({ error: openAIErrorFromAnthropic(parsed, text.slice(0, 500) || `upstream status ${status}`) }))
        controller.close()
      },
    })
    return new Response(body, { status, headers })
  }
  const catalogue = buildToolCatalogue(req.json?.tools)
  const capture: RawCapture = { chunks: [], bytes: 0, truncated: false }
  const translated = translateMessagesStream(res.body, {
    model,
    origins: catalogue.ok ? catalogue.catalogue.origins : new Map(),
    createdAt: Math.floor(Date.now() / 1000),
    onRaw: (chunk) => {
      capture.bytes += chunk.byteLength
      if (capture.bytes <= RAW_CAPTURE_CAP_BYTES) capture.chunks.push(chunk)
      else capture.truncated = true
    },
    onUsage: (usage) => {
      capture.usage = { ...usage }
    },
  })
  let out: Response
  if (req.json?.stream === true) {
    headers.set('content-type', 'text/event-stream; charset=utf-8')
    headers.set('cache-control', 'no-cache')
    out = new Response(translated, { status: 200, headers })
  } else {
    headers.set('content-type', 'application/json')
    out = new Response(finalResponseBody(translated), { status: 200, headers })
  }
  providerRawStreams.set(out, capture)
  return out
}

/** A non-streamed request: the `response` object of the final event, as one JSON body. */
function finalResponseBody(translated: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const text = await new Response(translated).text()
      let final: unknown
      for (const line of text.split('\n')) {
        if (!line.startsWith('data: ')) continue
        const ev = JSON.parse(line.slice(6)) as { type: string; response?: unknown }
        if (ev.type === 'response.completed' || ev.type === 'response.incomplete' || ev.type === 'response.failed') final = ev.response
      }
      controller.enqueue(encode(final ?? { error: { message: 'anthropic: no final response', type: 'server_error', code: 'server_error' } }))
      controller.close()
    },
  })
}

/** Anthropic's model list (`{data:[{type:"model",id,display_name,created_at}]}`) in OpenAI's shape. */
function openAIModelList(res: Response): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let data: unknown[] = []
      try {
        const parsed = (await res.json()) as { data?: unknown }
        if (Array.isArray(parsed.data)) data = parsed.data
      } catch {
        // an unreadable list is an empty one
      }
      const models = data
        .filter((m): m is { id: string; created_at?: string } => typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string')
        .map((m) => ({ id: m.id, object: 'model', created: m.created_at ? Math.floor(Date.parse(m.created_at) / 1000) || 0 : 0, owned_by: 'anthropic' }))
      controller.enqueue(encode({ object: 'list', data: models }))
      controller.close()
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
}
