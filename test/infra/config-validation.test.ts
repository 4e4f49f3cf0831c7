// infra/config.ts: defaults, and the messages a bad value gets before anything deploys.
import * as pulumi from '@pulumi/pulumi'
import { describe, expect, it } from 'vitest'
import { InfraConfigError, type ParseOptions, type RawInfraConfig, parseInfraConfig } from '../../infra/config.js'

const base: RawInfraConfig = { project: 'codex-proxy', stack: 'prod', region: 'us-east-1' }
const bundleExists = { fileExists: () => true }
const parse = (values: Partial<RawInfraConfig> = {}) => parseInfraConfig({ ...base, ...values }, bundleExists)
const problemsOf = (values: Partial<RawInfraConfig>, options: ParseOptions = bundleExists): string[] => {
  try {
    parseInfraConfig({ ...base, ...values }, options)
  } catch (err) {
    if (err instanceof InfraConfigError) return err.problems
    throw err
  }
  throw new Error('expected the configuration to be rejected')
}

describe('parseInfraConfig', () => {
  it('applies the seed figures when nothing is set', () => {
    expect(parse()).toMatchObject({
      timeoutSeconds: 120,
      memoryMb: 512,
      reservedConcurrency: 25,
      provisionedConcurrency: 2,
      logRetentionDays: 90,
      auditBodyCapBytes: 10 * 1024 * 1024,
      secretScanMode: 'flag',
      logsExpiryDays: 90,
      athenaResultsExpiryDays: 7,
      objectLock: undefined,
      endpoints: ['codex'],
      upstreamUrl: 'https://api.openai.com',
      lambdaCodePath: 'dist/lambda',
      alarmEmail: undefined,
    })
  })

  it('rejects provisioned concurrency above reserved concurrency, naming both values', () => {
    expect(problemsOf({ provisionedConcurrency: '30', reservedConcurrency: '25' })).toEqual([
      'codex-proxy:provisionedConcurrency (30) must not exceed codex-proxy:reservedConcurrency (25): ' +
        "Lambda refuses provisioned concurrency above the function's reserved concurrency",
    ])
  })

  it('accepts provisioned concurrency 0, which turns it off', () => {
    expect(parse({ provisionedConcurrency: '0' }).provisionedConcurrency).toBe(0)
  })

  it('rejects memory outside the Lambda range of 128 to 10240 MB', () => {
    expect(problemsOf({ memoryMb: '127' })).toEqual([
      'codex-proxy:memoryMb must be an integer from 128 to 10240 (Lambda memory range, MB), got "127"',
    ])
    expect(problemsOf({ memoryMb: '10241' })[0]).toContain('got "10241"')
  })

  it('rejects a timeout over the Lambda maximum of 900 s', () => {
    expect(problemsOf({ timeoutSeconds: '901' })).toEqual([
      'codex-proxy:timeoutSeconds must be an integer from 1 to 900 (Lambda allows at most 900 s), got "901"',
    ])
  })

  it('rejects numbers that are not whole', () => {
    expect(problemsOf({ reservedConcurrency: '12.5' })[0]).toMatch(/^codex-proxy:reservedConcurrency must be an integer ≥ 1/)
    expect(problemsOf({ logsExpiryDays: 'ninety' })[0]).toMatch(/^codex-proxy:logsExpiryDays must be an integer ≥ 1/)
  })

  it('refuses metadata that would expire before the bodies it points to', () => {
    expect(problemsOf({ logsExpiryDays: '400', metadataExpiryDays: '365' })).toEqual([
      'codex-proxy:metadataExpiryDays (365) must be at least codex-proxy:logsExpiryDays (400): a body whose metadata row is gone can no longer be found by its session, user or time',
    ])
    expect(parse({ logsExpiryDays: '400' }).metadataExpiryDays).toBe(730)
  })

  it('rejects an unknown secret-scan mode, listing the modes', () => {
    expect(problemsOf({ secretScanMode: 'warn' })).toEqual([
      'codex-proxy:secretScanMode must be one of off | flag | redact | block, got "warn"',
    ])
  })

  it('rejects a log retention that CloudWatch Logs does not offer', () => {
    expect(problemsOf({ logRetentionDays: '45' })[0]).toMatch(
      /^codex-proxy:logRetentionDays must be a retention CloudWatch Logs accepts \(1, 3, 5, .*\), got "45"$/,
    )
  })

  it('derives the upstream timeout from the Lambda timeout, leaving 10 s to write the audit record', () => {
    expect(parse().upstreamTimeoutMs).toBe(110_000)
    expect(parse({ timeoutSeconds: '300' }).upstreamTimeoutMs).toBe(290_000)
  })

  it('rejects an upstream timeout that is not shorter than the Lambda timeout', () => {
    expect(problemsOf({ upstreamTimeoutMs: '120000' })[0]).toMatch(
      /^codex-proxy:upstreamTimeoutMs \(120000\) must be less than the Lambda timeout \(120000 ms\)/,
    )
  })

  it('normalises the upstream URL and rejects one that is not http(s)', () => {
    expect(parse({ upstreamUrl: 'https://gateway.example.com/v1/' }).upstreamUrl).toBe('https://gateway.example.com')
    expect(problemsOf({ upstreamUrl: 'ftp://example.com' })).toEqual([
      'codex-proxy:upstreamUrl: upstream URL must be http(s): "ftp://example.com"',
    ])
  })

  it('still validates the deprecated strictMode key (true or false only)', () => {
    expect(parse({ strictMode: 'false' }).endpoints).toEqual(['codex'])
    expect(problemsOf({ strictMode: 'yes' })).toEqual(['codex-proxy:strictMode must be true or false, got "yes"'])
  })

  it('forwards only what Codex uses unless endpoints names more groups', () => {
    expect(parse({}).endpoints).toEqual(['codex'])
    expect(parse({ endpoints: 'codex, embeddings' }).endpoints).toEqual(['codex', 'embeddings'])
    expect(problemsOf({ endpoints: 'codex,everything' })[0]).toMatch(/unknown endpoint group "everything"/)
  })

  it('turns an Object Lock mode into a default retention of logsExpiryDays', () => {
    expect(parse({ objectLockMode: 'governance', logsExpiryDays: '30' }).objectLock).toEqual({
      mode: 'GOVERNANCE',
      retentionDays: 30,
    })
  })

  it('rejects an Object Lock retention while Object Lock is off', () => {
    expect(problemsOf({ objectLockRetentionDays: '30' })).toEqual([
      'codex-proxy:objectLockRetentionDays is set but codex-proxy:objectLockMode is off',
    ])
  })

  it('rejects an alarm e-mail that is not an address', () => {
    expect(problemsOf({ alarmEmail: 'oncall' })).toEqual(['codex-proxy:alarmEmail must be an e-mail address, got "oncall"'])
  })

  it('rejects a missing Lambda bundle with the command that builds it', () => {
    expect(problemsOf({}, { fileExists: () => false })).toEqual([
      'codex-proxy:lambdaCodePath: dist/lambda/index.mjs not found; run `npm run build` first (it bundles the Lambda)',
    ])
  })

  it('rejects a missing aws:region with the command that sets it', () => {
    expect(problemsOf({ region: undefined })).toEqual(['aws:region is not set (pulumi config set aws:region us-east-1)'])
  })

  it('rejects unknown keys in the project namespace, as a typo would set them', () => {
    const problems = problemsOf({}, { ...bundleExists, unknownKeys: ['timeout'] })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^unknown config key codex-proxy:timeout; known keys: timeoutSeconds, memoryMb, /)
  })

  it('reports every problem at once', () => {
    expect(problemsOf({ memoryMb: '64', secretScanMode: 'loud', provisionedConcurrency: '99' })).toHaveLength(3)
  })

  it('throws a Pulumi RunError, which the CLI prints without a stack trace', () => {
    expect(() => parse({ memoryMb: '64' })).toThrow(pulumi.RunError)
    expect(() => parse({ memoryMb: '64' })).toThrow(/^invalid stack configuration:\n {2}- codex-proxy:memoryMb/)
  })
})

