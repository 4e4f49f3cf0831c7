// The local host as `codex-proxy serve` composes it (node:http adapter, DynamoDB token
// and counter stores, S3 audit sink with the fallback line), on real dynalite and
// s3rver, with a TCP fault relay in front of each store and a fake OpenAI upstream.
// Fault, bad-input and load suites drive it over real HTTP.
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_FALLBACK_MARKER, type AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { type RunningStores, startStoreServers } from '../../lambda/src/local/embedded-stores.js'
import { LOCAL_NAMES, type LocalProxy, type LocalProxyOptions, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { ensureBucket, ensureTables } from '../../lambda/src/local/provision.js'
import { spawnStoreProcess } from '../../lambda/src/local/store-process.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { dynamoClient, dynamoDocumentClient } from '../../lambda/src/stores/dynamo-sdk.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from './fake-openai.js'
import { CountingMetrics } from './memory-ports.js'
import { hostPort, startTcpFaultProxy, type TcpFaultProxy } from './tcp-fault-proxy.js'

export interface LocalStack {
  proxy: LocalProxy
  upstream: FakeOpenAI
  stores: RunningStores
  /** Relays between the proxy and each store; switch them to inject faults. */
  s3Relay: TcpFaultProxy
  dynamoRelay: TcpFaultProxy
  /** Between the proxy and the fake upstream, when asked for (`upstreamRelay`). */
  upstreamRelay: TcpFaultProxy | undefined
  metrics: CountingMetrics
  logLines: string[]
  dataDir: string
  /** A valid token of user `alice` (team `eng`). */
  token: string
  newToken(user: string): Promise<string>
  /** Records in S3, read straight from s3rver (not through the relay). */
  s3Records(): Promise<AuditRecord[]>
  /** Records that went to the fallback line (the local "log stream" file). */
  fallbackRecords(): Promise<AuditRecord[]>
  /** Polls until `ids` are all recorded (S3 or fallback), or the deadline passes. */
  waitForRecords(ids: string[], timeoutMs?: number): Promise<{ s3: AuditRecord[]; fallback: AuditRecord[] }>
  close(): Promise<void>
}

export interface LocalStackOptions {
  upstream?: FakeOpenAIOptions
  /** Overrides for startLocalProxy (proxy config, timeouts). */
  proxy?: Partial<Omit<LocalProxyOptions, 'dataDir' | 'storeEndpoints'>>
  /** Stores in a child process (memory figures of the proxy alone); default in-process. */
  storesInChild?: boolean
  /** Put a fault relay between the proxy and the upstream too. */
  upstreamRelay?: boolean
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cxp-stack-'))
  const stores = options.storesInChild ? await spawnStoreProcess(join(dataDir, 'stores'), '127.0.0.1') : await startStoreServers()
  const s3Relay = await startTcpFaultProxy(hostPort(stores.s3Endpoint))
  const dynamoRelay = await startTcpFaultProxy(hostPort(stores.dynamodbEndpoint))
  const upstream = await startFakeOpenAI(options.upstream)
  const upstreamRelay = options.upstreamRelay ? await startTcpFaultProxy(hostPort(upstream.url)) : undefined
  const metrics = new CountingMetrics()
  const logLines: string[] = []
  silenceFallbackLinesOnStderr()

  const direct = { local: { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint } }
  const sdk = dynamoClient(direct)
  const doc = dynamoDocumentClient(direct, sdk)
  const s3 = s3Client(direct)
  await ensureTables(sdk, LOCAL_NAMES)
  await ensureBucket(s3, LOCAL_NAMES.bucket)

  const proxy = await startLocalProxy({
    port: 0,
    dataDir,
    upstreamUrl: upstreamRelay?.url ?? upstream.url,
    apiKey: 'sk-upstream-key',
    metrics,
    log: (m) => void logLines.push(m),
    ...options.proxy,
    storeEndpoints: { dynamodbEndpoint: dynamoRelay.url, s3Endpoint: s3Relay.url },
  })

  const stack: LocalStack = {
    proxy,
    upstream,
    stores,
    s3Relay,
    dynamoRelay,
    upstreamRelay,
    metrics,
    logLines,
    dataDir,
    token: '',
    async newToken(user) {
      // Straight to dynalite: token admin must work whatever the relay is doing.
      const { TokenAdmin } = await import('../../lambda/src/stores/token-admin.js')
      return (await new TokenAdmin(doc, LOCAL_NAMES.tokensTable).create({ user, team: 'eng' })).token
    },
    async s3Records() {
      const out: AuditRecord[] = []
      await scanAuditRecords({ s3, bucket: LOCAL_NAMES.bucket, from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000), onRecord: (r) => void out.push(r) })
      return out
    },
    async fallbackRecords() {
      const text = await readFile(join(dataDir, 'audit-fallback.log'), 'utf8').catch(() => '')
      return text
        .split('\n')
        .filter((l) => l.startsWith(`${AUDIT_FALLBACK_MARKER} `))
        .map((l) => (JSON.parse(l.slice(AUDIT_FALLBACK_MARKER.length + 1)) as { record: AuditRecord }).record)
    },
    async waitForRecords(ids, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs
      for (;;) {
        const [inS3, inFallback] = await Promise.all([stack.s3Records(), stack.fallbackRecords()])
        const seen = new Set([...inS3, ...inFallback].map((r) => r.request_id))
        if (ids.every((id) => seen.has(id)) || performance.now() > deadline) return { s3: inS3, fallback: inFallback }
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    async close() {
      await proxy.close()
      await Promise.all([s3Relay.close(), dynamoRelay.close(), upstreamRelay?.close(), upstream.close()])
      await stores.close()
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
  stack.token = await stack.newToken('alice')
  return stack
}

let silenced = false
/** The local host copies each fallback line to stderr; keep test output readable. */
function silenceFallbackLinesOnStderr(): void {
  if (silenced) return
  silenced = true
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (String(chunk).startsWith(AUDIT_FALLBACK_MARKER)) return true
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest)
  }) as typeof process.stderr.write
}

/** Reads a whole response, noting when its first body byte arrived. */
export async function readTimed(response: Response, startedAt: number): Promise<{ body: Buffer; firstByteMs: number | null; totalMs: number }> {
  const chunks: Buffer[] = []
  let firstByteMs: number | null = null
  const reader = response.body?.getReader()
  for (;;) {
    if (!reader) break
    const { done, value } = await reader.read()
    if (done) break
    if (firstByteMs === null) firstByteMs = performance.now() - startedAt
    chunks.push(Buffer.from(value))
  }
  return { body: Buffer.concat(chunks), firstByteMs, totalMs: performance.now() - startedAt }
}

export const streamingBody = (text = 'hi') =>
  JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }] })
