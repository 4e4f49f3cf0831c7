import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../lambda/src/contracts/config.js'
import {
  parseUpstreamPool,
  parseUpstreamPoolText,
  poolOfOne,
  servesModel,
  UPSTREAMS_ENV,
  upstreamModelName,
  upstreamPoolFromEnv,
  upstreamPoolToEnv,
} from '../../../lambda/src/contracts/upstreams.js'

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:codex-proxy-oa-AbCdEf'

function problems(raw: unknown, keys: 'key_env' | 'secret_arn' | 'none' = 'key_env'): string {
  try {
    parseUpstreamPool(raw, { source: 'pool.json', keys })
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('upstream pool config', () => {
  it('applies defaults: kind openai, weight 1, org = id, any model', () => {
    const pool = parseUpstreamPool({ upstreams: [{ id: 'a', url: 'https://api.openai.com/v1/' }] }, { source: 's', keys: 'key_env' })
    expect(pool.upstreams).toEqual([{ id: 'a', kind: 'openai', url: 'https://api.openai.com', weight: 1, org: 'a' }])
    expect(pool.firstByteTimeoutMs).toBe(30_000)
  })

  it('gives a bare Azure resource URL the /openai prefix of the v1 surface', () => {
    const pool = parseUpstreamPool(
      { upstreams: [{ id: 'az', kind: 'azure', url: 'https://acme.openai.azure.com', models: { 'gpt-5': 'gpt5-prod' } }] },
      { source: 's', keys: 'key_env' },
    )
    expect(pool.upstreams[0]!.url).toBe('https://acme.openai.azure.com/openai')
    expect(upstreamModelName(pool.upstreams[0]!, 'gpt-5')).toBe('gpt5-prod')
    expect(servesModel(pool.upstreams[0]!, 'gpt-5')).toBe(true)
    expect(servesModel(pool.upstreams[0]!, 'gpt-5-mini')).toBe(false)
  })

  it('keeps an Azure URL that already names a path', () => {
    const pool = parseUpstreamPool({ upstreams: [{ id: 'az', kind: 'azure', url: 'https://acme.openai.azure.com/openai/v1' }] }, { source: 's', keys: 'none' })
    expect(pool.upstreams[0]!.url).toBe('https://acme.openai.azure.com/openai')
  })

  it('matches model globs case-insensitively and treats requests without a model as served', () => {
    const [u] = parseUpstreamPool({ upstreams: [{ id: 'a', url: 'http://x', models: ['gpt-5*', 'o4-mini'] }] }, { source: 's', keys: 'none' }).upstreams
    expect(servesModel(u!, 'GPT-5-codex')).toBe(true)
    expect(servesModel(u!, 'o4-mini')).toBe(true)
    expect(servesModel(u!, 'o3')).toBe(false)
    expect(servesModel(u!, null)).toBe(true)
  })

  it('reports every problem at once, each naming its field', () => {
    const message = problems({
      upstreams: [
        { id: 'A B', url: 'ftp://x', kind: 'vertex', weight: 0, models: [], org: '', key_env: '1BAD', extra: 1 },
        { id: 'ok', url: 'http://x', key: 'sk-live' },
      ],
      first_byte_timeout_ms: 5,
      bogus: true,
    })
    for (const part of [
      'pool.json: bogus: unknown field',
      'first_byte_timeout_ms: must be an integer from 100',
      'upstreams[0].id: must be',
      'upstreams[0].kind: must be one of openai, azure, anthropic, bedrock',
      'upstreams[0].url: upstream URL must be http(s)',
      'upstreams[0].weight: must be an integer from 1 to 1000',
      'upstreams[0].models: must not be empty',
      'upstreams[0].org: must be a non-empty string',
      'upstreams[0].key_env: must be an environment variable name',
      'upstreams[0].extra: unknown field',
      'upstreams[1].key: keys never go in this config',
    ]) {
      expect(message).toContain(part)
    }
    // The key's value is never echoed.
    expect(message).not.toContain('sk-live')
  })

  it('refuses duplicate ids, an empty list, too many upstreams and non-objects', () => {
    expect(problems({ upstreams: [{ id: 'a', url: 'http://x' }, { id: 'a', url: 'http://y' }] })).toContain('duplicate id "a"')
    expect(problems({ upstreams: [] })).toContain('must be a non-empty array')
    expect(problems({ upstreams: Array.from({ length: 17 }, (_, i) => ({ id: `u${i}`, url: 'http://x' })) })).toContain('at most 16 upstreams')
    expect(problems([])).toContain('must be a JSON object')
    expect(problems({ upstreams: ['http://x'] })).toContain('upstreams[0]: must be an object')
  })

  it('refuses globs and odd deployment names in a model map', () => {
    expect(problems({ upstreams: [{ id: 'az', kind: 'azure', url: 'http://x', models: { 'gpt-5*': 'd' } }] })).toContain('exact model ids, not globs')
    expect(problems({ upstreams: [{ id: 'az', kind: 'azure', url: 'http://x', models: { 'gpt-5': 'bad name"' } }] })).toContain('the deployment name must be a plain string')
    expect(problems({ upstreams: [{ id: 'az', kind: 'azure', url: 'http://x', models: { 'gpt-5': 3 } }] })).toContain('the deployment name must be a plain string')
    expect(problems({ upstreams: [{ id: 'a', url: 'http://x', models: 'gpt-5' }] })).toContain('must be a list of model ids/globs, or a map')
  })

  it('takes key_env only locally and secret_arn only from the Lambda env', () => {
    expect(problems({ upstreams: [{ id: 'a', url: 'http://x', key_env: 'K' }] }, 'secret_arn')).toContain('key_env: is for local hosts')
    expect(problems({ upstreams: [{ id: 'a', url: 'http://x', secret_arn: ARN }] }, 'key_env')).toContain('secret_arn: is written by the Pulumi program')
    expect(problems({ upstreams: [{ id: 'a', url: 'http://x', secret_arn: 'not-an-arn' }] }, 'secret_arn')).toContain('must be a Secrets Manager secret ARN')
  })

  it('says where a file is not JSON', () => {
    expect(() => parseUpstreamPoolText('{"upstreams": [', 'pool.json')).toThrow(/pool\.json: not valid JSON/)
  })

  it('round-trips through its env encoding', () => {
    const pool = parseUpstreamPool(
      {
        upstreams: [
          { id: 'oa', url: 'https://api.openai.com', weight: 3, org: 'acme', models: ['gpt-5*'], secret_arn: ARN },
          { id: 'az', kind: 'azure', url: 'https://acme.openai.azure.com', models: { 'gpt-5': 'gpt5-prod' }, secret_arn: ARN },
          { id: 'br', kind: 'bedrock', url: 'https://bedrock-runtime.us-east-1.amazonaws.com', region: 'us-east-1' },
        ],
        first_byte_timeout_ms: 12_000,
      },
      { source: 's', keys: 'secret_arn' },
    )
    const env = { [UPSTREAMS_ENV]: upstreamPoolToEnv(pool) }
    expect(upstreamPoolFromEnv(env, { upstreamUrl: 'http://unused' })).toEqual(pool)
  })

  it('without the pool variable, is the pool of one of the single-upstream setup', () => {
    expect(upstreamPoolFromEnv({}, { upstreamUrl: 'http://127.0.0.1:9/v1', secretArn: ARN })).toEqual(poolOfOne('http://127.0.0.1:9', { secret_arn: ARN }))
    expect(upstreamPoolFromEnv({}, { upstreamUrl: 'http://127.0.0.1:9' }).upstreams[0]).toEqual({ id: 'default', kind: 'openai', url: 'http://127.0.0.1:9', weight: 1, org: 'default' })
  })

  it('names the variable when the env encoding is broken', () => {
    expect(() => upstreamPoolFromEnv({ [UPSTREAMS_ENV]: '{' }, { upstreamUrl: 'http://x' })).toThrow(/CODEX_PROXY_UPSTREAMS is not valid JSON/)
    expect(() => upstreamPoolFromEnv({ [UPSTREAMS_ENV]: '{"upstreams":[{"id":"a","url":"http://x","key_env":"K"}]}' }, { upstreamUrl: 'http://x' })).toThrow(/key_env: is for local hosts/)
  })
})
