// A lean DynamoDB client for the proxy's hot path: JSON 1.0 over a kept-alive node:http(s)
// connection, signed with SigV4 by `aws4`. Why not the SDK here: a counter UpdateItem
// through @aws-sdk/lib-dynamodb cost ~1–2.8 ms of CPU on the proxy's event loop against
// ~0.25–0.6 ms this way (bench/store-client-results.md), and a token with limits makes three
// such calls per request, two of them before the first byte. Retries and per-attempt
// timeouts follow the SDK's standard mode: network errors, timeouts, 5xx and throttling
// are retried with jittered exponential backoff, up to `maxAttempts`.
import http from 'node:http'
import https from 'node:https'
import aws4 from 'aws4'
import { type AwsTarget, LOCAL_DYNAMO_CREDENTIALS, LOCAL_REGION } from './aws-clients.js'
import type { DynamoWire } from './dynamo-wire.js'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface DynamoHttpOptions {
  endpoint: string
  region: string
  /** Read on every call: cheap, and it follows credentials that change under the process. */
  credentials: () => AwsCredentials
  requestTimeoutMs: number
  maxAttempts: number
}

/** A DynamoDB error answer, or a failure to get one; `name` is DynamoDB's error type. */
export class DynamoHttpError extends Error {
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

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'])
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED'])

export class DynamoHttp implements DynamoWire {
  private readonly url: URL
  private readonly transport: typeof http | typeof https
  private readonly agent: http.Agent

  constructor(private readonly options: DynamoHttpOptions) {
    this.url = new URL(options.endpoint)
    this.transport = this.url.protocol === 'https:' ? https : http
    this.agent = new this.transport.Agent({ keepAlive: true })
  }

  getItem(input: Parameters<DynamoWire['getItem']>[0]) {
    return this.call('GetItem', input) as ReturnType<DynamoWire['getItem']>
  }

  updateItem(input: Parameters<DynamoWire['updateItem']>[0]) {
    return this.call('UpdateItem', input) as ReturnType<DynamoWire['updateItem']>
  }

  batchGetItem(input: Parameters<DynamoWire['batchGetItem']>[0]) {
    return this.call('BatchGetItem', input) as ReturnType<DynamoWire['batchGetItem']>
  }

  private async call(operation: string, input: object): Promise<unknown> {
    const body = JSON.stringify(input)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(operation, body)
      } catch (err) {
        if (attempt >= this.options.maxAttempts || !isRetryable(err)) throw err
        // Full jitter on an exponential base of 25 ms, as DynamoDB's SDKs do.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2_000, 25 * 2 ** attempt)))
      }
    }
  }

  private send(operation: string, body: string): Promise<unknown> {
    const signed = aws4.sign(
      {
        host: this.url.host,
        path: this.url.pathname,
        method: 'POST',
        service: 'dynamodb',
        region: this.options.region,
        body,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
      },
      this.options.credentials(),
    )
    return new Promise((resolve, reject) => {
      const request = this.transport.request({
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port,
        path: this.url.pathname,
        method: 'POST',
        headers: signed.headers,
        agent: this.agent,
      })
      const timer = setTimeout(() => {
        request.destroy(new DynamoHttpError('TimeoutError', `DynamoDB ${operation} got no answer within ${this.options.requestTimeoutMs} ms`, true))
      }, this.options.requestTimeoutMs)
      request.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      request.on('response', (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', (err) => {
          clearTimeout(timer)
          reject(err)
        })
        response.on('end', () => {
          clearTimeout(timer)
          try {
            resolve(parseAnswer(operation, response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')))
          } catch (err) {
            reject(err)
          }
        })
      })
      request.end(body)
    })
  }
}

function parseAnswer(operation: string, status: number, text: string): unknown {
  let json: { __type?: string; message?: string; Message?: string } | undefined
  try {
    json = JSON.parse(text) as typeof json
  } catch {
    // A proxy or load balancer in the way answers HTML; say what came back, not the bytes.
  }
  if (status === 200 && json) return json
  const type = json?.__type?.split('#').pop() || (status >= 500 ? 'InternalServerError' : 'UnknownError')
  const message = json?.message ?? json?.Message ?? `DynamoDB ${operation} answered HTTP ${status}${json ? '' : ' without a JSON body'}`
  throw new DynamoHttpError(type, message, status >= 500 || THROTTLING.has(type), status)
}

function isRetryable(err: unknown): boolean {
  if (err instanceof DynamoHttpError) return err.retryable
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code !== undefined && NETWORK.has(code)
}

/** Credentials as Lambda provides them: in the function's environment. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): () => AwsCredentials {
  return () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
    if (!accessKeyId || !secretAccessKey) {
      throw new DynamoHttpError('CredentialsError', 'no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)', false)
    }
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }) }
  }
}

/** The endpoint the SDK would pick: AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then the regional one. */
export function dynamoEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || `https://dynamodb.${region}.amazonaws.com`
}

/**
 * Bounded waits on the hot path: a slow or hung table must fail closed (503) well inside
 * the Lambda timeout, not hold the request. Used by the Lambda and the local host alike.
 */
export const HOT_PATH_LIMITS = { requestTimeoutMs: 3_000, maxAttempts: 2 }

/**
 * The hot path's client for a target: the embedded dynalite, or AWS as the environment
 * describes it (Lambda sets AWS_REGION and the credentials).
 */
export function dynamoHttpFor(
  target: Pick<AwsTarget, 'region' | 'local'>,
  limits: { requestTimeoutMs: number; maxAttempts: number } = HOT_PATH_LIMITS,
  env: NodeJS.ProcessEnv = process.env,
): DynamoHttp {
  if (target.local) {
    return new DynamoHttp({ ...limits, endpoint: target.local.dynamodbEndpoint, region: target.region ?? LOCAL_REGION, credentials: () => LOCAL_DYNAMO_CREDENTIALS })
  }
  const region = target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  if (!region) throw new Error('no AWS region: set AWS_REGION')
  return new DynamoHttp({ ...limits, endpoint: dynamoEndpoint(region, env), region, credentials: credentialsFromEnv(env) })
}
