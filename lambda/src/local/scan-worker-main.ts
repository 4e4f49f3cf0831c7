// Inside a scan worker: one scanner (its per-item cache persists across requests, as in
// the calling thread) answering jobs from the pool in worker-scanner.ts.
import { parentPort, workerData } from 'node:worker_threads'
import { secretScannerFromEnv } from '../secrets/from-env.js'
import type { ScanJob, ScanReply } from './worker-scanner.js'

const { env, fallbackFingerprintKey } = workerData as { env: Record<string, string | undefined>; fallbackFingerprintKey?: string }
const scanner = secretScannerFromEnv(env, fallbackFingerprintKey)

parentPort!.on('message', (job: ScanJob) => {
  let reply: ScanReply
  try {
    if (job.kind === 'json') {
      const { findings, redacted } = scanner.scanJsonBody(job.text, { redact: job.redact })
      reply = { id: job.id, ok: true, findings, ...(redacted !== undefined && { redacted }) }
    } else {
      reply = { id: job.id, ok: true, matches: scanner.scanText(job.text) }
    }
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.name : 'error' }
  }
  parentPort!.postMessage(reply)
})
