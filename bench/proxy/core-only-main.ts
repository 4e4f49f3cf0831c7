// A diagnostic target, not a shipped configuration: the same proxy core and node:http
// host as `serve`, with in-memory token store, counters and audit sink instead of the
// AWS SDK clients (test/support/memory-ports.ts). Set against `serve`, it shows what the
// relay itself costs and what the stores' SDK calls cost. Prints {"port","pid","token"}.
import { randomBytes } from 'node:crypto'
import { DEFAULT_SECRET_SCAN_MODE, defaultProxyConfig } from '../../lambda/src/contracts/config.js'
import { inlineBodyScanner } from '../../lambda/src/core/scanners.js'
import { createProxy } from '../../lambda/src/core/proxy.js'
import { secretScannerFromEnv } from '../../lambda/src/secrets/from-env.js'
import { startNodeServer } from '../../lambda/src/hosts/node-server.js'
import { nodeUpstreamFetch } from '../../lambda/src/hosts/node-upstream-fetch.js'
import { MemoryCounterStore, MemoryTokenStore } from '../../test/support/memory-ports.js'

const upstreamUrl = process.argv[2]!
const tokens = new MemoryTokenStore()
const { token } = tokens.add('bench', { rpm: 1_000_000, budget_daily_usd: 1_000_000 })
// Records are built (JSON, as for S3) and dropped, so memory stays flat.
const audit = { write: async (record: unknown) => void JSON.stringify(record) }
const proxy = createProxy({
  // Secret scanning as `serve` does it by default (CODEX_PROXY_SECRET_SCAN may change the mode).
  config: {
    ...defaultProxyConfig('bench'),
    upstreamUrl,
    upstreamTimeoutMs: 120_000,
    bodyCapBytes: 10 * 2 ** 20,
    maxRequestBytes: 64 * 2 ** 20,
    tokenCacheMs: 5_000,
    version: 'bench',
    secretScanMode: (process.env.CODEX_PROXY_SECRET_SCAN as typeof DEFAULT_SECRET_SCAN_MODE | undefined) ?? DEFAULT_SECRET_SCAN_MODE,
  },
  scanner: inlineBodyScanner(secretScannerFromEnv(process.env, randomBytes(32).toString('base64url'))),
  tokens,
  counters: new MemoryCounterStore(),
  audit,
  key: { get: async () => 'sk-bench-upstream-key' },
  log: () => {},
  // CORE_RELAY=undici: the core's default fetch instead of the node:http relay `serve` uses (A/B).
  ...(process.env.CORE_RELAY !== 'undici' && { fetch: nodeUpstreamFetch() }),
})
const server = await startNodeServer(proxy, { host: '127.0.0.1', port: 0 })
process.stdout.write(`${JSON.stringify({ port: server.port, pid: process.pid, token })}\n`)
process.on('SIGTERM', () => void server.close({ graceMs: 1_000 }).then(() => process.exit(0)))
