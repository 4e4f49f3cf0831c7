// The local host for load runs: the proxy in this process (its memory and handles are
// what the suites watch), the embedded stores in their child process (as `serve` runs
// them) and the fake upstream in another, so neither weighs on the figures.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import type { ProxyConfig } from '../../lambda/src/contracts/config.js'
import { type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { firstTurnBody } from '../../bench/codex-corpus.js'
import type { FakeOpenAIOptions } from '../support/fake-openai.js'
import { type FakeOpenAIProcess, startFakeOpenAIProcess } from '../support/fake-openai-process.js'

export interface LoadStack {
  proxy: LocalProxy
  upstream: FakeOpenAIProcess
  token: string
  /** A Codex first-turn body (~55 KB, stream: true). */
  body: string
  /** Request ids of `ids` that have a record in S3. */
  recorded(ids: string[], timeoutMs?: number): Promise<Set<string>>
  /** The records of `ids` found in S3 (bodies included), by request id. */
  records(ids: string[], timeoutMs?: number): Promise<Map<string, AuditRecord>>
  close(): Promise<void>
}

export async function startLoadStack(options: { upstream?: FakeOpenAIOptions; config?: Partial<ProxyConfig> } = {}): Promise<LoadStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cxp-load-'))
  const upstream = await startFakeOpenAIProcess(options.upstream)
  const proxy = await startLocalProxy({ port: 0, dataDir, upstreamUrl: upstream.url, apiKey: 'sk-load', config: options.config ?? {}, log: () => {} })
  const token = (await proxy.admin.create({ user: 'load', policy: { rpm: 1_000_000, budget_daily_usd: 1_000_000 } })).token
  const s3 = s3Client(proxy.target)
  const stack: LoadStack = {
    proxy,
    upstream,
    token,
    body: firstTurnBody(1),
    async recorded(ids, timeoutMs = 60_000) {
      return new Set((await stack.records(ids, timeoutMs)).keys())
    },
    async records(ids, timeoutMs = 60_000) {
      const wanted = new Set(ids)
      const deadline = performance.now() + timeoutMs
      for (;;) {
        const found = new Map<string, AuditRecord>()
        await scanAuditRecords({
          s3,
          bucket: proxy.names.bucket,
          from: new Date(Date.now() - 3_600_000),
          to: new Date(Date.now() + 3_600_000),
          onRecord: (r) => void (wanted.has(r.request_id) && found.set(r.request_id, r)),
        })
        if (found.size === wanted.size || performance.now() > deadline) return found
        await new Promise((r) => setTimeout(r, 250))
      }
    },
    async close() {
      await proxy.close()
      await upstream.close()
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
  return stack
}
