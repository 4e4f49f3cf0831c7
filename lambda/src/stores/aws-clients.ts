// Where the AWS stores are (AWS, or the embedded dynalite/s3rver), the per-attempt limits
// every SDK client gets, and the S3 client of the Lambda host, the local host and the ops
// CLI. The DynamoDB SDK clients live in dynamo-sdk.ts, apart, so that the Lambda bundle
// (whose hot path uses dynamo-http.ts) does not carry them.
import { S3Client } from '@aws-sdk/client-s3'

export interface AwsTarget {
  region?: string
  /** Set for the embedded local stores (dynalite, s3rver); absent for real AWS. */
  local?: { dynamodbEndpoint: string; s3Endpoint: string }
  /** Per-attempt timeout; the SDK retries up to `maxAttempts`. */
  requestTimeoutMs?: number
  maxAttempts?: number
  /** Path-style S3 URLs (S3-compatible stores behind AWS_ENDPOINT_URL_S3). */
  forcePathStyle?: boolean
}

export const LOCAL_REGION = 'us-east-1'
/** dynalite accepts any credentials; fixed ones keep the local stack off real ones. */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }

/**
 * Per-attempt time limits. @smithy/node-http-handler 4.x only *warns* when a request
 * exceeds `requestTimeout` unless `throwOnRequestTimeout` is set (see its
 * NodeHttpHandlerOptions docs): without it a store that accepts the connection and never
 * answers holds the request — and the audit write — forever.
 */
export function requestHandler(target: AwsTarget) {
  if (!target.requestTimeoutMs) return undefined
  return { requestTimeout: target.requestTimeoutMs, connectionTimeout: target.requestTimeoutMs, throwOnRequestTimeout: true }
}

export function s3Client(target: AwsTarget): S3Client {
  return new S3Client({
    region: target.region ?? (target.local ? LOCAL_REGION : undefined),
    maxAttempts: target.maxAttempts,
    forcePathStyle: target.forcePathStyle,
    requestHandler: requestHandler(target),
    ...(target.local && {
      endpoint: target.local.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // s3rver stores the aws-chunked checksum trailer inside streamed objects (NOTES.md);
      // real S3 keeps the SDK default (Object Lock buckets require checksums).
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    }),
  })
}
