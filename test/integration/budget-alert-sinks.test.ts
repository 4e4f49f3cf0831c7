// Budget alert delivery: the webhook sink against a real loopback HTTP server, the SNS sink
// (signed Query-API Publish) against a loopback fake that checks the SigV4 signature by
// signing the same request itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import aws4 from 'aws4'
import { afterEach, describe, expect, it } from 'vitest'
import { alertSinkFromEnv } from '../../lambda/src/alerts/from-env.js'
import { SnsAlertSink } from '../../lambda/src/alerts/sns-alert-sink.js'
import { WebhookAlertSink } from '../../lambda/src/alerts/webhook-alert-sink.js'
import type { BudgetAlert } from '../../lambda/src/contracts/budget-alert.js'

const alert: BudgetAlert = {
  kind: 'warn',
  level: 'team',
  id: 'eng',
  period: 'month',
  mode: 'hard',
  limit_usd: 500,
  used_usd: 412.5,
  percent: 82,
  blocked: false,
  resets_at: '2026-12-01T00:00:00.000Z',
  at: '2026-11-21T10:00:30.000Z',
}
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-1' }
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:codex-proxy-alarms'

interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}
let server: Server | undefined
async function listen(answer: (req: Received, res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      received.push(r)
      answer(r, res)
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, received }
}
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

describe('webhook alert sink', () => {
  it('POSTs {text, alert} as JSON, which a Slack incoming webhook shows as text', async () => {
    const { url, received } = await listen((_r, res) => res.end('ok'))
    await new WebhookAlertSink(`${url}hooks/budget`).send(alert)
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hooks/budget' })
    expect(received[0]!.headers['content-type']).toBe('application/json')
    const body = JSON.parse(received[0]!.body)
    expect(body.alert).toEqual(alert)
    expect(body.text).toBe('codex-proxy: team eng monthly budget at 82% — warning: $412.50 of $500.00 (82%) spent or reserved; resets 2026-12-01T00:00:00.000Z')
  })

  it('fails on a non-2xx answer (so the claim is given back and retried)', async () => {
    const { url } = await listen((_r, res) => {
      res.statusCode = 500
      res.end('boom')
    })
    await expect(new WebhookAlertSink(url).send(alert)).rejects.toThrow('alert webhook answered HTTP 500')
  })

  it('gives up on a webhook that never answers, within its timeout', async () => {
    const { url } = await listen(() => {}) // never answers
    await expect(new WebhookAlertSink(url, 200).send(alert)).rejects.toThrow(/timeout|aborted/i)
  })

  it('does not follow redirects (an alert goes where it was configured or fails)', async () => {
    const { url, received } = await listen((_r, res) => {
      res.writeHead(302, { location: 'http://example.invalid/' })
      res.end()
    })
    await expect(new WebhookAlertSink(url).send(alert)).rejects.toThrow()
    expect(received).toHaveLength(1)
  })

  it('refuses a non-http URL at construction', () => {
    expect(() => new WebhookAlertSink('file:///etc/passwd')).toThrow('alert webhook must be an http(s) URL')
  })
})

describe('SNS alert sink', () => {
  const publishOk = (_r: Received, res: ServerResponse) => {
    res.setHeader('content-type', 'text/xml')
    res.end('<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>1</MessageId></PublishResult></PublishResponse>')
  }

  it('publishes to the topic with a valid SigV4 signature for sns in the topic region', async () => {
    const { url, received } = await listen(publishOk)
    await new SnsAlertSink({ topicArn: TOPIC, credentials: () => CREDS, endpoint: url }).send(alert)
    expect(received).toHaveLength(1)
    const r = received[0]!
    expect(r.method).toBe('POST')
    const auth = String(r.headers.authorization)
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sns\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/)
    expect(r.headers['x-amz-security-token']).toBe('session-token-1')
    // Sign the same request with the same clock: the signatures must agree.
    const host = new URL(url).host
    const again = aws4.sign(
      { host, path: '/', method: 'POST', service: 'sns', region: 'eu-west-1', body: r.body, headers: { 'content-type': String(r.headers['content-type']), 'X-Amz-Date': String(r.headers['x-amz-date']) } },
      CREDS,
    )
    expect(auth).toBe(again.headers!.Authorization)

    const form = new URLSearchParams(r.body)
    expect(form.get('Action')).toBe('Publish')
    expect(form.get('TopicArn')).toBe(TOPIC)
    expect(form.get('Subject')).toBe('codex-proxy budget warning: team eng monthly')
    expect(form.get('MessageStructure')).toBe('json')
    const messages = JSON.parse(form.get('Message')!)
    expect(messages.default).toContain('team eng monthly budget at 82%')
    expect(messages.email).toContain('codex-proxy report budgets')
    expect(JSON.parse(messages.sqs)).toEqual({ text: messages.default, alert })
    expect(JSON.parse(messages.https)).toMatchObject({ version: '1.0', source: 'custom', content: { description: messages.default } })
  })

  it('fails with the SNS error code, e.g. when the role may not publish', async () => {
    const { url } = await listen((_r, res) => {
      res.statusCode = 403
      res.end('<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>User is not authorized to perform: SNS:Publish</Message></Error></ErrorResponse>')
    })
    await expect(new SnsAlertSink({ topicArn: TOPIC, credentials: () => CREDS, endpoint: url }).send(alert)).rejects.toThrow(
      'SNS Publish failed: AuthorizationError: User is not authorized to perform: SNS:Publish',
    )
  })

  it('refuses what is not an SNS topic ARN', () => {
    for (const bad of ['', 'arn:aws:sqs:eu-west-1:123456789012:q', 'arn:aws:sns:eu-west-1:12345:t', 'https://sns.amazonaws.com']) {
      expect(() => new SnsAlertSink({ topicArn: bad, credentials: () => CREDS }), bad).toThrow('not an SNS topic ARN')
    }
  })
})

describe('alert sink from the environment', () => {
  it('none without settings; SNS with a topic; both with a topic and a webhook', async () => {
    expect(alertSinkFromEnv({})).toBeUndefined()
    const sns = await listen(publishOkShared)
    const env = { CODEX_PROXY_ALERT_TOPIC_ARN: TOPIC, AWS_ENDPOINT_URL_SNS: sns.url, AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' }
    expect(alertSinkFromEnv(env)).toBeInstanceOf(SnsAlertSink)
    await alertSinkFromEnv(env)!.send(alert)
    expect(sns.received).toHaveLength(1)
    expect(alertSinkFromEnv({ ...env, CODEX_PROXY_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/' })).not.toBeInstanceOf(SnsAlertSink)
  })
})

function publishOkShared(_r: Received, res: ServerResponse) {
  res.end('<PublishResponse><PublishResult><MessageId>1</MessageId></PublishResult></PublishResponse>')
}
