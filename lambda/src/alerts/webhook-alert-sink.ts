// Budget alerts as a JSON POST to a webhook URL (`serve --alert-webhook URL`). The body
// carries `text` (one readable line) next to the structured `alert`, so a Slack incoming
// webhook (which shows `text`) can be the URL itself
// (https://api.slack.com/messaging/webhooks).
import { type BudgetAlert, describeAlert } from '../contracts/budget-alert.js'
import type { AlertSink } from '../core/ports.js'

export interface WebhookBody {
  text: string
  alert: BudgetAlert
}

export class WebhookAlertSink implements AlertSink {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 5_000,
    private readonly post: typeof fetch = (input, init) => fetch(input, init),
  ) {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`alert webhook must be an http(s) URL, got "${url}"`)
  }

  async send(alert: BudgetAlert): Promise<void> {
    const body: WebhookBody = { text: describeAlert(alert), alert }
    const res = await this.post(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'manual',
    })
    // Drain the answer so the connection can be reused; only the status matters.
    await res.arrayBuffer().catch(() => undefined)
    if (!res.ok) throw new Error(`alert webhook answered HTTP ${res.status}`)
  }
}
