// Real DynamoDB/S3-compatible servers (dynalite in memory, s3rver on a temp dir) for
// integration tests, provisioned exactly as the local stack provisions them.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { startStoreServers, type RunningStores } from '../../lambda/src/local/embedded-stores.js'
import { LOCAL_NAMES } from '../../lambda/src/local/local-proxy.js'
import { ensureBucket, ensureTables } from '../../lambda/src/local/provision.js'
import { type AwsTarget, dynamoDocumentClient, s3Client } from '../../lambda/src/stores/aws-clients.js'

export interface TestStores {
  stores: RunningStores
  target: AwsTarget
  doc: ReturnType<typeof dynamoDocumentClient>
  s3: ReturnType<typeof s3Client>
  names: typeof LOCAL_NAMES
  close(): Promise<void>
}

export async function startTestStores(): Promise<TestStores> {
  const stores = await startStoreServers()
  const target: AwsTarget = { local: { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint } }
  const doc = dynamoDocumentClient(target)
  const s3 = s3Client(target)
  await ensureTables(doc as unknown as DynamoDBClient, LOCAL_NAMES)
  await ensureBucket(s3, LOCAL_NAMES.bucket)
  return { stores, target, doc, s3, names: LOCAL_NAMES, close: () => stores.close() }
}
