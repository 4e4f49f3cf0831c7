// The hot path's lean DynamoDB client: the same answers as the AWS SDK on real dynalite,
// a SigV4 signature the SDK's own signer agrees with, and the SDK's retry and timeout
// behaviour against a server that fails on purpose.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoHttp, DynamoHttpError, dynamoEndpoint, dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'
import { sdkDynamoWire } from '../../lambda/src/stores/dynamo-sdk.js'
import { type DynamoWire, isConditionalCheckFailed } from '../../lambda/src/stores/dynamo-wire.js'
import { NodeSha256 } from '../support/sdk-sha256.js'
import { startTestStores, type TestStores } from '../support/stores.js'

let t: TestStores
beforeAll(async () => {
  t = await startTestStores()
})
afterAll(async () => {
  await t.close()
})

describe('lean DynamoDB client against dynalite, side by side with the AWS SDK', () => {
  const table = () => t.names.usageTable
  const transports = (): [string, DynamoWire][] => [
    ['lean', t.dynamo],
    ['sdk', sdkDynamoWire(t.sdk)],
  ]

  it('gives the same answers to UpdateItem, GetItem and BatchGetItem', async () => {
    const answers = []
    for (const [name, wire] of transports()) {
      const Key = { pk: { S: `parity#${name}` } }
      const update = { TableName: table(), Key, UpdateExpression: 'ADD #n :one SET #l = :label', ExpressionAttributeNames: { '#n': 'n', '#l': 'label' }, ExpressionAttributeValues: { ':one': { N: '1' }, ':label': { S: 'ünï "quoted"' } }, ReturnValues: 'UPDATED_NEW' as const }
      const first = await wire.updateItem(update)
      const second = await wire.updateItem(update)
      const got = await wire.getItem({ TableName: table(), Key })
      const missing = await wire.getItem({ TableName: table(), Key: { pk: { S: 'parity#absent' } } })
      const batch = await wire.batchGetItem({ RequestItems: { [table()]: { Keys: [Key, { pk: { S: 'parity#absent' } }] } } })
      answers.push({ first: first.Attributes, second: second.Attributes, got: { ...got.Item, pk: undefined }, missing: missing.Item, batch: batch.Responses?.[table()]?.map((i) => i.n) })
    }
    expect(answers[0]).toEqual({ first: { n: { N: '1' }, label: { S: 'ünï "quoted"' } }, second: { n: { N: '2' }, label: { S: 'ünï "quoted"' } }, got: { n: { N: '2' }, label: { S: 'ünï "quoted"' }, pk: undefined }, missing: undefined, batch: [{ N: '2' }] })
    expect(answers[1]).toEqual(answers[0])
  })

  it('names a failed condition and a bad request as the SDK does', async () => {
    for (const [, wire] of transports()) {
      const refused = await wire
        .updateItem({ TableName: table(), Key: { pk: { S: 'cond' } }, UpdateExpression: 'ADD #n :one', ConditionExpression: '#n <= :c', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':one': { N: '1' }, ':c': { N: '-1' } } })
        .catch((e: unknown) => e)
      expect(isConditionalCheckFailed(refused)).toBe(true)
      const invalid = await wire.getItem({ TableName: 'no-such-table', Key: { pk: { S: 'x' } } }).catch((e: unknown) => e as Error)
      expect(invalid).toBeInstanceOf(Error)
      expect((invalid as Error).name).toBe('ResourceNotFoundException')
    }
  })
})

