// A lean Amazon Data Firehose client for the metadata record: one signed JSON 1.1 POST
// (`Firehose_20150804.PutRecord`, https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecord.html)
// through fetch, signed by `aws4` — the SDK's client-firehose would add its whole
// middleware stack to the Lambda bundle for one call made after the response has streamed.
import aws4 from 'aws4'
import type { AwsCredentials } from './dynamo-http.js'

export interface FirehoseHttpOptions {
  region: string
  /** Default: AWS_ENDPOINT_URL_FIREHOSE, AWS_ENDPOINT_URL, then the regional endpoint. */
  endpoint?: string
  credentials: () => AwsCredentials
  requestTimeoutMs?: number
  maxAttempts?: number
  fetch?: typeof fetch
}

export class FirehoseError extends Error {
  constructor(
    name: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message)
    this.name = name
  }
}

/** Firehose takes records up to 1,000 KiB (before base64); a metadata record is ~2 KB. */
export const FIREHOSE_RECORD_MAX_BYTES = 1_000 * 1024

export function firehoseEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_ENDPOINT_URL_FIREHOSE || env.AWS_ENDPOINT_URL || `https://firehose.${region}.amazonaws.com`
}

export class FirehoseHttp {
  private readonly url: URL
  private readonly fetch: typeof fetch

  constructor(private readonly options: FirehoseHttpOptions) {
    this.url = new URL(options.endpoint ?? firehoseEndpoint(options.region))
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init))
  }

  /** Sends one record (bytes as they should land in the stream). */
  async putRecord(streamName: string, data: Uint8Array): Promise<void> {
    if (data.byteLength > FIREHOSE_RECORD_MAX_BYTES) throw new FirehoseError('RecordTooLarge', `record of ${data.byteLength} bytes exceeds Firehose's ${FIREHOSE_RECORD_MAX_BYTES}`, false)
    const body = JSON.stringify({ DeliveryStreamName: streamName, Record: { Data: Buffer.from(data).toString('base64') } })
    const attempts = this.options.maxAttempts ?? 3
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send('PutRecord', body)
      } catch (err) {
        const retryable = err instanceof FirehoseError ? err.retryable : true // network errors
        if (attempt >= attempts || !retryable) throw err
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2_000, 50 * 2 ** attempt)))
      }
    }
  }

  private async send(operation: string, body: string): Promise<void> {
    const signed = aws4.sign(
      {
        host: this.url.host,
        path: this.url.pathname,
        method: 'POST',
        service: 'firehose',
        region: this.options.region,
        body,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Firehose_20150804.${operation}` },
      },
      this.options.credentials(),
    )
    const response = await this.fetch(this.url.href, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 5_000),
    })
    const text = await response.text()
    if (response.ok) return
    let json: { __type?: string; message?: string; Message?: string } | undefined
    try {
      json = JSON.parse(text) as typeof json
    } catch {
      // not JSON: say what came back, not the bytes
    }
    const type = json?.__type?.split('#').pop() || (response.status >= 500 ? 'InternalFailure' : 'UnknownError')
    const retryable = response.status >= 500 || type === 'ServiceUnavailableException' || type === 'ThrottlingException'
    throw new FirehoseError(type, json?.message ?? json?.Message ?? `Firehose ${operation} answered HTTP ${response.status}`, retryable)
  }
}
