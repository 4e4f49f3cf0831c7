// Priming the Lambda during init: one dry run of a governed, scanned, audited Responses
// request through the real request path, in process, touching no network. Why: the first
// real request used to pay for everything the process does lazily the first time — V8
// compiling the request path, Node loading undici, web streams and zlib, OpenSSL fetching
// its digests, the price tables — ~7× a warm request at full CPU and ~9× at 512 MB's CPU
// share (bench/RESULTS.md, issue 14). Init runs before the first request (and, with
// provisioned concurrency, before any traffic), so that work moves out of the request.
//
// The dry run shares the real proxy's configuration, scanner and price table, and swaps
// only what would leave the process: DynamoDB answers from memory (the real token and
// counter stores run over it), the upstream is a canned SSE answer, the audit bucket a
// memory store, metrics and logs go nowhere. Best effort: the entry logs a failure and
// serves unprimed, as it did before.
//
// Measured and left out (bench/lambda-lean-results.md): priming every scanner rule (a body
// holding all 334 rule keywords, so each rule's regex is compiled at init) cost 20–31 %
// more init CPU, above the goal of an init no dearer than before, without a clear gain on
// the first request.
import { Writable } from 'node:stream'
import { marshall } from '@aws-sdk/util-dynamodb'
import aws4 from 'aws4'
import { MemoryObjectStore } from '../bodies/object-store.js'
import { auditStoreSink } from '../compose.js'
import type { ProxyConfig } from '../contracts/config.js'
import { tokenKey, type TokenItem } from '../contracts/tables.js'
import { generateToken, hashToken, tokenIdFromHash } from '../contracts/token.js'
import { noMetrics, type UpstreamFetch } from '../core/ports.js'
import { createProxy, type ProxyDeps } from '../core/proxy.js'
import { DynamoCounterStore } from '../stores/dynamo-counter-store.js'
import { DynamoTokenStore } from '../stores/dynamo-token-store.js'
import type { DynamoWire } from '../stores/dynamo-wire.js'
import { functionUrlEventToRequest, rawTarget } from './function-url-event.js'
import { pumpBody } from './pump.js'

const PRIME_HOST = 'prime.lambda-url.invalid'
const PRIME_MODEL = 'gpt-5.1-codex'

/** A governed token (rate limit and daily budget), so admission and settlement run too. */
function primeTokenItem(tokenHash: string): TokenItem {
  const now = new Date().toISOString()
  return { pk: tokenKey(tokenHash), kind: 'token', token_id: tokenIdFromHash(tokenHash), user_id: 'prime', enabled: true, created_at: now, updated_at: now, rpm: 1_000, budget_daily_usd: 1_000 }
}

/** DynamoDB in memory: the token item, nothing else; counter updates answer as a fresh item would. */
function primeWire(tokenHash: string): DynamoWire {
  const token = marshall(primeTokenItem(tokenHash), { removeUndefinedValues: true })
  return {
    getItem: async ({ Key }) => (Key.pk?.S === tokenKey(tokenHash) ? { Item: token } : {}),
    updateItem: async ({ ExpressionAttributeValues }) => ({ Attributes: Object.fromEntries(Object.entries(ExpressionAttributeValues ?? {}).filter(([, v]) => 'N' in v)) }),
    batchGetItem: async () => ({ Responses: {} }),
  }
}

/** A short Responses SSE answer with usage, as OpenAI streams it. */
function primeAnswer(): string {
  const response = { id: 'resp_prime', object: 'response', model: PRIME_MODEL, status: 'in_progress', output: [] as unknown[] }
  const usage = { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 }
  const events: [string, unknown][] = [
    ['response.created', { type: 'response.created', response }],
    ['response.output_text.delta', { type: 'response.output_text.delta', item_id: 'msg_prime', output_index: 0, content_index: 0, delta: 'ok' }],
    ['response.completed', { type: 'response.completed', response: { ...response, status: 'completed', usage } }],
  ]
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('')
}

const cannedUpstream: UpstreamFetch = async (_input, init) => {
  // Read the forwarded body as undici would send it.
  await new Response(init.body as BodyInit).arrayBuffer()
  const bytes = new TextEncoder().encode(primeAnswer())
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 64))
      controller.enqueue(bytes.subarray(64))
      controller.close()
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })
}

/** A Codex-shaped request body: instructions, a tool, a user turn with text worth scanning. */
function primeBody(): string {
  return JSON.stringify({
    model: PRIME_MODEL,
    stream: true,
    store: false,
    instructions: 'You are a coding agent. Prime the request path.',
    tools: [{ type: 'function', name: 'exec_command', description: 'Runs a shell command.', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } }],
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'export API_URL=https://example.invalid/v1 && npm test -- --reporter=dot # password: see vault' }] },
      { type: 'function_call', call_id: 'call_prime', name: 'exec_command', arguments: '{"cmd":"ls -la"}' },
      { type: 'function_call_output', call_id: 'call_prime', output: 'total 0\n-rw-r--r-- 1 dev dev 0 README.md\n' },
    ],
    prompt_cache_key: 'prime',
  })
}

function primeEvent(token: string, body: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/responses',
    rawQueryString: '',
    headers: { host: PRIME_HOST, authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream', originator: 'codex_exec', 'user-agent': 'codex-proxy-prime' },
    requestContext: {
      domainName: PRIME_HOST,
      http: { method: 'POST', path: '/v1/responses', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'codex-proxy-prime' },
      requestId: 'prime',
      timeEpoch: Date.now(),
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  }
}

export interface PrimeResult {
  status: number
  /** Records the dry run wrote to its memory bucket (bodies, metadata). */
  objects: number
}

/**
 * Runs the dry request through a proxy built from `deps` (the real one's) with the network
 * swapped for memory. Resolves with what it saw; throws only if the path itself breaks.
 */
export async function primeRequestPath(deps: ProxyDeps, config: ProxyConfig): Promise<PrimeResult> {
  // aws4 and OpenSSL's HMAC/SHA-256: every store call signs (no network here).
  aws4.sign({ host: PRIME_HOST, path: '/', service: 's3', region: 'us-east-1', method: 'PUT', body: 'prime', headers: {} }, { accessKeyId: 'prime', secretAccessKey: 'prime' })
  const token = generateToken()
  const wire = primeWire(hashToken(token))
  const objects = new MemoryObjectStore()
  const dry = createProxy({
    ...deps,
    config,
    tokens: new DynamoTokenStore(wire, 'prime-tokens'),
    counters: new DynamoCounterStore(wire, 'prime-usage'),
    audit: auditStoreSink({ objects, env: {} }),
    key: { get: async () => 'sk-prime-not-a-key' },
    upstreams: undefined,
    alerts: undefined,
    health: undefined,
    fetch: cannedUpstream,
    metrics: noMetrics,
    log: () => {},
  })
  const parsed = functionUrlEventToRequest(primeEvent(token, primeBody()), new AbortController().signal)
  if ('invalid' in parsed) throw new Error(`prime event refused: ${parsed.invalid}`)
  const pending: Promise<unknown>[] = []
  const response = await dry.fetch(parsed.request, { waitUntil: (p) => void pending.push(p), rawTarget: rawTarget(primeEvent(token, '') as never) })
  const discard = new Writable({ write: (_chunk, _enc, done) => done() })
  if (response.body) await pumpBody(response.body, discard, new AbortController().signal)
  await Promise.all(pending)
  return { status: response.status, objects: objects.objects.size }
}