describe('JSON settings passed to the function', () => {
  it('accepts valid price overrides and stores them minified', () => {
    const value = '{ "models": { "gpt-5*": { "input_per_mtok": 1, "cached_input_per_mtok": 0.1, "output_per_mtok": 8 } } }'
    expect(parse({ priceOverrides: value }).priceOverrides).toBe(JSON.stringify(JSON.parse(value)))
  })

  it('rejects price overrides the proxy could not load, with its message', () => {
    expect(problemsOf({ priceOverrides: '{"models":{"gpt-5":{"input_per_mtok":"1"}}}' }).join('\n')).toMatch(/codex-proxy:priceOverrides: [\s\S]*input_per_mtok/)
  })

  it('rejects a secret-scanner allow-list with an invalid pattern', () => {
    expect(problemsOf({ secretAllowlist: '{"patterns":["(unclosed"]}' }).join('\n')).toMatch(/codex-proxy:secretAllowlist: [\s\S]*invalid pattern/)
  })

  it('rejects JSON settings too large for the 4 KB Lambda environment', () => {
    const big = JSON.stringify({ fingerprints: Array.from({ length: 300 }, (_, i) => `fp${String(i).padStart(10, '0')}`) })
    expect(problemsOf({ secretAllowlist: big }).join('\n')).toMatch(/at most 2500 fit in the Lambda environment/)
  })
})

