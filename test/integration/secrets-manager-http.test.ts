// The Lambda's GetSecretValue without the SDK (lambda/src/stores/secrets-manager-http.ts)
// against the loopback fake of the service's wire protocol, plus the failures the fake
// does not make on its own (cut answers, non-JSON pages).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SecretsManagerHttp, secretsManagerEndpoint } from '../../lambda/src/stores/secrets-manager-http.js'
import { SecretsManagerKeySource } from '../../lambda/src/stores/secrets-manager-key.js'
import { type FakeSecretsManager, startFakeSecretsManager } from '../lambda-runtime/support/fake-secrets-manager.js'

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:codex-proxy-openai-key'
const credentials = () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' })

let fake: FakeSecretsManager
beforeAll(async () => {
  fake = await startFakeSecretsManager({ [ARN]: 'sk-the-key\n' })
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.calls.length = 0
  fake.fail(0)
})

const client = (endpoint = fake.url, maxAttempts = 3) => new SecretsManagerHttp({ region: 'eu-west-1', endpoint, credentials, maxAttempts, requestTimeoutMs: 1_000 })

describe('Secrets Manager GetSecretValue (lean client)', () => {
  it('reads a secret with one signed call', async () => {
    expect(await client().getSecretString(ARN)).toBe('sk-the-key\n')
    expect(fake.calls).toEqual([{ secretId: ARN, signed: true }])
  })

  it('retries an internal error, then reads', async () => {
    fake.fail(2)
    expect(await client().getSecretString(ARN)).toBe('sk-the-key\n')
    expect(fake.calls).toHaveLength(3)
  })

  it('gives up after its attempts with the service\'s error', async () => {
    fake.fail(5)
    await expect(client(fake.url, 2).getSecretString(ARN)).rejects.toMatchObject({ name: 'InternalServiceError', statusCode: 500 })
    expect(fake.calls).toHaveLength(2)
  })

  it('does not retry a missing secret, and names it', async () => {
    await expect(client().getSecretString('arn:nope')).rejects.toMatchObject({ name: 'ResourceNotFoundException', retryable: false })
    expect(fake.calls).toHaveLength(1)
  })

  it('feeds the key source, which trims the key and refuses an empty one', async () => {
    expect(await new SecretsManagerKeySource(client(), ARN).get()).toBe('sk-the-key')
    fake.secrets.set('arn:empty', '')
    await expect(new SecretsManagerKeySource(client(), 'arn:empty').get()).rejects.toThrow(/put-secret-value/)
  })

  it('picks the endpoint as the SDK does: AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL, then the region', () => {
    expect(secretsManagerEndpoint('eu-west-1', {})).toBe('https://secretsmanager.eu-west-1.amazonaws.com')
    expect(secretsManagerEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://general:1' })).toBe('http://general:1')
    expect(secretsManagerEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://general:1', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm:2' })).toBe('http://sm:2')
  })
})

describe('Secrets Manager answers the fake does not give', () => {
  let server: Server
  let url: string
  let answer: (res: import('node:http').ServerResponse) => void = () => {}
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => answer(res))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  it('reads a binary secret (no SecretString) as no key', async () => {
    answer = (res) => res.writeHead(200).end(JSON.stringify({ ARN, SecretBinary: 'AAEC' }))
    expect(await client(url).getSecretString(ARN)).toBeUndefined()
    await expect(new SecretsManagerKeySource(client(url), ARN).get()).rejects.toThrow(/has no value/)
  })

  it('names a 200 that is not JSON by its status and never quotes it (it could hold the secret)', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sk-leaked-key</html>')
    const err = await client(url, 1).getSecretString(ARN).catch((e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe('Secrets Manager GetSecretValue answered HTTP 200 without a JSON body')
  })

  it('times out a service that never answers', async () => {
    answer = () => {}
    const c = new SecretsManagerHttp({ region: 'eu-west-1', endpoint: url, credentials, maxAttempts: 2, requestTimeoutMs: 150 })
    await expect(c.getSecretString(ARN)).rejects.toMatchObject({ name: 'TimeoutError', message: 'Secrets Manager GetSecretValue got no answer within 150 ms' })
  })
})
