// The lean S3 store of the Lambda (lambda/src/stores/s3-http.ts): against real s3rver
// (signatures checked, bytes round-tripped), and against a strict loopback fake for what
// s3rver does not do — it ignores If-None-Match on PUT, never answers 412/409, 5xx or
// hangs — and to see exactly which headers go out (Object Lock needs a checksum).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AwsHttpError } from '../../lambda/src/stores/signed-http.js'
import { crc32Base64, S3HttpObjectStore, s3Endpoint, s3Location } from '../../lambda/src/stores/s3-http.js'
import { NodeSha256 } from '../support/sdk-sha256.js'
import { startTestStores, type TestStores } from '../support/stores.js'

const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

describe('lean S3 store against s3rver', () => {
  let stores: TestStores
  const store = (options: Partial<ConstructorParameters<typeof S3HttpObjectStore>[0]> = {}) =>
    new S3HttpObjectStore({ bucket: stores.names.bucket, region: 'us-east-1', endpoint: stores.target.local!.s3Endpoint, forcePathStyle: true, credentials: () => S3RVER_CREDENTIALS, ...options })
  beforeAll(async () => {
    stores = await startTestStores()
  })
  afterAll(async () => {
    await stores.close()
  })

  it('creates an object and reads back the same bytes', async () => {
    const body = new TextEncoder().encode('{"hello":"world"}\n')
    expect(await store().create('bodies/2026/11/29/a.json', body, 'application/json')).toBe('created')
    expect(Buffer.from((await store().get('bodies/2026/11/29/a.json'))!).toString()).toBe('{"hello":"world"}\n')
  })

  it('reads a missing key as undefined', async () => {
    expect(await store().get('bodies/none/such.json')).toBeUndefined()
  })

  it('signs keys with characters that need encoding (space, plus, unicode, RFC 3986 reserved)', async () => {
    const key = "blocks/x y+z/é-ü/(a)!*'~.json"
    const body = Buffer.from('odd key')
    expect(await store().create(key, body, 'text/plain')).toBe('created')
    expect(Buffer.from((await store().get(key))!).toString()).toBe('odd key')
  })

  it('round-trips a large body (24 MiB, not valid UTF-8) byte for byte', async () => {
    const body = Buffer.alloc(24 * 2 ** 20)
    for (let i = 0; i < body.length; i += 4096) body[i] = (i / 4096) & 0xff
    body[1] = 0xff // a lone 0xff byte: any text decoding on the way would change it
    expect(await store({ requestTimeoutMs: 30_000 }).create('blocks/huge.bin', body, 'application/octet-stream')).toBe('created')
    const back = await store({ requestTimeoutMs: 30_000 }).get('blocks/huge.bin')
    expect(back!.byteLength).toBe(body.length)
    expect(Buffer.from(back!).equals(body)).toBe(true)
  })

  it('in head-then-put mode, answers exists for a key already there and leaves its bytes', async () => {
    const s = store({ mode: 'head-then-put' })
    expect(await s.create('blocks/once.txt', Buffer.from('first'), 'text/plain')).toBe('created')
    expect(await s.create('blocks/once.txt', Buffer.from('second'), 'text/plain')).toBe('exists')
    expect(Buffer.from((await s.get('blocks/once.txt'))!).toString()).toBe('first')
  })

  // s3rver checks the access key id but not V4 signatures (lib/middleware/authentication.js:
  // "Signature version 4 calculation is unimplemented"): the signature itself is checked
  // against the SDK's signer below.
  it('surfaces refused credentials as S3 names them, once, without retrying', async () => {
    const wrong = store({ credentials: () => ({ accessKeyId: 'NOT-A-KEY', secretAccessKey: 'not-the-secret' }), maxAttempts: 3 })
    const err = await wrong.create('bodies/denied.json', Buffer.from('{}'), 'application/json').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(AwsHttpError)
    expect(err).toMatchObject({ name: 'InvalidAccessKeyId', statusCode: 403, retryable: false })
    expect((err as Error).message).toBe('S3 PutObject: The AWS Access Key Id you provided does not exist in our records.')
    expect(await store().get('bodies/denied.json')).toBeUndefined()
  })
})

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

