// The local host's audit-bucket writer (lambda/src/local/file-object-store.ts): objects
// written straight into s3rver's directory must read back through s3rver's S3 API (what
// the CLI's `audit`, `report` and `validate --local` use) exactly as if s3rver had
// written them, and keep the write-once contract of the ObjectStore port.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStores, startStoreServers } from '../../lambda/src/local/embedded-stores.js'
import { FileObjectStore } from '../../lambda/src/local/file-object-store.js'
import { ensureBucket } from '../../lambda/src/local/provision.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { leftoverTempFiles } from '../support/records-on-disk.js'

const BUCKET = 'file-store-test'
let dir: string
let stores: RunningStores
let s3: S3Client
let objects: FileObjectStore

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxp-file-store-'))
  stores = await startStoreServers({ dataDir: dir })
  s3 = s3Client({ local: stores, maxAttempts: 1 })
  await ensureBucket(s3, BUCKET)
  objects = new FileObjectStore(join(dir, 's3'), BUCKET)
})
afterAll(async () => {
  await stores.close()
  await rm(dir, { recursive: true, force: true })
})

describe('FileObjectStore', () => {
  it('writes an object that s3rver lists and serves with its bytes and content type', async () => {
    const body = new TextEncoder().encode('{"hello":"world"}\n')
    expect(await objects.create('metadata/2026/11/29/r1.json', body, 'application/json')).toBe('created')
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'metadata/' }))
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['metadata/2026/11/29/r1.json', body.byteLength]])
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'metadata/2026/11/29/r1.json' }))
    expect(got.ContentType).toBe('application/json')
    expect(await got.Body!.transformToString()).toBe('{"hello":"world"}\n')
    // The ETag is the MD5 s3rver would have computed.
    expect(got.ETag).toBe('"' + (await import('node:crypto')).createHash('md5').update(body).digest('hex') + '"')
  })

  it('never rewrites an object: a second create answers exists and the first bytes stay', async () => {
    expect(await objects.create('blocks/ab/cd', new Uint8Array([1, 2, 3]), 'application/octet-stream')).toBe('created')
    expect(await objects.create('blocks/ab/cd', new Uint8Array([9, 9]), 'application/octet-stream')).toBe('exists')
    expect(Array.from((await objects.get('blocks/ab/cd'))!)).toEqual([1, 2, 3])
  })

  it('sees an object s3rver wrote as existing (one layout, whichever process wrote)', async () => {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3')
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'via-api/x', Body: Buffer.from('api') }))
    expect(await objects.create('via-api/x', new Uint8Array([0]), 'text/plain')).toBe('exists')
    expect(Buffer.from((await objects.get('via-api/x'))!).toString()).toBe('api')
  })

  it('lets exactly one of many concurrent creates of one key write it', async () => {
    const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => objects.create('race/one', new Uint8Array([i]), 'application/octet-stream')))
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1)
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'race/one' }))
    expect(await leftoverTempFiles(join(dir, 's3'))).toEqual([])
  })

  it('writes a subarray view exactly (not the whole buffer behind it)', async () => {
    const backing = new Uint8Array([7, 7, 1, 2, 3, 7, 7])
    await objects.create('views/sub', backing.subarray(2, 5), 'application/octet-stream')
    expect(Array.from((await objects.get('views/sub'))!)).toEqual([1, 2, 3])
  })

  it('answers undefined for a missing key', async () => {
    expect(await objects.get('nothing/here')).toBeUndefined()
  })

  it('refuses keys that would leave the bucket directory, writing nothing', async () => {
    for (const key of ['../escape', 'a/../../escape', '/abs', 'a/./b', '', 'nul\0byte']) {
      await expect(objects.create(key, new Uint8Array([1]), 'text/plain')).rejects.toThrow(/outside the bucket layout/)
      await expect(objects.get(key)).rejects.toThrow(/outside the bucket layout/)
    }
    expect((await readdir(join(dir, 's3'))).sort()).toEqual([BUCKET])
  })
})

describe('FileObjectStore: directories it remembers', () => {
  it('writes again after a day directory it already made was removed behind its back', async () => {
    const { rm: remove } = await import('node:fs/promises')
    expect(await objects.create('cleanup/day=01/a', new Uint8Array([1]), 'text/plain')).toBe('created')
    await remove(join(dir, 's3', BUCKET, 'cleanup'), { recursive: true, force: true })
    expect(await objects.create('cleanup/day=01/b', new Uint8Array([2]), 'text/plain')).toBe('created')
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cleanup/day=01/b' }))
    expect(await got.Body!.transformToString()).toBe('\u0002')
  })
})
