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
      const { findings, redacted, timedOut } = scanner.scanJsonBody(job.text, { redact: job.redact, deadline: job.deadline })
      reply = { id: job.id, ok: true, findings, ...(redacted !== undefined && { redacted }), ...(timedOut && { timedOut: true }) }
    } else {
      const { matches, timedOut } = scanner.scanTextWithin(job.text, { deadline: job.deadline })
      reply = { id: job.id, ok: true, matches, ...(timedOut && { timedOut: true }) }
    }
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.name : 'error' }
  }
  parentPort!.postMessage(reply)
})
