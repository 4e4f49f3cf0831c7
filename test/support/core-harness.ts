// A proxy core wired to in-memory ports and a fake upstream over real HTTP, reset before
// each test. Suites call `useCoreHarness()` at top level and use the returned handle.
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { defaultProxyConfig, type ProxyConfig } from '../../lambda/src/contracts/config.js'
import { inlineBodyScanner } from '../../lambda/src/core/scanners.js'
import { createProxy, type Proxy, type ProxyDeps } from '../../lambda/src/core/proxy.js'
import { createSecretScanner } from '../../lambda/src/secrets/index.js'
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.js'
import { CountingMetrics, MemoryAuditSink, MemoryCounterStore, MemoryTokenStore, testContext } from './memory-ports.js'

export const codexBody = (extra: object = {}) =>
  JSON.stringify({ model: 'gpt-5.1-codex', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], ...extra })

export interface CoreHarness {
  upstream: FakeOpenAI
  tokens: MemoryTokenStore
  audit: MemoryAuditSink
  metrics: CountingMetrics
  counters: MemoryCounterStore
  alice: { token: string }
  baseConfig(): ProxyConfig
  makeProxy(config?: Partial<ProxyConfig>, key?: string, extra?: Partial<ProxyDeps>): Proxy
  request(path: string, init?: RequestInit & { token?: string | null }): Request
  call(proxy: Proxy, req: Request, rawTarget?: string): Promise<{ response: Response; text: string; record: ReturnType<MemoryAuditSink['records']['at']> & object }>
}

// One scanner for the suite, as one proxy instance has one (its cache persists).
const scanner = inlineBodyScanner(createSecretScanner())

export function useCoreHarness(): CoreHarness {
  const h = {
    baseConfig: (): ProxyConfig => ({
      ...defaultProxyConfig('test'),
      upstreamUrl: h.upstream.url,
      upstreamTimeoutMs: 5_000,
      bodyCapBytes: 1024 * 1024,
      maxRequestBytes: 2 * 1024 * 1024,
      secretScanMode: 'flag',
    }),
    makeProxy: (config: Partial<ProxyConfig> = {}, key = 'sk-real-key', extra: Partial<ProxyDeps> = {}) =>
      createProxy({
        config: { ...h.baseConfig(), ...config },
        tokens: h.tokens,
        audit: h.audit,
        counters: h.counters,
        key: { get: async () => key },
        metrics: h.metrics,
        scanner,
        log: () => {},
        ...extra,
      }),
    request: (path: string, init: RequestInit & { token?: string | null } = {}) => {
      const headers = new Headers(init.headers)
      if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? h.alice.token}`)
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json')
      return new Request(`http://proxy.local${path}`, { ...init, headers })
    },
    call: async (proxy: Proxy, req: Request, rawTarget?: string) => {
      const ctx = testContext(rawTarget)
      const response = await proxy.fetch(req, ctx)
      const text = await response.text()
      await ctx.settled()
      return { response, text, record: h.audit.records.at(-1)! }
    },
  } as CoreHarness

  beforeAll(async () => {
    h.upstream = await startFakeOpenAI()
  })
  afterAll(async () => {
    await h.upstream.close()
  })
  beforeEach(() => {
    h.upstream.requests.length = 0
    h.upstream.override = undefined
    h.upstream.options = {}
    h.tokens = new MemoryTokenStore()
    h.audit = new MemoryAuditSink()
    h.metrics = new CountingMetrics()
    h.counters = new MemoryCounterStore()
    h.alice = h.tokens.add('alice', { team: 'eng' })
  })
  return h
}
