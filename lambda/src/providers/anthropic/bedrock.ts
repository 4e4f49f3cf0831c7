// Claude on Amazon Bedrock: InvokeModelWithResponseStream with the Anthropic Messages body
// (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html),
// signed with the function's IAM role through the SDK's default credential chain (no key).
// The SDK decodes the AWS event stream; each `chunk.bytes` is one Anthropic streaming event
// (JSON), re-emitted here as the SSE frame Anthropic would have sent, so one translator
// serves both upstream kinds. The client is loaded on first use: the Lambda cold start
// does not pay for it unless a Bedrock upstream is called.
import { anthropicTypeOfBedrockError, bedrockStatus } from './errors.js'

/** Bedrock's region: from the URL (`bedrock-runtime.<region>.amazonaws.com`), else the upstream's `region`, else AWS_REGION. */
export function bedrockRegion(url: string, configured: string | undefined): string {
  const m = /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)
  return m?.[1] ?? configured ?? process.env.AWS_REGION ?? 'us-east-1'
}

export function bedrockInvokeUrl(baseUrl: string, modelId: string): string {
  return `${baseUrl}/model/${encodeURIComponent(modelId)}/invoke-with-response-stream`
}

type BedrockModule = typeof import('@aws-sdk/client-bedrock-runtime')
type Client = InstanceType<BedrockModule['BedrockRuntimeClient']>
let sdk: Promise<BedrockModule> | undefined
const clients = new Map<string, Client>()

async function clientFor(endpoint: string, region: string): Promise<{ client: Client; mod: BedrockModule }> {
  sdk ??= import('@aws-sdk/client-bedrock-runtime')
  const mod = await sdk
  const key = `${endpoint} ${region}`
  let client = clients.get(key)
  if (!client) {
    // One attempt: the upstream pool fails over (or retries) itself, after its own rules.
    client = new mod.BedrockRuntimeClient({ region, endpoint, maxAttempts: 1 })
    clients.set(key, client)
  }
  return { client, mod }
}

const encoder = new TextEncoder()

function errorEvent(type: string, message: string): Uint8Array {
  const event = { type: 'error', error: { type, message } }
  return encoder.encode(`event: error\ndata: ${JSON.stringify(event)}\n\n`)
}

interface SdkError {
  name?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
}

/**
 * Sends a prepared Bedrock call (URL from bedrockInvokeUrl, body = the Messages body with
 * anthropic_version) and answers like Anthropic would: an SSE stream, or an HTTP error
 * with Anthropic's error body. A failure with no HTTP answer (refused, reset, DNS) is thrown.
 */
export async function sendToBedrock(call: { url: string; body?: Uint8Array }, region: string, signal: AbortSignal): Promise<Response> {
  const url = new URL(call.url)
  const m = /^\/model\/([^/]+)\/invoke-with-response-stream$/.exec(url.pathname.replace(/^.*(?=\/model\/)/, ''))
  if (!m) throw new Error(`not a Bedrock invoke URL: ${call.url}`)
  const modelId = decodeURIComponent(m[1]!)
  const endpoint = call.url.slice(0, call.url.indexOf('/model/'))
  const { client, mod } = await clientFor(endpoint, region)
  let output: { body?: AsyncIterable<{ chunk?: { bytes?: Uint8Array } }>; $metadata?: { requestId?: string } }
  try {
    output = (await client.send(new mod.InvokeModelWithResponseStreamCommand({ modelId, body: call.body ?? new Uint8Array(), contentType: 'application/json', accept: 'application/json' }), {
      abortSignal: signal,
    })) as unknown as typeof output
  } catch (err) {
    const e = err as SdkError
    const status = e.$metadata?.httpStatusCode
    if (!status || signal.aborted) throw err
    const name = e.name ?? 'Error'
    const body = { type: 'error', error: { type: anthropicTypeOfBedrockError(name), message: `bedrock ${name}: ${e.message ?? ''}` } }
    return new Response(JSON.stringify(body), { status: status >= 400 ? status : bedrockStatus(name), headers: { 'content-type': 'application/json' } })
  }
  const iterator = output.body![Symbol.asyncIterator]()
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next()
        if (next.done) return controller.close()
        const bytes = next.value.chunk?.bytes
        if (!bytes) return
        const json = new TextDecoder().decode(bytes)
        let type = 'message'
        try {
          const parsed = JSON.parse(json) as { type?: unknown }
          if (typeof parsed.type === 'string') type = parsed.type
        } catch {
          // left to the translator, which fails the response on unreadable data
        }
        controller.enqueue(encoder.encode(`event: ${type}\ndata: ${json}\n\n`))
      } catch (err) {
        // Exceptions inside the event stream (throttling, model stream errors) become the
        // in-stream `error` event Anthropic itself sends; the translator fails the response.
        if (signal.aborted) return controller.error(err)
        const e = err as SdkError
        controller.enqueue(errorEvent(anthropicTypeOfBedrockError(e.name ?? ''), `bedrock ${e.name ?? 'error'}: ${e.message ?? ''}`))
        controller.close()
      }
    },
    async cancel() {
      await iterator.return?.()
    },
  })
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream', 'x-amzn-requestid': output.$metadata?.requestId ?? '' } })
}
