// Real DynamoDB/S3-compatible servers (dynalite in memory, s3rver on a temp dir) for
// integration tests, provisioned exactly as the local stack provisions them.
import { startStoreServers, type RunningStores } from '../../lambda/src/local/embedded-stores.js'
import { LOCAL_NAMES } from '../../lambda/src/local/local-proxy.js'
import { ensureBucket, ensureTables } from '../../lambda/src/local/provision.js'
import { type AwsTarget, s3Client } from '../../lambda/src/stores/aws-clients.js'
import { dynamoClient, dynamoDocumentClient } from '../../lambda/src/stores/dynamo-sdk.js'
import { type DynamoHttp, dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'

export interface TestStores {
  stores: RunningStores
  target: AwsTarget
  doc: ReturnType<typeof dynamoDocumentClient>
  /** The hot path's lean client (what the proxy's token and counter stores use). */
  dynamo: DynamoHttp
  sdk: ReturnType<typeof dynamoClient>
  s3: ReturnType<typeof s3Client>
  names: typeof LOCAL_NAMES
  close(): Promise<void>
}

export async function startTestStores(): Promise<TestStores> {
  const stores = await startStoreServers()
  const target: AwsTarget = { local: { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint } }
  const sdk = dynamoClient(target)
  const doc = dynamoDocumentClient(target, sdk)
  const dynamo = dynamoHttpFor(target)
  const s3 = s3Client(target)
  await ensureTables(sdk, LOCAL_NAMES)
  await ensureBucket(s3, LOCAL_NAMES.bucket)
  return { stores, target, doc, dynamo, sdk, s3, names: LOCAL_NAMES, close: () => stores.close() }
}
