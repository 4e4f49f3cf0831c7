// The alert sink a host configures from its environment: the SNS topic that the Pulumi
// program names (Lambda), a webhook (`serve --alert-webhook`), both, or none.
import { ENV } from '../contracts/config.js'
import type { BudgetAlert } from '../contracts/budget-alert.js'
import type { AlertSink } from '../core/ports.js'
import { credentialsFromEnv } from '../stores/dynamo-http.js'
import { SnsAlertSink, snsEndpointFromEnv } from './sns-alert-sink.js'
import { WebhookAlertSink } from './webhook-alert-sink.js'

/** Sends to every sink; fails if any failed (the governor then retries on a later request). */
class FanOutAlertSink implements AlertSink {
  constructor(private readonly sinks: AlertSink[]) {}
  async send(alert: BudgetAlert): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => s.send(alert)))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  }
}

export function alertSinkFromEnv(env: NodeJS.ProcessEnv): AlertSink | undefined {
  const sinks: AlertSink[] = []
  const topicArn = env[ENV.alertTopicArn]
  if (topicArn) {
    const endpoint = snsEndpointFromEnv(env)
    sinks.push(new SnsAlertSink({ topicArn, credentials: credentialsFromEnv(env), ...(endpoint && { endpoint }) }))
  }
  const webhook = env[ENV.alertWebhookUrl]
  if (webhook) sinks.push(new WebhookAlertSink(webhook))
  if (sinks.length === 0) return undefined
  return sinks.length === 1 ? sinks[0] : new FanOutAlertSink(sinks)
}
