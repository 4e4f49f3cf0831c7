// The Lambda's init-time dry run (lambda/src/hosts/lambda-prime.ts): it must take the
// whole request path — auth, governance, scan, relay, usage, the audit record — and touch
// nothing real: no DynamoDB call, no object in the audit bucket, no key read, no metric,
// no fallback line, no network.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MemoryObjectStore } from '../../lambda/src/bodies/object-store.js'
import { composeProxyDeps } from '../../lambda/src/compose.js'
import { ENV, proxyConfigFromEnv } from '../../lambda/src/contracts/config.js'
import { PROXY_VERSION } from '../../lambda/src/contracts/version.js'
import { primeRequestPath } from '../../lambda/src/hosts/lambda-prime.js'
import type { DynamoWire } from '../../lambda/src/stores/dynamo-wire.js'
import { CountingMetrics } from '../support/memory-ports.js'
import { closedPort } from '../support/ports.js'

afterEach(() => vi.restoreAllMocks())

async function realDeps(env: Record<string, string> = {}) {
  const calls: string[] = []
  const dynamo: DynamoWire = {
    getItem: async () => void calls.push('getItem') as never,
    updateItem: async () => void calls.push('updateItem') as never,
    batchGetItem: async () => void calls.push('batchGetItem') as never,
  }
  const objects = new MemoryObjectStore()
  const metrics = new CountingMetrics()
  const fallback: string[] = []
  let keyReads = 0
  const upstreamUrl = `http://127.0.0.1:${await closedPort()}`
  const config = proxyConfigFromEnv({ [ENV.upstreamUrl]: upstreamUrl, ...env }, PROXY_VERSION)
  const deps = composeProxyDeps({
    config,
    env,
    dynamo,
    objects,
    names: { tokensTable: 'tokens', usageTable: 'usage', bucket: 'bucket' },
    key: { get: async () => (keyReads++, 'sk-real') },
    writeFallbackLine: (line) => void fallback.push(line),
    metrics,
    log: () => {},
  })
  return { deps, config, touched: () => ({ dynamo: calls.length, objects: objects.creates + objects.gets.length, metrics: metrics.emitted.length, fallback: fallback.length, keyReads }) }
}

describe('priming the Lambda request path', () => {
  it('runs a governed, scanned, audited request to a 200 with its record, touching nothing real', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    const { deps, config, touched } = await realDeps()
    const result = await primeRequestPath(deps, config)
    expect(result.status).toBe(200)
    // The body record and the metadata object went to the dry run's own memory bucket.
    expect(result.objects).toBeGreaterThanOrEqual(2)
    expect(touched()).toEqual({ dynamo: 0, objects: 0, metrics: 0, fallback: 0, keyReads: 0 })
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('primes under the secret-scan mode the deployment runs (block)', async () => {
    const { deps, config, touched } = await realDeps({ [ENV.secretScan]: 'block' })
    expect((await primeRequestPath(deps, config)).status).toBe(200)
    expect(touched()).toEqual({ dynamo: 0, objects: 0, metrics: 0, fallback: 0, keyReads: 0 })
  })

  it('can run again (a second init in the same process) with the same result', async () => {
    const { deps, config } = await realDeps()
    expect((await primeRequestPath(deps, config)).status).toBe(200)
    expect((await primeRequestPath(deps, config)).status).toBe(200)
  })
})
