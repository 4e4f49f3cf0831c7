// The local host's secret scanner: bodies above a small size are scanned in worker
// threads, so one large body cannot stall the requests the event loop is serving (trust
// issue, C). The time budget is enforced for real: a scan still running when it ends is
// stopped by terminating its worker (a new one takes its place), and the caller gets
// `timedOut` — the scan-stage then refuses (redact/block) or records it (flag).
import { Worker } from 'node:worker_threads'
import type { BodyScanner, BodyScanResult, TextScanResult } from '../core/ports.js'
import { inlineBodyScanner } from '../core/scanners.js'
import type { RuleCategory, SecretFinding, SecretScanner, TextMatch } from '../secrets/index.js'
import { childEntry } from './child-entries.js'

export type ScanJob =
  | { id: number; kind: 'json'; text: string; redact: boolean | readonly RuleCategory[]; deadline: number }
  | { id: number; kind: 'text'; text: string; deadline: number }
export type ScanReply =
  | { id: number; ok: true; findings?: SecretFinding[]; redacted?: string; matches?: TextMatch[]; timedOut?: boolean }
  | { id: number; ok: false; error: string }

export interface WorkerScannerOptions {
  /** Scanner settings for the workers (allow-list, fingerprint key), as for secretScannerFromEnv. */
  env: Record<string, string | undefined>
  fallbackFingerprintKey?: string
  /** Texts shorter than this are scanned in the calling thread (a round trip costs more). */
  inlineBelowChars?: number
  workers?: number
}

interface Slot {
  worker: Worker | undefined
  busy: boolean
}
interface Pending {
  job: ScanJob
  budgetMs: number
  resolve: (reply: ScanReply | 'timeout') => void
}

export class WorkerBodyScanner implements BodyScanner {
  private readonly inline: BodyScanner
  private readonly slots: Slot[]
  private readonly queue: Pending[] = []
  private nextId = 1
  private closed = false

  constructor(
    scanner: SecretScanner,
    private readonly options: WorkerScannerOptions,
  ) {
    this.inline = inlineBodyScanner(scanner)
    this.slots = Array.from({ length: options.workers ?? 2 }, () => ({ worker: undefined, busy: false }))
  }

  private get threshold(): number {
    return this.options.inlineBelowChars ?? 64 * 1024
  }

  async scanJsonBody(text: string, opts: { redact: boolean | readonly RuleCategory[]; budgetMs: number }): Promise<BodyScanResult> {
    if (text.length < this.threshold) return this.inline.scanJsonBody(text, opts)
    const reply = await this.run({ id: this.nextId++, kind: 'json', text, redact: opts.redact, deadline: Date.now() + opts.budgetMs }, opts.budgetMs)
    if (reply === 'timeout' || !reply.ok || reply.timedOut) return { timedOut: true }
    return { timedOut: false, findings: reply.findings ?? [], ...(reply.redacted !== undefined && { redacted: reply.redacted }) }
  }

  async scanText(text: string, budgetMs: number): Promise<TextScanResult> {
    if (text.length < this.threshold) return this.inline.scanText(text, budgetMs)
    const reply = await this.run({ id: this.nextId++, kind: 'text', text, deadline: Date.now() + budgetMs }, budgetMs)
    if (reply === 'timeout' || !reply.ok || reply.timedOut) return { timedOut: true }
    return { timedOut: false, matches: reply.matches ?? [] }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.resolve('timeout')
    await Promise.all(this.slots.map((s) => s.worker?.terminate()))
  }

  private run(job: ScanJob, budgetMs: number): Promise<ScanReply | 'timeout'> {
    if (this.closed) return Promise.resolve('timeout')
    return new Promise((resolve) => {
      this.queue.push({ job, budgetMs, resolve })
      this.dispatch()
    })
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue
      const next = this.queue.shift()
      if (!next) return
      this.start(slot, next)
    }
  }

  private start(slot: Slot, pending: Pending): void {
    slot.busy = true
    const worker = (slot.worker ??= this.spawn())
    let settled = false
    const done = (reply: ScanReply | 'timeout', replace: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onError)
      if (replace) {
        void worker.terminate()
        slot.worker = undefined
      }
      slot.busy = false
      pending.resolve(reply)
      this.dispatch()
    }
    const onMessage = (reply: ScanReply) => {
      if (reply.id === pending.job.id) done(reply, false)
    }
    const onError = () => done('timeout', true)
    // The worker's scanner stops itself at the deadline; this timer (with some slack for
    // the message round trip) is the hard stop when it cannot.
    const timer = setTimeout(() => done('timeout', true), pending.budgetMs + 250)
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.once('exit', onError)
    worker.postMessage(pending.job)
  }

  private spawn(): Worker {
    const worker = new Worker(childEntry('scan-worker-main').url, {
      workerData: { env: this.options.env, fallbackFingerprintKey: this.options.fallbackFingerprintKey },
    })
    // An idle worker must not keep the process alive.
    worker.unref()
    return worker
  }
}
