// Fake upstreams for the pool's tests, on loopback: real HTTP servers with the failure
// modes and account rules the pool must handle. Built on fake-openai's server (its
// `override` hook), so every request they get is recorded.
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_USAGE, type FakeOpenAI, type ReceivedRequest, responsesStreamEvents, responsesUsage, sseEvent, startFakeOpenAI } from './fake-openai.js'

/** The body OpenAI sends with a rate-limit 429 (`code: rate_limit_exceeded`). */
export const RATE_LIMIT_BODY = {
  error: { message: 'Rate limit reached for gpt-5 in organization org-fake on requests per min (RPM): Limit 3, Used 3.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
}
export const QUOTA_BODY = {
  error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' },
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers })
  res.end(text)
}

/** Answers every request with a 429 and the given headers while `limited` is true. */
export async function startRateLimited(headers: Record<string, string> = { 'retry-after': '20' }): Promise<FakeOpenAI & { limited: boolean }> {
  const fake = Object.assign(await startFakeOpenAI(), { limited: true })
  fake.override = (_req, res) => {
    if (!fake.limited) return false
    sendJson(res, 429, RATE_LIMIT_BODY, headers)
    return true
  }
  return fake
}

/** A loopback URL where nothing listens (connection refused). */
export async function refusedUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/** Sends the SSE headers and the first event of a stream, then resets the connection. */
export async function startResetMidStream(): Promise<FakeOpenAI> {
  const fake = await startFakeOpenAI()
  fake.override = (req, res) => {
    if (req.method !== 'POST') return false
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(sseEvent({ type: 'response.created', sequence_number: 0, response: { id: 'resp_cut', object: 'response', model: 'gpt-5', status: 'in_progress', output: [] } }))
    setTimeout(() => res.socket?.resetAndDestroy(), 30)
    return true
  }
  return fake
}

/**
 * Azure OpenAI's v1 surface as documented: `POST /openai/v1/responses`, key in `api-key`
 * (an `Authorization` header with that key is not what the proxy should send), `model`
 * naming a deployment. Errors use Azure's shapes (401 with code "401", 404
 * DeploymentNotFound). The response's `model` is the deployment name (the case that
 * needs mapping back; Azure may also report the underlying model name).
 */
export async function startAzureFake(options: { key: string; deployments: Record<string, string> }): Promise<FakeOpenAI & { base: string }> {
  const fake = Object.assign(await startFakeOpenAI(), { base: '' })
  fake.base = fake.url
  fake.override = (req, res) => {
    const path = req.url.split('?')[0]
    if (req.headers['api-key'] !== options.key || req.headers.authorization !== undefined) {
      sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.' } })
      return true
    }
    if (req.url.includes('api-version')) {
      sendJson(res, 400, { error: { code: 'BadRequest', message: 'api-version query parameter is not allowed when using /v1 path' } })
      return true
    }
    if (req.method === 'GET' && path === '/openai/v1/models') {
      sendJson(res, 200, { object: 'list', data: Object.values(options.deployments).map((id) => ({ id, object: 'model' })) })
      return true
    }
    if (req.method !== 'POST' || path !== '/openai/v1/responses') {
      sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } })
      return true
    }
    const body = req.json as { model?: string; stream?: boolean }
    if (!body.model || !(body.model in options.deployments)) {
      sendJson(res, 404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' } })
      return true
    }
    const events = responsesStreamEvents({ reply: 'Hello from Azure.', model: body.model, usage: DEFAULT_USAGE, deltas: 3 })
    if (!body.stream) {
      sendJson(res, 200, JSON.parse(events.at(-1)!.split('data: ')[1]!).response)
      return true
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'apim-request-id': 'fake-apim-id' })
    for (const e of events) res.write(e)
    res.end()
    return true
  }
  return fake
}

export const FOREIGN_CONTENT_STATUS = 400

/**
 * An upstream account that encrypts reasoning for its own organisation: each response
 * carries a `reasoning` item whose `encrypted_content` only `org` can read, and any input
 * reasoning item from another org is refused with OpenAI's 400 invalid_encrypted_content.
 */
export async function startOrgBound(
  org: string,
  reply = `answer from ${org}`,
): Promise<FakeOpenAI & { turns: number; rateLimited: Record<string, string> | null }> {
  const fake = Object.assign(await startFakeOpenAI(), { turns: 0, rateLimited: null as Record<string, string> | null })
  fake.override = (req, res) => {
    const path = req.url.split('?')[0]
    if (req.method !== 'POST' || !/\/responses$/.test(path ?? '')) return false
    // While set: every call is a 429 with these headers (e.g. retry-after).
    if (fake.rateLimited) {
      sendJson(res, 429, RATE_LIMIT_BODY, fake.rateLimited)
      return true
    }
    const body = req.json as { model?: string; stream?: boolean; input?: unknown[] }
    for (const item of body.input ?? []) {
      const it = item as { type?: string; encrypted_content?: string }
      if (it.type === 'reasoning' && typeof it.encrypted_content === 'string' && !it.encrypted_content.startsWith(`enc:${org}:`)) {
        sendJson(res, FOREIGN_CONTENT_STATUS, {
          error: { message: `The encrypted content ${it.encrypted_content.slice(0, 8)}... could not be verified.`, type: 'invalid_request_error', param: null, code: 'invalid_encrypted_content' },
        })
        return true
      }
    }
    fake.turns++
    const reasoning = { id: `rs_${org}_${fake.turns}`, type: 'reasoning', summary: [], encrypted_content: `enc:${org}:${fake.turns}:${'x'.repeat(40)}` }
    const message = { id: `msg_${org}_${fake.turns}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply, annotations: [] }] }
    const base = { id: `resp_${org}_${fake.turns}`, object: 'response', model: body.model ?? 'gpt-5', status: 'in_progress', output: [], usage: null }
    const events = [
      sseEvent({ type: 'response.created', sequence_number: 0, response: base }),
      sseEvent({ type: 'response.output_item.added', output_index: 0, item: { ...reasoning, encrypted_content: undefined } }),
      sseEvent({ type: 'response.output_item.done', output_index: 0, item: reasoning }),
      sseEvent({ type: 'response.output_item.added', output_index: 1, item: { ...message, status: 'in_progress', content: [] } }),
      sseEvent({ type: 'response.content_part.added', item_id: message.id, output_index: 1, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
      sseEvent({ type: 'response.output_text.delta', item_id: message.id, output_index: 1, content_index: 0, delta: reply }),
      sseEvent({ type: 'response.output_text.done', item_id: message.id, output_index: 1, content_index: 0, text: reply }),
      sseEvent({ type: 'response.content_part.done', item_id: message.id, output_index: 1, content_index: 0, part: { type: 'output_text', text: reply, annotations: [] } }),
      sseEvent({ type: 'response.output_item.done', output_index: 1, item: message }),
      sseEvent({ type: 'response.completed', response: { ...base, status: 'completed', output: [reasoning, message], usage: responsesUsage(DEFAULT_USAGE) } }),
    ]
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const e of events) res.write(e)
    res.end()
    return true
  }
  return fake
}

export type { FakeOpenAI, ReceivedRequest }
