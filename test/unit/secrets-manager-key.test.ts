import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { SecretsManagerKeySource } from '../../lambda/src/stores/secrets-manager-key.js'

const sm = mockClient(SecretsManagerClient)
let now = 0
const source = () => new SecretsManagerKeySource(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret', 30_000, () => now)

beforeEach(() => {
  sm.reset()
  now = 1_000_000
})

describe('OpenAI key from Secrets Manager', () => {
  it('does not read before the first request', () => {
    source()
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0)
  })

  it('reads once and caches the trimmed key', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '  sk-key\n' })
    const s = source()
    expect(await s.get()).toBe('sk-key')
    expect(await s.get()).toBe('sk-key')
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1)
  })

  it('shares one read between concurrent first requests', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk-key' })
    const s = source()
    await Promise.all([s.get(), s.get(), s.get()])
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1)
  })

  it('does not cache a failed read: the next request tries again', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('ServiceUnavailable')).resolves({ SecretString: 'sk-key' })
    const s = source()
    await expect(s.get()).rejects.toThrow('ServiceUnavailable')
    expect(await s.get()).toBe('sk-key')
  })

  it('refuses an empty secret with a message saying how to set it', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '' })
    await expect(source().get()).rejects.toThrow(/put-secret-value/)
  })

  it('re-reads after an upstream 401 and reports whether the key changed', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'sk-old' }).resolves({ SecretString: 'sk-new' })
    const s = source()
    expect(await s.get()).toBe('sk-old')
    now += 31_000
    expect(await s.refreshAfterUnauthorized('sk-old')).toBe(true)
    expect(await s.get()).toBe('sk-new')
  })

  it('re-reads at most once per floor interval', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk-same' })
    const s = source()
    await s.get()
    now += 5_000
    expect(await s.refreshAfterUnauthorized('sk-same')).toBe(false)
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1)
    now += 30_000
    expect(await s.refreshAfterUnauthorized('sk-same')).toBe(false) // re-read, same key: no retry
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2)
  })
})
