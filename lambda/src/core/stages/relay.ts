// Stage 9: the upstream's answer back to the client, streamed chunk by chunk, with a
// capped copy and usage extraction on the way; finish runs when the body has been relayed,
// cut, abandoned by the client, or stopped at the exchange deadline.
import { bufferUpTo } from '../buffer-body.js'
import { textUpTo } from '../bytes.js'
import { clientResponseHeaders, REQUEST_ID_HEADER } from '../headers.js'
import type { Exchange } from '../exchange.js'
import { BUDGET_REMAINING_HEADER, BUDGET_WARNING_HEADER, COST_HEADER, formatRemaining, formatUsd } from '../governance/budget-headers.js'
import { meteringOf } from '../../contracts/endpoints.js'
import { allowListsOf, filterModelList } from '../governance/model-policy.js'
import { relayBody } from '../response-relay.js'
import { endedByHostShutdown } from '../ports.js'
import type { StageEnv } from '../stage-env.js'
import { UsageExtractor } from '../usage.js'
import type { UpstreamAnswer } from './forward.js'

export { BUDGET_WARNING_HEADER }

export async function relayAnswer(
  ex: Exchange,
  env: StageEnv,
  answer: UpstreamAnswer,
  clientSignal: AbortSignal,
  onRelayed: (usage: UsageExtractor) => void,
): Promise<Response> {
  const { response: upstream } = answer
  ex.origin = 'upstream'
  ex.status = upstream.status
  const headers = clientResponseHeaders(upstream.headers, ex.requestId)
  if (ex.admission && ex.admission.warnings.length > 0) headers.set(BUDGET_WARNING_HEADER, ex.admission.warnings.join(' | '))
  if (ex.admission?.remaining) headers.set(BUDGET_REMAINING_HEADER, formatRemaining(ex.admission.remaining))
  headers.set(REQUEST_ID_HEADER, ex.requestId)
  ex.responseHeaders = headers
  const usage = new UsageExtractor(upstream.headers.get('content-type'))

  if (!upstream.body) {
    ex.responseBodyBytes = 0
    ex.responseComplete = true
    onRelayed(usage)
    return new Response(null, { status: upstream.status, headers })
  }

  let body: ReadableStream<Uint8Array> = upstream.body
  // The model list shows only what the caller may use.
  const lists = allowListsOf(ex.caller!)
  if (lists.length > 0 && ex.method === 'GET' && ex.path === '/v1/models' && upstream.ok) {
    const filtered = await filteredModelListBody(upstream, lists)
    body = filtered.body
    if (filtered.problem) ex.upstreamError = filtered.problem
  }

  // A non-streamed answer is read whole (up to the body cap, under the exchange deadline)
  // before its headers go out, so they can carry its cost and the budget left after it. A
  // stream's cost is known only at its end, after its headers were sent.
  if (!usage.isStream) {
    const buffered = await bufferUpTo(body, env.config.bodyCapBytes)
    if (buffered.complete) {
      const cost = costOf(ex, env, upstream, buffered.bytes)
      if (cost !== null) headers.set(COST_HEADER, formatUsd(cost))
      const left = ex.admission?.remainingAfter(cost)
      if (left) headers.set(BUDGET_REMAINING_HEADER, formatRemaining(left))
      body = new Response(buffered.bytes as Uint8Array<ArrayBuffer>).body ?? new Response('').body!
    } else body = buffered.stream
  }
  const declaredLength = Number(upstream.headers.get('content-length') ?? NaN)
  let relayed = 0

  return new Response(
    relayBody(body, {
      capBytes: env.config.bodyCapBytes,
      monotonic: () => env.clock.monotonic(),
      onChunk: (chunk) => {
        relayed += chunk.byteLength
        usage.push(chunk)
      },
      clientGone: () => clientSignal.aborted,
      answerComplete: () => usage.sawTerminalEvent || (Number.isFinite(declaredLength) && relayed >= declaredLength),
      deadline: answer.deadline,
      describeError: answer.describe,
      onDone: (outcome) => {
        ex.endedMono = env.clock.monotonic()
        ex.firstByteAt = outcome.firstByteAt
        ex.responseBody = outcome.captured
        ex.responseBodyBytes = outcome.bytes
        ex.responseTruncated = outcome.truncated
        ex.upstreamError = outcome.upstreamError ?? ex.upstreamError
        ex.clientAborted = outcome.clientAborted
        if (outcome.clientAborted && endedByHostShutdown(clientSignal)) {
          // The host cut it at shutdown: not the client's doing.
          ex.clientAborted = false
          ex.upstreamError = 'ended by the proxy shutting down (grace period over)'
        }
        ex.responseComplete = !outcome.upstreamError && !outcome.clientAborted && !outcome.truncated
        onRelayed(usage)
      },
    }),
    { status: upstream.status, headers },
  )
}

/** The cost of a whole non-streamed answer: 0 when it carries no usage and none is expected, null when unknown. */
function costOf(ex: Exchange, env: StageEnv, upstream: Response, bytes: Uint8Array): number | null {
  const found = new UsageExtractor(upstream.headers.get('content-type')).finish(textUpTo(bytes, bytes.byteLength).text)
  if (found.usage) return env.pricer.price(found.model ?? ex.model, found.usage, new Date(ex.startedAt))?.cost_usd ?? null
  const metered = ex.endpoint !== undefined && meteringOf(ex.endpoint, ex.method) === 'usage'
  return upstream.ok && metered ? null : 0
}

const MAX_MODEL_LIST_BYTES = 4 * 1024 * 1024

/** The allowed models only. Default-deny: a list that cannot be read or filtered shows no model. */
async function filteredModelListBody(upstream: Response, allowLists: string[][]): Promise<{ body: ReadableStream<Uint8Array>; problem?: string }> {
  const empty = (problem: string) => ({ body: new Response(JSON.stringify({ object: 'list', data: [] })).body!, problem })
  let text: string
  try {
    text = await upstream.text()
  } catch {
    return empty('the model list was cut while being read')
  }
  if (text.length > MAX_MODEL_LIST_BYTES) return empty('the model list is too large to filter')
  try {
    return { body: new Response(JSON.stringify(filterModelList(JSON.parse(text), allowLists))).body! }
  } catch {
    return empty('the model list is not JSON')
  }
}
