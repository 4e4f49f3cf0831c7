// Creates the tables and bucket of the local stack when missing (`pulumi up` does this
// in AWS). Key schema comes from the tables contract, as in the Pulumi program.
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb'
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { TOKENS_TABLE, USAGE_TABLE } from '../contracts/tables.js'

export interface StackNames {
  tokensTable: string
  usageTable: string
  bucket: string
}

/**
 * Creates the tables when missing and resolves once both are ACTIVE. CreateTable answers
 * while a table is still CREATING (DynamoDB's documented behaviour; dynalite too, even
 * with createTableMs 0, until its timer has marked it ACTIVE), and a read of a CREATING
 * table fails with ResourceNotFoundException: `serve` must not answer healthy, nor a test
 * read, before the tables can be used.
 */
export async function ensureTables(dynamo: DynamoDBClient, names: Pick<StackNames, 'tokensTable' | 'usageTable'>, activeWithinMs = 10_000): Promise<void> {
  await createTables(dynamo, names)
  await Promise.all([names.tokensTable, names.usageTable].map((table) => untilActive(dynamo, table, activeWithinMs)))
}

async function untilActive(dynamo: DynamoDBClient, table: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table }))
    if (Table?.TableStatus === 'ACTIVE') return
    if (Date.now() + delay > deadline) throw new Error(`table ${table} is still ${Table?.TableStatus ?? 'missing'} after ${withinMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
}

async function createTables(dynamo: DynamoDBClient, names: Pick<StackNames, 'tokensTable' | 'usageTable'>): Promise<void> {
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