describe('the upstreams setting', () => {
  it('is validated with the pool contract, every problem named under codex-proxy:upstreams', () => {
    const problems = problemsOf({ upstreams: JSON.stringify({ upstreams: [{ id: 'a', url: 'http://x', key_env: 'K' }, { id: 'a', url: 'ftp://y' }] }) })
    expect(problems.join('\n')).toContain('codex-proxy:upstreams: upstreams[0].key_env: is for local hosts')
    expect(problems.join('\n')).toContain('codex-proxy:upstreams: upstreams[1].url: upstream URL must be http(s)')
  })

  it('says when it is not JSON', () => {
    expect(problemsOf({ upstreams: '{upstreams' })[0]).toMatch(/^codex-proxy:upstreams is not valid JSON/)
  })

  it('accepts Claude upstreams (anthropic, bedrock): this build has their adapters', () => {
    const upstreams = [
      { id: 'c', kind: 'anthropic', url: 'https://api.anthropic.com', models: ['claude-*'] },
      { id: 'b', kind: 'bedrock', url: 'https://bedrock-runtime.us-east-1.amazonaws.com', models: { 'claude-opus-4-1': 'us.anthropic.claude-opus-4-1-20250805-v1:0' } },
    ]
    expect(parse({ upstreams: JSON.stringify({ upstreams }) }).upstreams!.upstreams.map((u) => u.kind)).toEqual(['anthropic', 'bedrock'])
  })

  it('refuses a kind the contract does not know', () => {
    const problems = problemsOf({ upstreams: JSON.stringify({ upstreams: [{ id: 'g', kind: 'gemini', url: 'https://generativelanguage.googleapis.com' }] }) })
    expect(problems.join('\n')).toMatch(/kind: must be one of openai, azure, anthropic, bedrock/)
  })

  it('refuses a pool too large for the Lambda environment', () => {
    const upstreams = Array.from({ length: 16 }, (_, i) => ({ id: `upstream-number-${i}`, url: `https://very-long-resource-name-${i}.openai.azure.com`, kind: 'azure', models: { 'gpt-5': `deployment-${i}` } }))
    expect(problemsOf({ upstreams: JSON.stringify({ upstreams }) }).join('\n')).toMatch(/takes about \d+ bytes in the Lambda environment/)
  })

  it('parses a valid pool', () => {
    expect(parse({ upstreams: JSON.stringify({ upstreams: [{ id: 'a', url: 'https://api.openai.com' }] }) }).upstreams).toEqual({
      upstreams: [{ id: 'a', kind: 'openai', url: 'https://api.openai.com', weight: 1, org: 'a' }],
      firstByteTimeoutMs: 30_000,
    })
  })
})
