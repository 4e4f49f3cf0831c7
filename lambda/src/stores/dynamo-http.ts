// A lean DynamoDB client for the proxy's hot path: JSON 1.0 over a kept-alive node:http(s)
// connection, signed with SigV4 by `aws4`. Why not the SDK here: a counter UpdateItem
// through @aws-sdk/lib-dynamodb cost ~1–2.8 ms of CPU on the proxy's event loop against
// ~0.25–0.6 ms this way (bench/store-client-results.md), and a token with limits makes three
// such calls per request, two of them before the first byte. Retries and per-attempt
// timeouts follow the SDK's standard mode: network errors, timeouts, 5xx and throttling
// are retried with jittered exponential backoff, up to `maxAttempts`.
import { type AwsTarget, LOCAL_DYNAMO_CREDENTIALS, LOCAL_REGION } from './aws-clients.js'
import type { DynamoWire } from './dynamo-wire.js'
import { type AwsCredentials, credentialsFromEnv, readAwsJson, regionFromEnv, serviceEndpoint, SignedHttp } from './signed-http.js'

export { type AwsCredentials, credentialsFromEnv } from './signed-http.js'
/** DynamoDB's errors are the shared transport's: `name` is DynamoDB's error type. */
export { AwsHttpError as DynamoHttpError } from './signed-http.js'

export interface DynamoHttpOptions {
  endpoint: string
  region: string
  /** Read on every call: cheap, and it follows credentials that change under the process. */
  credentials: () => AwsCredentials
  requestTimeoutMs: number
  maxAttempts: number
}

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'])

export class DynamoHttp implements DynamoWire {
  private readonly http: SignedHttp

  constructor(options: DynamoHttpOptions) {
    // Full jitter on an exponential base of 25 ms, as DynamoDB's SDKs do.
    this.http = new SignedHttp({ ...options, service: 'dynamodb', label: 'DynamoDB', backoffBaseMs: 25 })
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
    return this.http.request(
      {
        method: 'POST',
        path: this.http.url.pathname,
        operation,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
        body: JSON.stringify(input),
      },
      (answer) => readAwsJson<unknown>('DynamoDB', operation, answer, { retryable: THROTTLING, serverError: 'InternalServerError' }),
    )
  }
}

/** The endpoint the SDK would pick: AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then the regional one. */
export function dynamoEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return serviceEndpoint('AWS_ENDPOINT_URL_DYNAMODB', 'dynamodb', region, env)
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
  const region = target.region ?? regionFromEnv(env)
  return new DynamoHttp({ ...limits, endpoint: dynamoEndpoint(region, env), region, credentials: credentialsFromEnv(env) })
}
