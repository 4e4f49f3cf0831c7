// The OpenAI key from AWS Secrets Manager: read lazily on the first request (not at
// module load: provisioned concurrency pre-initialises containers long before use),
// cached for the container's life, re-read when the upstream rejects it (rotation) —
// at most once per `minRereadMs`, so a bad key cannot turn every request into a
// Secrets Manager call. A failed read is not cached: the next request tries again.
import type { KeySource } from '../core/ports.js'

/** Reads a secret's string (the Lambda: secrets-manager-http.ts, without the SDK). */
export interface SecretReader {
  getSecretString(secretId: string): Promise<string | undefined>
}

export class SecretsManagerKeySource implements KeySource {
  private current: Promise<string> | undefined
  private lastReadAt = -Infinity

  constructor(
    private readonly client: SecretReader,
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
    const key = (await this.client.getSecretString(this.secretId))?.trim()
    if (!key) throw new Error('the OpenAI key secret has no value (set it with `aws secretsmanager put-secret-value`)')
    return key
  }
}