describe('lean S3 store against a strict fake', () => {
  let server: Server
  let base: string
  const seen: Seen[] = []
  let answers: ((res: ServerResponse, req: IncomingMessage) => void)[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) })
        ;(answers.shift() ?? ok)(res, req)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })
  const script = (...a: typeof answers) => {
    seen.length = 0
    answers = a
  }
  const ok = (res: ServerResponse) => res.writeHead(200, { etag: '"e"' }).end()
  const status = (code: number, xml = '') => (res: ServerResponse) => res.writeHead(code, { 'content-type': 'application/xml' }).end(xml)
  const s3Err = (code: number, name: string, message: string) => status(code, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${name}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`)
  const hang = () => {}
  const store = (options: { maxAttempts?: number; requestTimeoutMs?: number; mode?: 'if-none-match' | 'head-then-put' } = {}) =>
    new S3HttpObjectStore({ bucket: 'audit-bucket', region: 'eu-west-1', endpoint: base, forcePathStyle: true, credentials: () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' }), ...options })

  it('sends a signed conditional PUT with the CRC32 checksum headers Object Lock buckets require', async () => {
    script(ok)
    const body = Buffer.from('123456789')
    expect(await store().create('bodies/2026/11/29/r.json', body, 'application/json')).toBe('created')
    expect(seen).toHaveLength(1)
    const { method, url, headers } = seen[0]!
    expect(method).toBe('PUT')
    expect(url).toBe('/audit-bucket/bodies/2026/11/29/r.json')
    expect(headers['if-none-match']).toBe('*')
    // CRC-32 of "123456789" is 0xCBF43926 (the standard check value), base64 big-endian.
    expect(headers['x-amz-checksum-crc32']).toBe('y/Q5Jg==')
    expect(headers['x-amz-sdk-checksum-algorithm']).toBe('CRC32')
    expect(headers['content-type']).toBe('application/json')
    expect(headers['content-length']).toBe('9')
    expect(headers['x-amz-security-token']).toBe('session')
    expect(headers['x-amz-content-sha256']).toBe('15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225')
    const auth = String(headers.authorization)
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^ ]+, Signature=[0-9a-f]{64}$/)
    const signedHeaders = auth.match(/SignedHeaders=([^,]+)/)![1]!.split(';')
    for (const h of ['host', 'if-none-match', 'x-amz-checksum-crc32', 'x-amz-content-sha256', 'x-amz-date']) expect(signedHeaders).toContain(h)
    expect(auth).not.toContain('secret')
  })

  it('signs as the AWS SDK signer does, key encoding included', async () => {
    script(ok)
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' }
    const s = new S3HttpObjectStore({ bucket: 'audit-bucket', region: 'eu-west-1', endpoint: base, forcePathStyle: true, credentials: () => credentials })
    await s.create("blocks/x y+z/é(1)!.bin", Buffer.from('payload'), 'application/octet-stream')
    const { url, headers, body } = seen[0]!
    expect(url).toBe('/audit-bucket/blocks/x%20y%2Bz/%C3%A9%281%29%21.bin')
    expect(JSON.stringify(headers)).not.toContain(credentials.secretAccessKey)
    const authorization = String(headers.authorization)
    const signed = authorization.match(/SignedHeaders=([^,]+)/)![1]!.split(';')
    const amzDate = String(headers['x-amz-date'])
    // S3 signs the path as sent, not encoded twice (uriEscapePath: false, as client-s3 does).
    const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: true })
    const request = await signer.sign(
      { method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', path: url, query: {}, body, headers: Object.fromEntries(signed.map((h) => [h, String(headers[h])])) },
      { signingDate: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`), signableHeaders: new Set(signed), unsignableHeaders: new Set() },
    )
    expect(request.headers.authorization).toBe(authorization)
  })

  it('computes the checksum of the bytes it sends (a view into a larger buffer included)', async () => {
    script(ok)
    const backing = Buffer.from('xxxx123456789yyyy')
    await store().create('blocks/view', backing.subarray(4, 13), 'application/octet-stream')
    expect(seen[0]!.body.toString()).toBe('123456789')
    expect(seen[0]!.headers['x-amz-checksum-crc32']).toBe('y/Q5Jg==')
    expect(crc32Base64(new Uint8Array(0))).toBe('AAAAAA==')
  })

  it('answers exists for 412 (the key holds an object) and 409 (a racing write), without retrying', async () => {
    script(s3Err(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'))
    expect(await store().create('blocks/a', Buffer.from('a'), 'text/plain')).toBe('exists')
    expect(seen).toHaveLength(1)
    script(s3Err(409, 'ConditionalRequestConflict', 'A conflicting conditional operation is currently in progress'))
    expect(await store().create('blocks/a', Buffer.from('a'), 'text/plain')).toBe('exists')
    expect(seen).toHaveLength(1)
  })

  it('retries 500, 503 SlowDown and a reset connection, then succeeds', async () => {
    for (const failure of [s3Err(500, 'InternalError', 'We encountered an internal error'), s3Err(503, 'SlowDown', 'Please reduce your request rate'), (_res: ServerResponse, req: IncomingMessage) => req.socket.destroy()]) {
      script(failure, ok)
      expect(await store().create('blocks/r', Buffer.from('r'), 'text/plain')).toBe('created')
      expect(seen).toHaveLength(2)
      expect(seen[1]!.body.toString()).toBe('r')
    }
  })

  it('gives up after maxAttempts with the last error, named', async () => {
    script(status(503), status(503), status(503), ok)
    const err = await store({ maxAttempts: 3 }).create('blocks/x', Buffer.from('x'), 'text/plain').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'InternalError', statusCode: 503, message: 'S3 PutObject answered HTTP 503' })
    expect(seen).toHaveLength(3)
  })

  it('does not retry a 403, and names it', async () => {
    script(s3Err(403, 'AccessDenied', 'Access Denied'), ok)
    const err = await store().create('blocks/x', Buffer.from('x'), 'text/plain').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'AccessDenied', statusCode: 403, message: 'S3 PutObject: Access Denied' })
    expect(seen).toHaveLength(1)
  })

  it('surfaces a refused signature by its code and message only, not the string S3 says it signed', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>' +
      '<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20261129T000000Z\n20261129/eu-west-1/s3/aws4_request\nabc</StringToSign><CanonicalRequest>PUT\n/audit-bucket/blocks/x</CanonicalRequest></Error>'
    script(status(403, xml), ok)
    const err = (await store().create('blocks/x', Buffer.from('x'), 'text/plain').then(
      () => undefined,
      (e: unknown) => e,
    )) as Error
    expect(err).toMatchObject({ name: 'SignatureDoesNotMatch', statusCode: 403, retryable: false })
    expect(err.message).toBe('S3 PutObject: The request signature we calculated does not match the signature you provided. Check your key and signing method.')
    expect(err.message).not.toContain('AKIDEXAMPLE')
    expect(err.message).not.toContain('aws4_request')
    expect(seen).toHaveLength(1)
  })

  it('times out each attempt of a store that accepts the request and never answers, and retries it', async () => {
    script(hang, hang)
    const started = performance.now()
    const err = await store({ maxAttempts: 2, requestTimeoutMs: 200 }).create('blocks/h', Buffer.from('h'), 'text/plain').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'TimeoutError', message: 'S3 PutObject got no answer within 200 ms' })
    expect(seen).toHaveLength(2)
    expect(performance.now() - started).toBeGreaterThanOrEqual(400)
  })

  it('retries an answer cut off mid-body, then reads the whole object', async () => {
    const cut = (res: ServerResponse) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('partial')
      setTimeout(() => res.socket?.destroy(), 10)
    }
    script(cut, (res) => res.writeHead(200).end('whole'))
    expect(Buffer.from((await store().get('blocks/g'))!).toString()).toBe('whole')
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET'])
  })

  it('reads 404 as no object, and keeps an XML error of another status as an error', async () => {
    script(s3Err(404, 'NoSuchKey', 'The specified key does not exist.'))
    expect(await store().get('blocks/none')).toBeUndefined()
    script(s3Err(400, 'InvalidArgument', 'a &lt;bad&gt; argument'))
    await expect(store().get('blocks/none')).rejects.toMatchObject({ name: 'InvalidArgument', message: 'S3 GetObject: a <bad> argument' })
  })

  it('names a non-XML error by its status, without quoting the body', async () => {
    script((res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway sk-not-a-secret</html>'), (res) => res.writeHead(502).end('<html/>'), (res) => res.writeHead(502).end('<html/>'))
    const err = await store().get('blocks/x').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'InternalError', statusCode: 502 })
    expect((err as Error).message).not.toContain('sk-not-a-secret')
  })

  it('in head-then-put mode asks HEAD first and does not PUT over an existing key', async () => {
    script(ok)
    expect(await store({ mode: 'head-then-put' }).create('blocks/h', Buffer.from('h'), 'text/plain')).toBe('exists')
    expect(seen.map((s) => s.method)).toEqual(['HEAD'])
    script(status(404), ok)
    expect(await store({ mode: 'head-then-put' }).create('blocks/h', Buffer.from('h'), 'text/plain')).toBe('created')
    expect(seen.map((s) => s.method)).toEqual(['HEAD', 'PUT'])
    expect(seen[1]!.headers['if-none-match']).toBeUndefined()
  })
})

