// The write-once object store over S3 without the SDK: the Lambda's audit writes (bodies,
// blocks, metadata objects) as signed PUT/GET over a kept-alive connection (signed-http.ts).
// Why: the SDK's PutObject (its middleware stack, flexible-checksum and XML machinery) was
// the largest share of the proxy's CPU per request and most of the first request's extra
// cost on Lambda (bench/RESULTS.md, issue 14); S3ObjectStore (SDK) stays for the ops CLI
// and `serve`.
//
// - Create is a conditional write, `If-None-Match: *`
//   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): an
//   existing key answers 412 and nothing is rewritten; 409 ConditionalRequestConflict is a
//   racing write of the same key (content-addressed: the same bytes). Either is 'exists'.
//   A retried PUT whose first attempt landed answers 412 too, so retrying it is safe.
// - Object Lock: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any
//   request to upload an object with a retention period configured using Amazon S3 Object
//   Lock", and x-amz-sdk-checksum-algorithm needs its x-amz-checksum-* value
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html). Sent as the SDK
//   sends them for a whole-buffer body: CRC32 (zlib.crc32, Node ≥ 20.15), base64 big-endian.
// - s3rver (the local store) ignores If-None-Match on PUT: `head-then-put` asks HEAD first
//   (racy between two writers; only for stores without Object Lock).
import zlib from 'node:zlib'
import type { ObjectStore } from '../bodies/object-store.js'
import { type AwsCredentials, AwsHttpError, type HttpAnswer, serviceEndpoint, SignedHttp } from './signed-http.js'

export type ConditionalWrite = 'if-none-match' | 'head-then-put'

export interface S3HttpOptions {
  bucket: string
  region: string
  /** Base endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else https://s3.REGION.amazonaws.com. */
  endpoint?: string
  /** Bucket in the path (`endpoint/bucket/key`) instead of the host (`bucket.endpoint/key`). */
  forcePathStyle?: boolean
  credentials: () => AwsCredentials
  requestTimeoutMs?: number
  maxAttempts?: number
  mode?: ConditionalWrite
}

/** The endpoint the SDK would pick: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the regional one. */
export function s3Endpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return serviceEndpoint('AWS_ENDPOINT_URL_S3', 's3', region, env)
}

/**
 * Where a bucket's objects are: virtual-hosted style (`https://BUCKET.s3.REGION.amazonaws.com/KEY`,
 * the SDK's default) or path style (`ENDPOINT/BUCKET/KEY`, for S3-compatible stores).
 */
export function s3Location(options: Pick<S3HttpOptions, 'bucket' | 'region' | 'endpoint' | 'forcePathStyle'>): { endpoint: string; prefix: string } {
  const base = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`)
  const basePath = base.pathname.replace(/\/$/, '')
  if (options.forcePathStyle) return { endpoint: base.origin, prefix: `${basePath}/${encodeSegment(options.bucket)}` }
  return { endpoint: `${base.protocol}//${options.bucket}.${base.host}`, prefix: basePath }
}

/** S3's error codes that mean "slow down / try again" although their status is not 5xx. */
const RETRYABLE_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable'])

export class S3HttpObjectStore implements ObjectStore {
  private readonly http: SignedHttp
  private readonly prefix: string
  private readonly mode: ConditionalWrite

  constructor(options: S3HttpOptions) {
    const { endpoint, prefix } = s3Location(options)
    this.prefix = prefix
    this.mode = options.mode ?? 'if-none-match'
    this.http = new SignedHttp({
      endpoint,
      service: 's3',
      region: options.region,
      credentials: options.credentials,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      maxAttempts: options.maxAttempts ?? 3,
      label: 'S3',
    })
  }

  async create(key: string, body: Uint8Array, contentType: string): Promise<'created' | 'exists'> {
    if (this.mode === 'head-then-put' && (await this.exists(key))) return 'exists'
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-amz-sdk-checksum-algorithm': 'CRC32',
      'x-amz-checksum-crc32': crc32Base64(bytes),
    }
    if (this.mode === 'if-none-match') headers['if-none-match'] = '*'
    return this.http.request({ method: 'PUT', path: this.path(key), operation: 'PutObject', headers, body: bytes }, (answer) => {
      if (answer.status === 200) return 'created' as const
      if (answer.status === 412 || answer.status === 409) return 'exists' as const
      throw s3Error('PutObject', answer)
    })
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.http.request({ method: 'GET', path: this.path(key), operation: 'GetObject', headers: {} }, (answer) => {
      if (answer.status === 200) return new Uint8Array(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength)
      if (answer.status === 404) return undefined
      throw s3Error('GetObject', answer)
    })
  }

  private exists(key: string): Promise<boolean> {
    return this.http.request({ method: 'HEAD', path: this.path(key), operation: 'HeadObject', headers: {} }, (answer) => {
      if (answer.status === 200) return true
      if (answer.status === 404) return false
      throw s3Error('HeadObject', answer)
    })
  }

  private path(key: string): string {
    return `${this.prefix}/${key.split('/').map(encodeSegment).join('/')}`
  }
}

/** RFC 3986 encoding of one path segment, as S3's canonical request wants it. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function crc32Base64(bytes: Uint8Array): string {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(zlib.crc32(bytes) >>> 0)
  return out.toString('base64')
}

/**
 * S3's XML error (`<Error><Code>…</Code><Message>…</Message>`) as an AwsHttpError: code and
 * message only — S3's SignatureDoesNotMatch also returns the string it signed, which
 * names the access key id; that stays out of errors and logs.
 */
function s3Error(operation: string, { status, body }: HttpAnswer): AwsHttpError {
  const text = body.subarray(0, 4_096).toString('utf8')
  const field = (name: string) => new RegExp(`<${name}>([^<]{0,500})</${name}>`).exec(text)?.[1]
  const code = field('Code') ?? (status >= 500 ? 'InternalError' : status === 403 ? 'AccessDenied' : `Http${status}`)
  const said = field('Message')
  const message = said === undefined ? `S3 ${operation} answered HTTP ${status}` : `S3 ${operation}: ${unescapeXml(said)}`
  return new AwsHttpError(code, message, status >= 500 || status === 429 || RETRYABLE_CODES.has(code), status)
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!)
}
