// Secrets Manager's GetSecretValue without the SDK: one signed JSON 1.1 POST
// (X-Amz-Target `secretsmanager.GetSecretValue`,
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html)
// over the shared signed transport (signed-http.ts). The Lambda reads each upstream key
// once per container; through the SDK that first read also paid for loading the client's
// credential chain and shared-config files (bench/RESULTS.md, issue 14).
import { type AwsCredentials, AwsHttpError, type HttpAnswer, SignedHttp } from './signed-http.js'

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
  return env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL || `https://secretsmanager.${region}.amazonaws.com`
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
      (answer) => readAnswer(answer),
    )
  }
}

function readAnswer({ status, body }: HttpAnswer): string | undefined {
  let json: { SecretString?: unknown; __type?: string; message?: string; Message?: string } | undefined
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json
  } catch {
    // not JSON (a proxy's HTML page): name the status, never quote the bytes — a 200's
    // body would be the secret.
  }
  if (status === 200 && json) return typeof json.SecretString === 'string' ? json.SecretString : undefined
  const type = json?.__type?.split('#').pop() || (status >= 500 ? 'InternalServiceError' : 'UnknownError')
  const message = json?.message ?? json?.Message ?? `Secrets Manager GetSecretValue answered HTTP ${status}${json ? '' : ' without a JSON body'}`
  throw new AwsHttpError(type, message, status >= 500 || RETRYABLE_TYPES.has(type), status)
}
