// A stand-in for the `awslambda` global of the Node.js managed runtime (NOTES.md: no
// local runtime for response streaming here). `HttpResponseStream.from` writes the
// prelude as the runtime does: JSON metadata followed by 8 NUL bytes.
import { PassThrough, type Writable } from 'node:stream'

export interface HttpResponseStreamMetadata {
  statusCode: number
  headers?: Record<string, string>
  cookies?: string[]
}

export function installAwslambdaStub(): void {
  const stub = {
    streamifyResponse: (handler: unknown) => handler,
    HttpResponseStream: {
      from(stream: Writable, metadata: HttpResponseStreamMetadata): Writable {
        stream.write(JSON.stringify(metadata))
        stream.write(new Uint8Array(8))
        return stream
      },
    },
  }
  ;(globalThis as unknown as { awslambda: typeof stub }).awslambda = stub
}

export interface CapturedResponse {
  metadata: HttpResponseStreamMetadata
  body: string
  /** Body chunks with the monotonic time each arrived. */
  chunks: { at: number; text: string }[]
}

/** A response stream that records what the handler writes, and when. */
export function captureStream(): { stream: PassThrough; done: Promise<CapturedResponse> } {
  const stream = new PassThrough()
  const raw: { at: number; data: Buffer }[] = []
  stream.on('data', (d: Buffer) => raw.push({ at: performance.now(), data: d }))
  const done = new Promise<CapturedResponse>((resolve) => {
    stream.on('end', () => {
      const all = Buffer.concat(raw.map((r) => r.data))
      const nul = all.indexOf(Buffer.alloc(8))
      const metadata = JSON.parse(all.subarray(0, nul).toString('utf8')) as HttpResponseStreamMetadata
      // Chunks after the prelude (the prelude arrives as its own two writes).
      const chunks = raw.slice(2).map((r) => ({ at: r.at, text: r.data.toString('utf8') }))
      resolve({ metadata, body: all.subarray(nul + 8).toString('utf8'), chunks })
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
