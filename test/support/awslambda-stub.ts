// A stand-in for the `awslambda` global of the Node.js managed runtime that behaves like
// AWS's own runtime client (npm aws-lambda-ric 4.0.2: dist/stream/http-response-stream.js
// and dist/stream/response-stream.js), where it matters to the host:
// - `HttpResponseStream.from(stream, prelude)` writes nothing. It sets the content type
//   to the HTTP-integration type and arms a hook; the prelude (JSON + 8 NUL bytes) goes
//   out inside the FIRST `write()`.
// - `end(chunk)` does not go through that hook (Node's `end` writes its chunk directly),
//   and ending without any `write()` sends no prelude at all: the Function URL then
//   answers 200 with none of the handler's headers (aws-lambda-nodejs-runtime-interface-client#97).
// `captureStream()` decodes what a Function URL client would see.
import { PassThrough, type Writable } from 'node:stream'

export interface HttpResponseStreamMetadata {
  statusCode: number
  headers?: Record<string, string>
  cookies?: string[]
}

/** The content type that tells the Function URL front end a prelude leads the body. */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response'
const DELIMITER = Buffer.alloc(8)

/** The two members of the runtime's response stream that `HttpResponseStream.from` uses. */
interface RuntimeResponseStream extends Writable {
  setContentType(type: string): void
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void
}

export function installAwslambdaStub(): void {
  const stub = {
    streamifyResponse: (handler: unknown) => handler,
    HttpResponseStream: {
      from(stream: Writable, metadata: HttpResponseStreamMetadata): Writable {
        const runtimeStream = stream as RuntimeResponseStream
        runtimeStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE)
        const prelude = JSON.stringify(metadata)
        runtimeStream._onBeforeFirstWrite = (write) => {
          write(prelude)
          write(new Uint8Array(DELIMITER.length))
        }
        return stream
      },
    },
  }
  ;(globalThis as unknown as { awslambda: typeof stub }).awslambda = stub
}

export interface CapturedResponse {
  metadata: HttpResponseStreamMetadata
  /** Whether the prelude reached the front end (false: the client saw a bare 200). */
  preludeSent: boolean
  body: string
  /** Body chunks (non-empty writes after the prelude) with the monotonic time each was written. */
  chunks: { at: number; text: string }[]
}

/**
 * A response stream like the runtime's: it records what the handler writes, and when,
 * and decodes it as the Function URL front end would.
 */
export function captureStream(): { stream: PassThrough; done: Promise<CapturedResponse> } {
  const stream = new PassThrough() as PassThrough & RuntimeResponseStream
  let contentType = 'application/octet-stream'
  let firstWrite = true
  const writes: { at: number; data: Buffer; prelude: boolean }[] = []
  stream.setContentType = (type: string) => {
    if (!firstWrite) throw new Error('Cannot set content-type, too late.')
    contentType = type
  }
  const rawWrite = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (firstWrite && typeof stream._onBeforeFirstWrite === 'function') {
      stream._onBeforeFirstWrite((c) => {
        writes.push({ at: performance.now(), data: Buffer.from(c), prelude: true })
        rawWrite(c)
      })
    }
    firstWrite = false
    writes.push({ at: performance.now(), data: Buffer.from(chunk), prelude: false })
    return rawWrite(chunk, ...rest)
  }) as typeof stream.write
  const all: Buffer[] = []
  stream.on('data', (d: Buffer) => all.push(d))
  const done = new Promise<CapturedResponse>((resolve) => {
    stream.on('end', () => {
      const bytes = Buffer.concat(all)
      const chunks = writes.filter((w) => !w.prelude && w.data.length > 0).map((w) => ({ at: w.at, text: w.data.toString('utf8') }))
      const nul = bytes.indexOf(DELIMITER)
      if (contentType === HTTP_INTEGRATION_CONTENT_TYPE && writes.some((w) => w.prelude) && nul >= 0) {
        const metadata = JSON.parse(bytes.subarray(0, nul).toString('utf8')) as HttpResponseStreamMetadata
        resolve({ metadata, preludeSent: true, body: bytes.subarray(nul + DELIMITER.length).toString('utf8'), chunks })
      } else {
        // No prelude: the front end answers 200 with the bytes as they are.
        resolve({ metadata: { statusCode: 200, headers: {} }, preludeSent: false, body: bytes.toString('utf8'), chunks })
      }
    })
  })
  return { stream, done }
}

/** A Lambda Function URL event, payload format 2.0. */
export function functionUrlEvent(options: {
  method?: string
  rawPath: string
  rawQueryString?: string
  headers?: Record<string, string>
  body?: string
  isBase64Encoded?: boolean
  cookies?: string[]
}) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: options.rawPath,
    rawQueryString: options.rawQueryString ?? '',
    headers: { host: 'abc123.lambda-url.us-east-1.on.aws', ...options.headers },
    ...(options.cookies && { cookies: options.cookies }),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc123',
      http: { method: options.method ?? 'POST', path: options.rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'codex_exec/0.169.0' },
      requestId: 'lambda-req-1',
      routeKey: '$default',
      stage: '$default',
      time: '21/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
  }
}

/**
 * Invokes a streaming handler with a Function URL event and resolves with the response the
 * client saw, once the handler itself has resolved (its records and alerts are written).
 */
export async function invokeStreamingHandler(
  handler: (event: never, stream: never, context: never) => Promise<void>,
  event: object,
): Promise<CapturedResponse> {
  const { stream, done } = captureStream()
  const finished = handler(event as never, stream as never, {} as never)
  const res = await done
  await finished
  return res
}
