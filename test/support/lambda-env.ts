// The environment the Lambda entry runs with, as the Pulumi program sets it, pointed at
// the test stores (through AWS_ENDPOINT_URL_*) and a fake upstream.
import { ENV } from '../../lambda/src/contracts/config.js'
import type { TestStores } from './stores.js'

export const TEST_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-openai-key'

export function deployedLambdaEnv(stores: TestStores, upstreamUrl: string, endpoints: { dynamodb?: string; s3?: string } = {}): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    // s3rver checks these; dynalite accepts any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb ?? stores.target.local!.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: endpoints.s3 ?? stores.target.local!.s3Endpoint,
    [ENV.s3ForcePathStyle]: 'true',
    [ENV.tokensTable]: stores.names.tokensTable,
    [ENV.usageTable]: stores.names.usageTable,
    [ENV.bucket]: stores.names.bucket,
    [ENV.secretArn]: TEST_SECRET_ARN,
    [ENV.upstreamUrl]: upstreamUrl,
  }
}
