// Budget alerts to the deployment's alarm SNS topic: one signed Publish (SNS Query API,
// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html) through `aws4`, as the
// DynamoDB hot path does, so the Lambda bundle carries no SNS SDK for a rare call.
//
// MessageStructure=json gives each subscription protocol its own text: e-mail gets the
// readable line and the details, https subscribers (Amazon Q Developer in chat
// applications, formerly AWS Chatbot, for Slack/Teams) get its custom-notification JSON,
// SQS/Lambda get the structured alert.
import aws4 from 'aws4'
import { alertSubject, type BudgetAlert, describeAlert } from '../contracts/budget-alert.js'
import type { AlertSink } from '../core/ports.js'
import type { AwsCredentials } from '../stores/dynamo-http.js'

export interface SnsAlertSinkOptions {
  topicArn: string
  credentials: () => AwsCredentials
  /** Default: AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, then the topic region's endpoint. */
  endpoint?: string
  timeoutMs?: number
  fetch?: typeof fetch
}

const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/

/** The per-protocol messages of one alert (SNS MessageStructure=json; `default` is required). */
export function snsMessages(alert: BudgetAlert): Record<string, string> {
  const line = describeAlert(alert)
  const structured = JSON.stringify({ text: line, alert })
  return {
    default: line,
    email: `${line}\n\n${JSON.stringify(alert, null, 2)}\n\nSee spend against every limit: codex-proxy report budgets`,
    https: JSON.stringify({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: alertSubject(alert), description: line } }),
    sqs: structured,
    lambda: structured,
  }
}

export class SnsAlertSink implements AlertSink {
  private readonly url: URL
  private readonly region: string

  constructor(private readonly options: SnsAlertSinkOptions) {
    const m = TOPIC_ARN.exec(options.topicArn)
    if (!m) throw new Error(`not an SNS topic ARN: "${options.topicArn}"`)
    this.region = m[2]!
    const suffix = m[1] === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
    this.url = new URL(options.endpoint ?? `https://sns.${this.region}.${suffix}/`)
  }

  async send(alert: BudgetAlert): Promise<void> {
    const body = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: this.options.topicArn,
      Subject: alertSubject(alert),
      MessageStructure: 'json',
      Message: JSON.stringify(snsMessages(alert)),
    }).toString()
    const signed = aws4.sign(
      {
        host: this.url.host,
        path: this.url.pathname,
        method: 'POST',
        service: 'sns',
        region: this.region,
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      },
      this.options.credentials(),
    )
    const res = await (this.options.fetch ?? fetch)(this.url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    })
    const text = await res.text()
    if (!res.ok) {
      // <ErrorResponse><Error><Code>AuthorizationError</Code><Message>…</Message></Error>…
      const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.status}`
      const message = /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1] ?? ''
      throw new Error(`SNS Publish failed: ${code}${message ? `: ${message}` : ''}`)
    }
  }
}

export function snsEndpointFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_SNS || env.AWS_ENDPOINT_URL || undefined
}
