// Default-deny endpoint policy: which OpenAI API endpoints the proxy forwards, in groups
// an admin enables per deployment, per team or per token (SPEC "Requests accepted").
// Read by the proxy core (endpoint-policy and body-inspection stages), the ops CLI
// (`--endpoints` flags) and the Pulumi program (config `endpoints`).
//
// Each endpoint also says what the proxy can know about it, because the controls depend
// on that (SPEC "Inspect or refuse"):
// - body:     what its request body is ('json', 'multipart' upload, or 'none');
// - model:    where the model is named ('body', 'path'), 'none' (no model runs), or
//             'opaque' — a model runs but the request does not name it (a batch runs
//             whatever its input file says), so a model allow-list cannot be enforced;
// - metering: 'usage' — its cost is measured from the upstream's usage in the answer;
//             'free' — it costs nothing (reads, deletes, the model list, moderation);
//             'unmetered' — it costs money the proxy cannot measure from the exchange
//             (batches, image and audio generation, fine-tuning, storage).
// Paths are matched after /v1 normalisation, without the query string.

export const ENDPOINT_GROUPS = [
  'codex',
  'responses',
  'conversations',
  'chat',
  'completions',
  'embeddings',
  'moderations',
  'images',
  'audio',
  'files',
  'uploads',
  'batches',
  'fine_tuning',
  'vector_stores',
  'assistants',
  'realtime',
  'containers',
  'evals',
  'videos',
  'all',
] as const
export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number]

/** What a deployment forwards when nothing is configured: exactly what Codex uses. */
export const DEFAULT_ENDPOINT_GROUPS: readonly EndpointGroup[] = ['codex']

export type EndpointBody = 'json' | 'multipart' | 'none'
export type EndpointModel = 'body' | 'path' | 'none' | 'opaque'
export type EndpointMetering = 'usage' | 'free' | 'unmetered'

export interface Endpoint {
  group: Exclude<EndpointGroup, 'all'> | 'other'
  /** `GET` rules match `HEAD` too. */
  method: 'GET' | 'POST' | 'DELETE' | '*'
  pattern: RegExp
  body: EndpointBody
  model: EndpointModel
  metering: EndpointMetering
}

const ID = '[^/]+'
const e = (group: Endpoint['group'], method: Endpoint['method'], path: string, body: EndpointBody, model: EndpointModel, metering: EndpointMetering): Endpoint => ({
  group,
  method,
  pattern: new RegExp(`^/v1${path}$`),
  body,
  model,
  metering,
})

