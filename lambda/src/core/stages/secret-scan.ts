// Stage 6: secret detection on the request body, in the caller's mode (off | flag |
// redact | block) for credentials, and the deployment's PII mode for personal data.
// Generic findings (`password = "…"`) are only flagged: their precision on ordinary code
// is lower than the vendor rules' (bench/secret-scan-results.md), so they never block or
// change a forwarded prompt. Inspect or refuse: in redact and block modes a body the
// scanner cannot read (multipart, binary, an unknown encoding) or could not finish within
// the scan time budget is refused; in flag mode it is forwarded and the record says so.
import { METRIC } from '../../contracts/metrics.js'
import type { Exchange } from '../exchange.js'
import { type Refusal, refuse } from '../refusal.js'
import { describeFindings, effectiveScanMode, toRecordFindings } from '../secret-scan.js'
import type { SecretScanMode } from '../../contracts/config.js'
import type { RuleCategory } from '../../secrets/index.js'
import type { StageEnv } from '../stage-env.js'

export async function scanRequestBody(ex: Exchange, env: StageEnv): Promise<Refusal | undefined> {
  const mode = effectiveScanMode(ex.caller!, env.config.secretScanMode)
  const piiMode = env.config.piiScanMode
  if ((mode === 'off' && piiMode === 'off') || !env.scanner || !ex.body || ex.body.byteLength === 0) return undefined
  const modeOf = (category: RuleCategory): SecretScanMode => (category === 'pii' ? piiMode : mode)
  const enforcing = [mode, piiMode].some((m) => m === 'redact' || m === 'block')
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
  const findings = scan.findings.filter((f) => modeOf(f.category) !== 'off')
  ex.scanStatus = findings.length > 0 ? 'findings' : 'clean'
  ex.secretFindings = toRecordFindings(findings)
  for (const f of findings) env.metrics.emit(METRIC.secretFindings, 1, 'Count', { Rule: f.rule_id })
  if (findings.length === 0) return undefined
  // The record never keeps the secret, whatever the mode.
  if (scan.redacted !== undefined) ex.requestBodyForRecord = scan.redacted
  const blocking = findings.filter((f) => f.category !== 'generic' && modeOf(f.category) === 'block')
  if (blocking.length > 0) {
    return refuse('secret_detected', `${describeFindings(blocking)}; remove it from the conversation (start a new session) — nothing was sent upstream`)
  }
  const redactForward = (['credential', 'pii'] as const).filter((c) => modeOf(c) === 'redact' && findings.some((f) => f.category === c))
  if (redactForward.length > 0) {
    // Served from the scanner's cache: only the redaction differs.
    const forward = await env.scanner.scanJsonBody(ex.bodyText, { redact: redactForward, budgetMs: env.config.scanBudgetMs })
    if (forward.timedOut || forward.redacted === undefined) return refuse('scan_incomplete', 'the redaction did not finish within its time budget')
    ex.forwardBody = new TextEncoder().encode(forward.redacted)
  }
  return undefined
}
