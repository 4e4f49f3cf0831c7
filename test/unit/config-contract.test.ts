// The proxy's settings travel from the Pulumi program to the Lambda as environment
// variables: one pair of functions writes and reads them, and must round-trip.
import { describe, expect, it } from 'vitest'
import { ConfigError, defaultProxyConfig, ENV, type ProxyConfig, proxyConfigFromEnv, proxyConfigToEnv } from '../../lambda/src/contracts/config.js'
import { endpointOf, isEndpointEnabled, meteringOf, parseEndpointGroups } from '../../lambda/src/contracts/endpoints.js'
import { policyChangesFromFlags } from '../../ops-cli/src/lib/policy-flags.js'

describe('proxy config through the environment', () => {
  it('round-trips every setting', () => {
    const config: ProxyConfig = {
      upstreamUrl: 'https://gateway.example.com',
      endpoints: ['codex', 'embeddings', 'files'],
      scanBudgetMs: 750,
      upstreamTimeoutMs: 42_000,
      bodyCapBytes: 123_456,
      maxRequestBytes: 6 * 1024 * 1024,
      tokenCacheMs: 1_500,
      secretScanMode: 'block',
      piiScanMode: 'redact',
      version: 'v-test',
    }
    const { version, ...settings } = config
    expect(proxyConfigFromEnv(proxyConfigToEnv(settings), version)).toEqual(config)
  })

  it('round-trips the defaults, which forward only what Codex uses', () => {
    const defaults = defaultProxyConfig('v')
    expect(defaults.endpoints).toEqual(['codex'])
    const { version, ...settings } = defaults
    expect(proxyConfigFromEnv(proxyConfigToEnv(settings), version)).toEqual(defaults)
  })

  it.each([
    [ENV.endpoints, 'codex,everything', /unknown endpoint group "everything"/],
    [ENV.endpoints, ' , ', /names no endpoint group/],
    [ENV.scanBudgetMs, '-5', /positive integer/],
    [ENV.strict, 'maybe', /true or false/],
    [ENV.piiScan, 'BLOCK', /must be one of off, flag, redact, block/],
    [ENV.piiScan, 'block;rm -rf', /must be one of off, flag, redact, block/],
  ])('refuses %s=%s with a clear error', (name, value, message) => {
    expect(() => proxyConfigFromEnv({ [name]: value }, 'v')).toThrow(ConfigError)
    expect(() => proxyConfigFromEnv({ [name]: value }, 'v')).toThrow(message)
  })
})

describe('endpoint groups', () => {
  it.each([
    ['POST', '/v1/responses', 'codex'],
    ['POST', '/v1/responses/compact', 'codex'],
    ['GET', '/v1/models', 'codex'],
    ['HEAD', '/v1/models', 'codex'],
    ['GET', '/v1/models/gpt-5', 'codex'],
    ['GET', '/v1/responses/resp_1', 'responses'],
    ['POST', '/v1/chat/completions', 'chat'],
    ['POST', '/v1/files', 'files'],
    ['POST', '/v1/batches', 'batches'],
    ['POST', '/v1/fine_tuning/jobs', 'fine_tuning'],
    ['POST', '/v1/not/a/known/path', 'other'],
    ['DELETE', '/v1/models/gpt-5', 'other'],
  ])('%s %s is in group %s', (method, path, group) => {
    expect(endpointOf(method, path).group).toBe(group)
  })

  it('is enabled by any grant, or by all', () => {
    const files = endpointOf('POST', '/v1/files')
    expect(isEndpointEnabled(files, [['codex'], undefined, undefined])).toBe(false)
    expect(isEndpointEnabled(files, [['codex'], ['files'], undefined])).toBe(true)
    expect(isEndpointEnabled(files, [['codex'], undefined, ['all']])).toBe(true)
    expect(isEndpointEnabled(endpointOf('POST', '/v1/unknown'), [['all']])).toBe(true)
  })

  it('treats reads and deletes as free even in unmetered groups', () => {
    expect(meteringOf(endpointOf('POST', '/v1/batches'), 'POST')).toBe('unmetered')
    expect(meteringOf(endpointOf('GET', '/v1/batches'), 'GET')).toBe('free')
    expect(meteringOf(endpointOf('POST', '/v1/responses'), 'POST')).toBe('usage')
  })

  it('parses lists, dedupes, and refuses unknown names', () => {
    expect(parseEndpointGroups('codex, embeddings,codex')).toEqual(['codex', 'embeddings'])
    expect(() => parseEndpointGroups('codex;files')).toThrow(/unknown endpoint group "codex;files"/)
  })
})

describe('--endpoints on tokens and teams', () => {
  it('sets, removes and validates the grant', () => {
    expect(policyChangesFromFlags({ endpoints: 'embeddings,files' })).toEqual({ endpoints: ['embeddings', 'files'] })
    expect(policyChangesFromFlags({ endpoints: 'none' })).toEqual({ endpoints: null })
    expect(() => policyChangesFromFlags({ endpoints: 'embeddings,warp-drive' })).toThrow(/unknown endpoint group "warp-drive"/)
  })
})
