// The two AWS calls of audit v2 without an emulator: Firehose PutRecord through the lean
// signed client (against a local HTTP server that checks the wire format), and S3's
// conditional write (aws-sdk-client-mock: s3rver ignores If-None-Match on PUT).
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toMetadata } from '../../lambda/src/contracts/audit-metadata.js'
import { FirehoseError, FirehoseHttp } from '../../lambda/src/stores/firehose-http.js'
import { FirehoseMetadataSink } from '../../lambda/src/stores/metadata-sinks.js'
import { S3ObjectStore } from '../../lambda/src/stores/s3-object-store.js'
import { sampleRecord } from '../support/records.js'

interface Seen {
  headers: IncomingMessage['headers']
  body: string
}
let server: Server
let url: string
const seen: Seen[] = []
let answers: { status: number; body: string }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ headers: req.headers, body })
      const a = answers.shift() ?? { status: 200, body: '{"RecordId":"r1","Encrypted":false}' }
      res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.1' }).end(a.body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
afterEach(() => {
  seen.length = 0
  answers = []
})

const client = () => new FirehoseHttp({ region: 'eu-west-1', endpoint: url, credentials: () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' }), maxAttempts: 3 })

describe('Firehose PutRecord (lean client)', () => {
  it('sends one signed JSON 1.1 PutRecord with the metadata as one base64 JSON line', async () => {
    const record = toMetadata(sampleRecord(), null)
    await new FirehoseMetadataSink(client(), 'codex-proxy-metadata').put(record)
    expect(seen).toHaveLength(1)
    const { headers, body } = seen[0]!
    expect(headers['x-amz-target']).toBe('Firehose_20150804.PutRecord')
    expect(headers['content-type']).toBe('application/x-amz-json-1.1')
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/firehose\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/)
    expect(headers['x-amz-security-token']).toBe('session')
    const sent = JSON.parse(body) as { DeliveryStreamName: string; Record: { Data: string } }
    expect(sent.DeliveryStreamName).toBe('codex-proxy-metadata')
    const line = Buffer.from(sent.Record.Data, 'base64').toString('utf8')
    expect(line.endsWith('\n')).toBe(true)
    expect(JSON.parse(line)).toEqual(record)
    for (const bodyField of ['"request_body"', '"response_body"', '"request_headers"', '"response_headers"']) expect(line).not.toContain(bodyField)
  })

  it('retries a 5xx and a throttle, then succeeds', async () => {
    answers = [
      { status: 500, body: '{"__type":"InternalFailure"}' },
      { status: 400, body: '{"__type":"ThrottlingException","message":"slow down"}' },
    ]
    await client().putRecord('s', new TextEncoder().encode('{}\n'))
    expect(seen).toHaveLength(3)
  })

  it('does not retry a client error, and names it', async () => {
    answers = [{ status: 400, body: '{"__type":"com.amazon#ResourceNotFoundException","message":"Firehose s not found"}' }]
    await expect(client().putRecord('s', new TextEncoder().encode('{}\n'))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Firehose s not found' })
    expect(seen).toHaveLength(1)
  })

  it('refuses a record over Firehose\'s 1,000 KiB before sending', async () => {
    await expect(client().putRecord('s', new Uint8Array(1_000 * 1024 + 1))).rejects.toBeInstanceOf(FirehoseError)
    expect(seen).toHaveLength(0)
  })

  it('says what came back when the answer is not JSON', async () => {
    answers = [{ status: 403, body: '<html>denied</html>' }]
    await expect(client().putRecord('s', new TextEncoder().encode('{}\n'))).rejects.toThrow('Firehose PutRecord answered HTTP 403')
  })
})

describe('S3 conditional writes', () => {
  const s3 = mockClient(S3Client)
  afterEach(() => s3.reset())

  it('sends If-None-Match: * and takes 412 for "exists" (nothing rewritten)', async () => {
    s3.on(PutObjectCommand).rejectsOnce(Object.assign(new Error('PreconditionFailed'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }))
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'b')
    expect(await store.create('bodies/k', new Uint8Array([1]), 'application/gzip')).toBe('exists')
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'b', Key: 'bodies/k', IfNoneMatch: '*' })
  })

  it('takes 409 (a racing write of the same content-addressed key) for "exists" too, and rethrows anything else', async () => {
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'b')
    s3.on(PutObjectCommand).rejectsOnce(Object.assign(new Error('ConditionalRequestConflict'), { $metadata: { httpStatusCode: 409 } }))
    expect(await store.create('k', new Uint8Array([1]), 'x')).toBe('exists')
    s3.reset()
    s3.on(PutObjectCommand).rejectsOnce(Object.assign(new Error('AccessDenied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))
    await expect(store.create('k', new Uint8Array([1]), 'x')).rejects.toThrow('AccessDenied')
  })
})