describe('where the bucket is', () => {
  it('puts the bucket in the host by default, as the SDK does', () => {
    expect(s3Location({ bucket: 'logs', region: 'eu-west-1' })).toEqual({ endpoint: 'https://logs.s3.eu-west-1.amazonaws.com', prefix: '' })
    expect(s3Location({ bucket: 'logs', region: 'eu-west-1', endpoint: 'https://s3.example.test:8443' })).toEqual({ endpoint: 'https://logs.s3.example.test:8443', prefix: '' })
  })

  it('puts the bucket in the path when path style is forced', () => {
    expect(s3Location({ bucket: 'logs', region: 'us-east-1', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true })).toEqual({ endpoint: 'http://127.0.0.1:4569', prefix: '/logs' })
    expect(s3Location({ bucket: 'logs', region: 'us-east-1', endpoint: 'http://127.0.0.1:4569/minio/', forcePathStyle: true })).toEqual({ endpoint: 'http://127.0.0.1:4569', prefix: '/minio/logs' })
  })

  it('picks the endpoint as the SDK does: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the region', () => {
    expect(s3Endpoint('eu-west-1', {})).toBe('https://s3.eu-west-1.amazonaws.com')
    expect(s3Endpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://general:1' })).toBe('http://general:1')
    expect(s3Endpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://general:1', AWS_ENDPOINT_URL_S3: 'http://s3:2' })).toBe('http://s3:2')
  })
})

