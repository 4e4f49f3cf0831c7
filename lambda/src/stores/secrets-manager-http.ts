// Secrets Manager's GetSecretValue without the SDK: one signed JSON 1.1 POST
// (X-Amz-Target `secretsmanager.GetSecretValue`,
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html)
// over the shared signed transport (signed-http.ts). The Lambda reads each upstream key
// once per container; through the SDK that first read also paid for loading the client's
// credential chain and shared-config files (bench/RESULTS.md, issue 14).
import { type AwsCredentials, readAwsJson, serviceEndpoint, SignedHttp } from './signed-http.js'

export interface SecretsManagerHttpOptions {
  region: string
  /** Default: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, then the regional endpoint. */
  endpoint?: string
  credentials: () => AwsCredentials
  requestTimeoutMs?: number
  maxAttempts?: number
}

/** The endpoint the SDK would pick (service variable, the general one, then the region's). */
export function secretsManagerEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return serviceEndpoint('AWS_ENDPOINT_URL_SECRETS_MANAGER', 'secretsmanager', region, env)
}

const RETRYABLE_TYPES = new Set(['ThrottlingException', 'InternalServiceError', 'ServiceUnavailableException', 'RequestTimeout'])

export class SecretsManagerHttp {
  private readonly http: SignedHttp

  constructor(options: SecretsManagerHttpOptions) {
    this.http = new SignedHttp({
      endpoint: options.endpoint ?? secretsManagerEndpoint(options.region),
      service: 'secretsmanager',
      region: options.region,
      credentials: options.credentials,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      maxAttempts: options.maxAttempts ?? 3,
      label: 'Secrets Manager',
    })
  }

  /** The secret's SecretString (undefined for a binary secret). */
  getSecretString(secretId: string): Promise<string | undefined> {
    return this.http.request(
      {
        method: 'POST',
        path: this.http.url.pathname,
        operation: 'GetSecretValue',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
        body: JSON.stringify({ SecretId: secretId }),
      },
      (answer) => {
        const json = readAwsJson<{ SecretString?: unknown }>('Secrets Manager', 'GetSecretValue', answer, { retryable: RETRYABLE_TYPES, serverError: 'InternalServiceError' })
        return typeof json.SecretString === 'string' ? json.SecretString : undefined
      },
    )
  }
}
