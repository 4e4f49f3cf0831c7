// The write-once object store over S3. Real S3 gets a conditional write
// (`If-None-Match: *`, https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
// an existing key answers 412 and nothing is rewritten, even between racing instances.
// s3rver 3.7.1 (the local store) ignores If-None-Match on PUT (it only honours it on GET,
// lib/controllers/object.js), so the local host asks HEAD first: racy between two writers,
// but blocks are content-addressed (equal bytes) and the local bucket has no Object Lock.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { ObjectStore } from '../bodies/object-store.js'

export type ConditionalWrite = 'if-none-match' | 'head-then-put'

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly mode: ConditionalWrite = 'if-none-match',
  ) {}

  async create(key: string, body: Uint8Array, contentType: string): Promise<'created' | 'exists'> {
    if (this.mode === 'head-then-put' && (await this.exists(key))) return 'exists'
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ...(this.mode === 'if-none-match' && { IfNoneMatch: '*' }) }),
      )
      return 'created'
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      // 412: the key exists. 409 ConditionalRequestConflict: a racing write to the same
      // key is in flight; content-addressed, so its bytes are ours.
      if (status === 412 || status === 409) return 'exists'
      throw err
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      return await object.Body?.transformToByteArray()
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined
      throw err
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return true
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 || (err as Error).name === 'NotFound') return false
      throw err
    }
  }
}
