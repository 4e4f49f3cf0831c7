// What it takes to speak to one kind of upstream. The proxy core works in the Responses
// API (what Codex sends); an adapter turns that request into the upstream's request and
// the upstream's response back into what the client expects. `openai` is the identity,
// `azure` changes the address, the key header and the model name (core/upstreams/azure.ts);
// the Claude helper adds `anthropic` and `bedrock` in adapters.ts.
import type { Upstream } from '../../contracts/upstreams.js'
import type { Refusal } from '../refusal.js'

/** A refusal with a catalogue error: the core's stage refusal (core/refusal.ts). */
export type { Refusal }

export interface PreparedCall {
  url: string
  method: string
  headers: Headers
  body?: Uint8Array
}

export interface AdapterRequest {
  method: string
  /** Normalised path with `/v1`. */
  path: string
  query: string | null
  /** The client's request headers (credentials are dropped by `prepare`). */
  headers: Headers
  /** The body to send (after redaction, and after any encrypted-reasoning strip). */
  body: Uint8Array | undefined
  /** The body parsed, when it is a JSON object. */
  json: Record<string, unknown> | undefined
  model: string | null
  /** Sent as `content-encoding` when the body is forwarded still encoded (it could not be decoded). */
  contentEncoding?: string
}

export interface UpstreamAdapter {
  /** Codex-side request (Responses API) → the upstream's request; may refuse (e.g. unsupported tool). */
  prepare(req: AdapterRequest, upstream: Upstream, key: string | undefined): PreparedCall | { refusal: Refusal }
  /** Sends it; default is the injected fetch. Bedrock sends through the AWS SDK instead. */
  send?(call: PreparedCall, signal: AbortSignal): Promise<Response>
  /**
   * Upstream response → what the client gets (identity for openai; deployment→model for
   * azure; Messages SSE → Responses SSE for anthropic/bedrock). Must stream, not buffer.
   */
  adaptResponse(res: Response, req: AdapterRequest, upstream: Upstream): Response
}

export function isRefusal(p: PreparedCall | { refusal: Refusal }): p is { refusal: Refusal } {
  return 'refusal' in p
}
