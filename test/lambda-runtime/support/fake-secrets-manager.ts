// A fake AWS Secrets Manager that speaks the one call the proxy makes, GetSecretValue,
// over the service's wire protocol (awsJson1_1: POST /, X-Amz-Target
// `secretsmanager.GetSecretValue`, JSON body), so the Lambda's client (lambda/src/stores/
// secrets-manager-http.ts, or any SDK client) runs unchanged when
// AWS_ENDPOINT_URL_SECRETS_MANAGER points here. No emulator package covers
// Secrets Manager (NOTES.md).
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeSecretsManager {
  url: string
  secrets: Map<string, string>
  /** Each GetSecretValue call: the SecretId and whether the request was SigV4-signed. */
  calls: { secretId: string; signed: boolean }[]
  /** The next `n` calls answer 500 InternalServiceError (an outage). */
  fail(n: number): void
  close(): Promise<void>
}

export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const state = { secrets: new Map(Object.entries(secrets)), calls: [] as FakeSecretsManager['calls'] }
  let failures = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body)
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': crypto.randomUUID() })
        res.end(text)
      }
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: `not emulated: ${String(req.headers['x-amz-target'])}` })
      }
      let secretId = ''
      try {
        secretId = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId ?? '')
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'body is not JSON' })
      }
      state.calls.push({ secretId, signed: /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? '')) })
      if (failures > 0) {
        failures -= 1
        return reply(500, { __type: 'InternalServiceError', message: 'An error occurred on the server side (fake outage).' })
      }
      const value = state.secrets.get(secretId)
      if (value === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." })
      reply(200, {
        ARN: secretId,
        Name: secretId.split(':').at(-1),
        SecretString: value,
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    ...state,
    fail: (n) => void (failures = n),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
