// Stage 6: secret detection on the request body, in the caller's mode (off | flag |
// redact | block). Inspect or refuse: in redact and block modes a body the scanner cannot
// read (multipart, binary, an unknown encoding) or could not finish within the scan time
// budget is refused; in flag mode it is forwarded and the record says it was not scanned.
import { METRIC } from '../../contracts/metrics.js'
import type { Exchange } from '../exchange.js'
import { type Refusal, refuse } from '../refusal.js'
import { describeFindings, effectiveScanMode, toRecordFindings } from '../secret-scan.js'
import type { StageEnv } from '../stage-env.js'

export async function scanRequestBody(ex: Exchange, env: StageEnv): Promise<Refusal | undefined> {
  const mode = effectiveScanMode(ex.caller!, env.config.secretScanMode)
  if (mode === 'off' || !env.scanner || !ex.body || ex.body.byteLength === 0) return undefined
  const enforcing = mode === 'redact' || mode === 'block'
  if (ex.bodyText === undefined || ex.forwardContentEncoding !== undefined) {
    if (enforcing) return refuse('unsupported_media_type', `the secret scan (${mode} mode) cannot read a ${ex.requestHeaders.get('content-type') ?? 'untyped'} body${ex.forwardContentEncoding ? ` encoded ${ex.forwardContentEncoding}` : ''}`)
    ex.scanStatus = 'skipped'
    return undefined
  }
  const started = env.clock.monotonic()
  // Redaction is computed only when something matched, so asking for it is free otherwise.
  const scan = await env.scanner.scanJsonBody(ex.bodyText, { redact: true, budgetMs: env.config.scanBudgetMs })
  env.metrics.emit(METRIC.secretScanTime, env.clock.monotonic() - started, 'Milliseconds')
  if (scan.timedOut) {
    if (enforcing) return refuse('scan_incomplete', `the scan did not finish within ${env.config.scanBudgetMs} ms`)
    ex.scanStatus = 'incomplete'
    return undefined
  }
  ex.scanStatus = scan.findings.length > 0 ? 'findings' : 'clean'
  ex.secretFindings = toRecordFindings(scan.findings)
  for (const f of scan.findings) env.metrics.emit(METRIC.secretFindings, 1, 'Count', { Rule: f.rule_id })
  if (scan.findings.length === 0) return undefined
  // The record never keeps the secret, whatever the mode.
  if (scan.redacted !== undefined) ex.requestBodyForRecord = scan.redacted
  if (mode === 'block') {
    return refuse('secret_detected', `${describeFindings(scan.findings)}; remove it from the conversation (start a new session) — nothing was sent upstream`)
  }
  if (mode === 'redact' && scan.redacted !== undefined) ex.forwardBody = new TextEncoder().encode(scan.redacted)
  return undefined
}
