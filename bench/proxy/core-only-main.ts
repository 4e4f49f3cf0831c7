// A diagnostic target, not a shipped configuration: the same proxy core and node:http
// host as `serve`, with in-memory token store, counters and audit sink instead of the
// AWS SDK clients (test/support/memory-ports.ts). Set against `serve`, it shows what the
// relay itself costs and what the stores' SDK calls cost. Prints {"port","pid","token"}.
import { createProxy } from '../../lambda/src/core/proxy.js'
import { startNodeServer } from '../../lambda/src/hosts/node-server.js'
import { MemoryCounterStore, MemoryTokenStore } from '../../test/support/memory-ports.js'

const upstreamUrl = process.argv[2]!
const tokens = new MemoryTokenStore()
const { token } = tokens.add('bench', { rpm: 1_000_000, budget_daily_usd: 1_000_000 })
// Records are built (JSON, as for S3) and dropped, so memory stays flat.
const audit = { write: async (record: unknown) => void JSON.stringify(record) }
const proxy = createProxy({
  config: { upstreamUrl, strict: false, upstreamTimeoutMs: 120_000, bodyCapBytes: 10 * 2 ** 20, maxRequestBytes: 64 * 2 ** 20, tokenCacheMs: 5_000, version: 'bench' },
  tokens,
  counters: new MemoryCounterStore(),
  audit,
  key: { get: async () => 'sk-bench-upstream-key' },
  log: () => {},
})
const server = await startNodeServer(proxy, { host: '127.0.0.1', port: 0 })
process.stdout.write(`${JSON.stringify({ port: server.port, pid: process.pid, token })}\n`)
process.on('SIGTERM', () => void server.close(1_000).then(() => process.exit(0)))
