// The adapter of each upstream kind. OpenAI and Azure OpenAI (v1 surface) both speak the
// Responses API; they differ in the key header and in Azure's deployment names.
import type { UpstreamKind } from '../../contracts/upstreams.js'
import { upstreamModelName } from '../../contracts/upstreams.js'
import { upstreamRequestHeaders } from '../headers.js'
import type { AdapterRequest, PreparedCall, UpstreamAdapter } from './adapter.js'
import { modelRenameStream, renameRequestModel } from './model-rename.js'
import { anthropicAdapter, bedrockAdapter } from '../../providers/anthropic/adapters.js'
import { withoutThinkingCarries } from '../../providers/anthropic/reasoning-carry.js'
import type { Upstream } from '../../contracts/upstreams.js'

/** OpenAI, and any OpenAI-compatible base URL: the request goes out as it came in. */
export const openaiAdapter: UpstreamAdapter = {
  prepare(req, upstream, key) {
    return responsesCall(req, upstream.url, upstreamRequestHeaders(req.headers, key), openAIBody(req, upstream))
  },
  adaptResponse: renameBack,
}

/**
 * Azure OpenAI, v1 surface (`https://RESOURCE.openai.azure.com/openai/v1/…`, no
 * api-version; https://learn.microsoft.com/azure/ai-foundry/openai/reference-preview-latest):
 * the key goes in the `api-key` header, and `model` names the *deployment*, so the client's
 * model is mapped to its deployment on the way out and back on the way in.
 */
export const azureAdapter: UpstreamAdapter = {
  prepare(req, upstream, key) {
    const headers = upstreamRequestHeaders(req.headers, undefined)
    if (key) headers.set('api-key', key)
    return responsesCall(req, upstream.url, headers, openAIBody(req, upstream))
  },
  adaptResponse: renameBack,
}

/** The body for an OpenAI-API upstream when it must change: Claude thinking carries dropped, the model renamed. */
function openAIBody(req: AdapterRequest, upstream: Upstream): Uint8Array | undefined {
  const stripped = withoutThinkingCarries(req.json)
  if (!stripped) return renameRequestModel(req.json, upstream)
  return renameRequestModel(stripped, upstream) ?? new TextEncoder().encode(JSON.stringify(stripped))
}

function responsesCall(req: AdapterRequest, baseUrl: string, headers: Headers, renamedBody: Uint8Array | undefined): PreparedCall {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const body = hasBody ? (renamedBody ?? req.body) : undefined
  if (req.contentEncoding) headers.set('content-encoding', req.contentEncoding)
  return { url: `${baseUrl}${req.path}${req.query ? `?${req.query}` : ''}`, method: req.method, headers, ...(body && { body }) }
}

/** Upstream model name → the client's model, in whatever body the upstream returns. */
function renameBack(res: Response, req: AdapterRequest, upstream: Parameters<UpstreamAdapter['adaptResponse']>[2]): Response {
  if (!req.model || !res.body) return res
  const upstreamName = upstreamModelName(upstream, req.model)
  if (upstreamName === req.model) return res
  const headers = new Headers(res.headers)
  headers.delete('content-length') // the names differ in length
  return new Response(res.body.pipeThrough(modelRenameStream(upstreamName, req.model)), { status: res.status, statusText: res.statusText, headers })
}

/** Kinds without an adapter yet are refused by the config check of the host that loads them. */
export const ADAPTERS: Partial<Record<UpstreamKind, UpstreamAdapter>> = {
  openai: openaiAdapter,
  azure: azureAdapter,
  // Claude (providers/anthropic/): Responses ↔ Messages translation.
  anthropic: anthropicAdapter,
  bedrock: bedrockAdapter,
}
