// The OpenAI key from AWS Secrets Manager: read lazily on the first request (not at
// module load: provisioned concurrency pre-initialises containers long before use),
// cached for the container's life, re-read when the upstream rejects it (rotation) —
// at most once per `minRereadMs`, so a bad key cannot turn every request into a
// Secrets Manager call. A failed read is not cached: the next request tries again.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { KeySource } from '../core/ports.js'

export class SecretsManagerKeySource implements KeySource {
  private current: Promise<string> | undefined
  private lastReadAt = -Infinity

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly minRereadMs = 30_000,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  get(): Promise<string> {
    if (!this.current) {
      this.lastReadAt = this.monotonic()
      this.current = this.read().catch((err: unknown) => {
        this.current = undefined
        throw err
      })
    }
    return this.current
  }

  async refreshAfterUnauthorized(rejectedKey: string | undefined): Promise<boolean> {
    if (this.monotonic() - this.lastReadAt < this.minRereadMs) return false
    this.current = undefined
    try {
      return (await this.get()) !== rejectedKey
    } catch {
      return false
    }
  }

  private async read(): Promise<string> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }))
    const key = SecretString?.trim()
    if (!key) throw new Error('the OpenAI key secret has no value (set it with `aws secretsmanager put-secret-value`)')
    return key
  }
}