describe('lean DynamoDB client: signing', () => {
  it('signs as the AWS SDK signer does, with the session token, and never sends the secret key', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = []
    const server = await listen((req, res) => collect(req).then((body) => {
      seen.push({ headers: req.headers, body })
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}')
    }))
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' }
    const client = new DynamoHttp({ endpoint: url(server), region: 'eu-west-1', credentials: () => credentials, requestTimeoutMs: 1_000, maxAttempts: 1 })
    await client.getItem({ TableName: 'codex-proxy-tokens', Key: { pk: { S: 'token#abc' } } })
    server.close()

    const { headers, body } = seen[0]!
    expect(headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem')
    expect(headers['x-amz-security-token']).toBe('session-token-example')
    expect(JSON.stringify(headers) + body).not.toContain(credentials.secretAccessKey)
    const authorization = String(headers.authorization)
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/)

    // Recompute with the SDK's signer over the headers the client said it signed.
    const signed = authorization.match(/SignedHeaders=([^,]+)/)![1]!.split(';')
    const amzDate = String(headers['x-amz-date'])
    const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: NodeSha256, uriEscapePath: true, applyChecksum: false })
    const request = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: '/', query: {}, body, headers: Object.fromEntries(signed.map((h) => [h, String(headers[h])])) },
      { signingDate: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`), signableHeaders: new Set(signed), unsignableHeaders: new Set() },
    )
    expect(request.headers.authorization).toBe(authorization)
  })

  it('picks the endpoint as the SDK does: service variable, then the general one, then the region', () => {
    expect(dynamoEndpoint('us-east-1', {})).toBe('https://dynamodb.us-east-1.amazonaws.com')
    expect(dynamoEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://general:1' })).toBe('http://general:1')
    expect(dynamoEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://general:1', AWS_ENDPOINT_URL_DYNAMODB: 'http://ddb:2' })).toBe('http://ddb:2')
  })

  it('says which credentials are missing, without calling DynamoDB', async () => {
    const client = dynamoHttpFor({ region: 'us-east-1' }, { requestTimeoutMs: 500, maxAttempts: 3 }, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' })
    await expect(client.getItem({ TableName: 'x', Key: {} })).rejects.toThrow('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)')
  })
})

describe('lean DynamoDB client: retries and timeouts', () => {
  let server: Server
  let answers: ((res: ServerResponse, req: IncomingMessage) => void)[] = []
  let calls = 0
  beforeAll(async () => {
    server = await listen((req, res) => {
      calls++
      void collect(req).then(() => (answers.shift() ?? ok)(res, req))
    })
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })
  const client = (maxAttempts: number, requestTimeoutMs = 1_000) =>
    new DynamoHttp({ endpoint: url(server), region: 'us-east-1', credentials: () => ({ accessKeyId: 'a', secretAccessKey: 'b' }), requestTimeoutMs, maxAttempts })
  const run = async (script: typeof answers, maxAttempts: number, requestTimeoutMs?: number) => {
    answers = [...script]
    calls = 0
    const started = performance.now()
    const result = await client(maxAttempts, requestTimeoutMs).getItem({ TableName: 't', Key: {} }).then((v) => v, (e: unknown) => e)
    return { result, calls, ms: performance.now() - started }
  }
  const ok = (res: ServerResponse) => res.writeHead(200).end('{"Item":{"pk":{"S":"x"}}}')
  const typed = (status: number, type: string) => (res: ServerResponse) => res.writeHead(status).end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `${type} happened` }))
  const reset = (_res: ServerResponse, req: IncomingMessage) => req.socket.destroy()
  const hang = () => {}

  it('retries 5xx, throttling and reset connections, then answers', async () => {
    for (const failure of [typed(500, 'InternalServerError'), typed(400, 'ThrottlingException'), typed(400, 'ProvisionedThroughputExceededException'), reset]) {
      const { result, calls } = await run([failure, ok], 2)
      expect(result).toEqual({ Item: { pk: { S: 'x' } } })
      expect(calls).toBe(2)
    }
  })

  it('does not retry a client error, and keeps its type and message', async () => {
    const { result, calls } = await run([typed(400, 'ValidationException'), ok], 3)
    expect(result).toBeInstanceOf(DynamoHttpError)
    expect(result).toMatchObject({ name: 'ValidationException', message: 'ValidationException happened', statusCode: 400 })
    expect(calls).toBe(1)
  })

  it('gives up after maxAttempts, with the last error', async () => {
    const { result, calls } = await run([typed(503, 'ServiceUnavailable'), typed(503, 'ServiceUnavailable'), typed(503, 'ServiceUnavailable')], 3)
    expect(result).toMatchObject({ name: 'ServiceUnavailable', statusCode: 503 })
    expect(calls).toBe(3)
  })

  it('names a non-JSON answer by its status, without quoting it', async () => {
    const { result } = await run([(res) => res.writeHead(502).end('<html>bad gateway secret-ish</html>')], 1)
    expect(result).toMatchObject({ name: 'InternalServerError', message: 'DynamoDB GetItem answered HTTP 502 without a JSON body' })
  })

  it('times out each attempt of a server that never answers, and retries it', async () => {
    const { result, calls, ms } = await run([hang, hang], 2, 300)
    expect(result).toMatchObject({ name: 'TimeoutError', message: 'DynamoDB GetItem got no answer within 300 ms' })
    expect(calls).toBe(2)
    expect(ms).toBeGreaterThanOrEqual(600)
    expect(ms).toBeLessThan(3_000)
  })
})

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function url(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function collect(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += chunk
  return body
}

