// Signed AWS requests over one kept-alive node:http(s) connection pool, without the SDK:
// the transport of the lean DynamoDB, S3 and Secrets Manager clients (dynamo-http.ts,
// s3-http.ts, secrets-manager-http.ts). Each attempt is signed afresh with SigV4 by `aws4`
// (its date is part of the signature), bounded by a per-attempt timeout, and retried with
// full-jitter exponential backoff while the failure is one the SDK's standard retry mode
// would retry: network errors, timeouts, 5xx and throttling
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
// Every call these clients make is safe to repeat (reads, conditional creates of
// content-addressed objects, counter updates whose conditions the callers hold).
import http from 'node:http'
import https from 'node:https'
import aws4 from 'aws4'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** An AWS error answer, or a failure to get one; `name` is the service's error code. */
export class AwsHttpError extends Error {
  constructor(
    name: string,
    message: string,
    readonly retryable: boolean,
    readonly statusCode?: number,
  ) {
    super(message)
    this.name = name
  }
}

export interface SignedHttpOptions {
  /** Base URL of the service (scheme, host, port); request paths are absolute. */
  endpoint: string
  /** SigV4 service name: 'dynamodb', 's3', 'secretsmanager'. */
  service: string
  region: string
  /** Read on every attempt: cheap, and it follows credentials that change under the process. */
  credentials: () => AwsCredentials
  requestTimeoutMs: number
  maxAttempts: number
  /** Base of the exponential backoff (DynamoDB's SDKs: 25 ms; the others: 100 ms). */
  backoffBaseMs?: number
  /** The service's name in messages ("DynamoDB GetItem got no answer within …"). */
  label: string
}

export interface SignedRequest {
  method: 'GET' | 'PUT' | 'POST' | 'HEAD'
  /** Already URI-encoded (S3 keys: per segment). */
  path: string
  headers: Record<string, string>
  body?: Buffer | string
  /** The operation's name in messages: 'GetItem', 'PutObject'. */
  operation: string
}

export interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED'])

export function isRetryable(err: unknown): boolean {
  if (err instanceof AwsHttpError) return err.retryable
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code !== undefined && NETWORK.has(code)
}

export class SignedHttp {
  readonly url: URL
  private readonly transport: typeof http | typeof https
  private readonly agent: http.Agent

  constructor(private readonly options: SignedHttpOptions) {
    this.url = new URL(options.endpoint)
    this.transport = this.url.protocol === 'https:' ? https : http
    this.agent = new this.transport.Agent({ keepAlive: true })
  }

  /**
   * Sends the request until `read` accepts the answer or the failure is final. `read` turns
   * an answer into the caller's value, or throws (an AwsHttpError says whether to retry).
   */
  async request<T>(req: SignedRequest, read: (answer: HttpAnswer) => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return read(await this.exchange(req))
      } catch (err) {
        if (attempt >= this.options.maxAttempts || !isRetryable(err)) throw err
        const base = this.options.backoffBaseMs ?? 100
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2_000, base * 2 ** attempt)))
      }
    }
  }

  /** One signed attempt, bounded by the per-attempt timeout (the whole exchange, body included). */
  private exchange(req: SignedRequest): Promise<HttpAnswer> {
    const signed = aws4.sign(
      {
        host: this.url.host,
        path: req.path,
        method: req.method,
        service: this.options.service,
        region: this.options.region,
        ...(req.body !== undefined && { body: req.body }),
        headers: { ...req.headers },
      },
      this.options.credentials(),
    )
    return new Promise((resolve, reject) => {
      const request = this.transport.request({
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port,
        path: req.path,
        method: req.method,
        headers: signed.headers,
        agent: this.agent,
      })
      const timer = setTimeout(() => {
        request.destroy(new AwsHttpError('TimeoutError', `${this.options.label} ${req.operation} got no answer within ${this.options.requestTimeoutMs} ms`, true))
      }, this.options.requestTimeoutMs)
      const fail = (err: Error) => {
        clearTimeout(timer)
        reject(err)
      }
      request.on('error', fail)
      request.on('response', (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', fail)
        // A socket cut mid-body ends in 'aborted'/'close' without 'end' on some Node versions.
        response.on('close', () => {
          if (!response.complete) fail(Object.assign(new Error(`${this.options.label} ${req.operation}: connection closed mid-answer`), { code: 'ECONNRESET' }))
        })
        response.on('end', () => {
          clearTimeout(timer)
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })
        })
      })
      request.end(req.body)
    })
  }
}

/** Credentials as Lambda provides them: in the function's environment. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): () => AwsCredentials {
  return () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
    if (!accessKeyId || !secretAccessKey) {
      throw new AwsHttpError('CredentialsError', 'no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)', false)
    }
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }) }
  }
}

/** The endpoint the SDK would pick for a service: its own variable, then AWS_ENDPOINT_URL, then the regional host. */
export function serviceEndpoint(serviceVariable: string, host: string, region: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[serviceVariable] || env.AWS_ENDPOINT_URL || `https://${host}.${region}.amazonaws.com`
}

/**
 * A JSON-protocol answer (DynamoDB, Secrets Manager): the parsed body of a 200, else the
 * service's error (`__type` and message), retryable on 5xx and the given error types. A
 * body that is not JSON (a proxy's HTML page) is named by its status, never quoted: a 200's
 * body may be a secret.
 */
export function readAwsJson<T>(label: string, operation: string, { status, body }: HttpAnswer, errors: { retryable: ReadonlySet<string>; serverError: string }): T {
  let json: { __type?: string; message?: string; Message?: string } | undefined
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json
  } catch {
    // not JSON: see above
  }
  if (status === 200 && json) return json as T
  const type = json?.__type?.split('#').pop() || (status >= 500 ? errors.serverError : 'UnknownError')
  const message = json?.message ?? json?.Message ?? `${label} ${operation} answered HTTP ${status}${json ? '' : ' without a JSON body'}`
  throw new AwsHttpError(type, message, status >= 500 || errors.retryable.has(type), status)
}

/** The region the SDK would use in Lambda: AWS_REGION, then AWS_DEFAULT_REGION. */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  if (!region) throw new Error('no AWS region: set AWS_REGION')
  return region
}