/** First match wins. What Codex CLI 0.169 calls comes first (verified by the e2e suite). */
export const ENDPOINTS: readonly Endpoint[] = [
  e('codex', 'POST', '/responses', 'json', 'body', 'usage'),
  e('codex', 'POST', '/responses/compact', 'json', 'body', 'usage'),
  e('codex', 'GET', '/models', 'none', 'none', 'free'),
  e('codex', 'GET', `/models/${ID}`, 'none', 'path', 'free'),
  e('responses', 'POST', '/responses/input_tokens', 'json', 'body', 'free'),
  e('responses', 'POST', `/responses/${ID}/cancel`, 'none', 'none', 'free'),
  e('responses', 'GET', `/responses/${ID}(/input_items)?`, 'none', 'none', 'free'),
  e('responses', 'DELETE', `/responses/${ID}`, 'none', 'none', 'free'),
  e('conversations', '*', `/conversations(/.*)?`, 'json', 'none', 'free'),
  e('chat', 'POST', '/chat/completions', 'json', 'body', 'usage'),
  e('chat', '*', `/chat/completions/${ID}(/messages)?`, 'json', 'none', 'free'),
  e('chat', 'GET', '/chat/completions', 'none', 'none', 'free'),
  e('completions', 'POST', '/completions', 'json', 'body', 'usage'),
  e('embeddings', 'POST', '/embeddings', 'json', 'body', 'usage'),
  e('moderations', 'POST', '/moderations', 'json', 'body', 'free'),
  e('images', 'POST', '/images/generations', 'json', 'body', 'unmetered'),
  e('images', 'POST', '/images/(edits|variations)', 'multipart', 'opaque', 'unmetered'),
  e('audio', 'POST', '/audio/speech', 'json', 'body', 'unmetered'),
  e('audio', 'POST', '/audio/(transcriptions|translations)', 'multipart', 'opaque', 'unmetered'),
  e('files', 'POST', '/files', 'multipart', 'none', 'unmetered'),
  e('files', '*', `/files(/.*)?`, 'none', 'none', 'free'),
  e('uploads', '*', `/uploads(/.*)?`, 'json', 'opaque', 'unmetered'),
  e('batches', '*', `/batches(/.*)?`, 'json', 'opaque', 'unmetered'),
  e('fine_tuning', '*', `/fine_tuning(/.*)?`, 'json', 'opaque', 'unmetered'),
  e('vector_stores', '*', `/vector_stores(/.*)?`, 'json', 'none', 'unmetered'),
  e('assistants', '*', `/(assistants|threads)(/.*)?`, 'json', 'opaque', 'unmetered'),
  e('realtime', '*', `/realtime(/.*)?`, 'json', 'opaque', 'unmetered'),
  e('containers', '*', `/containers(/.*)?`, 'json', 'none', 'unmetered'),
  e('evals', '*', `/evals(/.*)?`, 'json', 'opaque', 'unmetered'),
  e('videos', '*', `/videos(/.*)?`, 'json', 'opaque', 'unmetered'),
]

/** Anything not in the table: forwarded only under `all`, and treated as unmeasurable. */
const OTHER: Endpoint = { group: 'other', method: '*', pattern: /^/, body: 'json', model: 'opaque', metering: 'unmetered' }

export function endpointOf(method: string, path: string): Endpoint {
  const m = method === 'HEAD' ? 'GET' : method
  return ENDPOINTS.find((x) => (x.method === '*' || x.method === m) && x.pattern.test(path)) ?? OTHER
}

/**
 * What a call costs in metering terms: reads and deletes cost nothing even in groups
 * whose writes are unmetered (listing batches, deleting a file).
 */
export function meteringOf(endpoint: Endpoint, method: string): EndpointMetering {
  if (endpoint.metering === 'unmetered' && (method === 'GET' || method === 'HEAD' || method === 'DELETE')) return 'free'
  return endpoint.metering
}

/** Enabled when any grant (deployment, team, token) names its group, or `all`. */
export function isEndpointEnabled(endpoint: Endpoint, grants: readonly (readonly string[] | undefined)[]): boolean {
  return grants.some((g) => g !== undefined && (g.includes('all') || g.includes(endpoint.group)))
}

export class EndpointGroupError extends Error {
  override name = 'EndpointGroupError'
}

/** `codex,embeddings` → ['codex','embeddings']; throws on an unknown group (config, flags). */
export function parseEndpointGroups(raw: string | readonly string[], what = 'endpoints'): EndpointGroup[] {
  const names = (typeof raw === 'string' ? raw.split(',') : raw).map((s) => s.trim()).filter((s) => s !== '')
  const unknown = names.filter((n) => !(ENDPOINT_GROUPS as readonly string[]).includes(n))
  if (unknown.length > 0) throw new EndpointGroupError(`${what}: unknown endpoint group ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${ENDPOINT_GROUPS.join(', ')})`)
  return [...new Set(names)] as EndpointGroup[]
}

/** The refusal detail: what was asked and the exact ways to enable it. */
export function howToEnable(endpoint: Endpoint, method: string, path: string): string {
  const group = endpoint.group === 'other' ? 'all' : endpoint.group
  return `${method} ${path} is in endpoint group "${group}", which is not enabled for this token; enable it for the deployment (Pulumi config codex-proxy:endpoints, or serve --endpoints codex,${group}), for a team (codex-proxy teams set <team> --endpoints ${group}) or for a token (codex-proxy tokens update <token> --endpoints ${group})`
}
