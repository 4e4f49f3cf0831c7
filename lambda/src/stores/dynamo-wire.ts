// The DynamoDB calls the proxy's stores make, in DynamoDB's own wire format (AttributeValue
// maps, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html).
// Two transports carry them: a lean signed HTTP client on the proxy's hot path
// (dynamo-http.ts) and the AWS SDK for the ops CLI (dynamo-sdk-wire.ts), whose credential
// chain knows profiles and SSO. Both throw errors named after DynamoDB's error type.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'

export type Item = Record<string, AttributeValue>

export interface DynamoWire {
  getItem(input: { TableName: string; Key: Item }): Promise<{ Item?: Item }>
  updateItem(input: {
    TableName: string
    Key: Item
    UpdateExpression: string
    ConditionExpression?: string
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Item
    ReturnValues?: 'UPDATED_NEW'
  }): Promise<{ Attributes?: Item }>
  batchGetItem(input: { RequestItems: Record<string, { Keys: Item[] }> }): Promise<{
    Responses?: Record<string, Item[]>
    UnprocessedKeys?: Record<string, { Keys?: Item[] }>
  }>
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException'
}
