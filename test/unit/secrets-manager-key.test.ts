import { beforeEach, describe, expect, it } from 'vitest'
import { type SecretReader, SecretsManagerKeySource } from '../../lambda/src/stores/secrets-manager-key.js'

/** A scripted secret reader: each call takes the next answer (the last one repeats). */
class ScriptedReader implements SecretReader {
  calls: string[] = []
  answers: (string | Error)[] = []
  async getSecretString(secretId: string): Promise<string | undefined> {
    this.calls.push(secretId)
    const answer = this.answers.length > 1 ? this.answers.shift()! : this.answers[0]
    if (answer instanceof Error) throw answer
    return answer
  }
}

let sm: ScriptedReader
let now = 0
const source = () => new SecretsManagerKeySource(sm, 'arn:secret', 30_000, () => now)

beforeEach(() => {
  sm = new ScriptedReader()
  now = 1_000_000
})

describe('OpenAI key from Secrets Manager', () => {
  it('does not read before the first request', () => {
    source()
    expect(sm.calls).toHaveLength(0)
  })

  it('reads once and caches the trimmed key', async () => {
    sm.answers = ['  sk-key\n']
    const s = source()
    expect(await s.get()).toBe('sk-key')
    expect(await s.get()).toBe('sk-key')
    expect(sm.calls).toHaveLength(1)
  })

  it('shares one read between concurrent first requests', async () => {
    sm.answers = ['sk-key']
    const s = source()
    await Promise.all([s.get(), s.get(), s.get()])
    expect(sm.calls).toHaveLength(1)
  })

  it('does not cache a failed read: the next request tries again', async () => {
    sm.answers = [new Error('ServiceUnavailable'), 'sk-key']
    const s = source()
    await expect(s.get()).rejects.toThrow('ServiceUnavailable')
    expect(await s.get()).toBe('sk-key')
  })

  it('refuses an empty secret with a message saying how to set it', async () => {
    sm.answers = ['']
    await expect(source().get()).rejects.toThrow(/put-secret-value/)
  })

  it('re-reads after an upstream 401 and reports whether the key changed', async () => {
    sm.answers = ['sk-old', 'sk-new']
    const s = source()
    expect(await s.get()).toBe('sk-old')
    now += 31_000
    expect(await s.refreshAfterUnauthorized('sk-old')).toBe(true)
    expect(await s.get()).toBe('sk-new')
  })

  it('re-reads at most once per floor interval', async () => {
    sm.answers = ['sk-same']
    const s = source()
    await s.get()
    now += 5_000
    expect(await s.refreshAfterUnauthorized('sk-same')).toBe(false)
    expect(sm.calls).toHaveLength(1)
    now += 30_000
    expect(await s.refreshAfterUnauthorized('sk-same')).toBe(false) // re-read, same key: no retry
    expect(sm.calls).toHaveLength(2)
  })
})
