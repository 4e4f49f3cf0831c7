// Creates the tables and bucket of the local stack when missing (`pulumi up` does this
// in AWS). Key schema comes from the tables contract, as in the Pulumi program.
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb'
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { TOKENS_TABLE, USAGE_TABLE } from '../contracts/tables.js'

export interface StackNames {
  tokensTable: string
  usageTable: string
  bucket: string
}

export async function ensureTables(dynamo: DynamoDBClient, names: Pick<StackNames, 'tokensTable' | 'usageTable'>): Promise<void> {
  // Both at once: every start asks again (the answer is ResourceInUse), and `serve` waits.
  await Promise.all([
    createIfMissing(() =>
      dynamo.send(
        new CreateTableCommand({
          TableName: names.tokensTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: TOKENS_TABLE.partitionKey, AttributeType: 'S' },
            { AttributeName: TOKENS_TABLE.byUserKey, AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: TOKENS_TABLE.partitionKey, KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: TOKENS_TABLE.byUserIndex,
              KeySchema: [{ AttributeName: TOKENS_TABLE.byUserKey, KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      ),
    ),
    // dynalite cannot UpdateTimeToLive and never expires items (NOTES.md); TTL matters
    // only for storage growth, so the local stack does without it.
    createIfMissing(() =>
      dynamo.send(
        new CreateTableCommand({
          TableName: names.usageTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: USAGE_TABLE.partitionKey, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: USAGE_TABLE.partitionKey, KeyType: 'HASH' }],
        }),
      ),
    ),
  ])
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create()
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err
  }
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  }
}
