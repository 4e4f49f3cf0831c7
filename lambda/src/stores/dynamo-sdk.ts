// DynamoDB through the AWS SDK, for the ops CLI, provisioning and `serve --aws`: the SDK's
// credential chain resolves profiles, SSO and roles, which the hot path's lean client
// (dynamo-http.ts) does not need.
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { type AwsTarget, LOCAL_DYNAMO_CREDENTIALS, LOCAL_REGION, requestHandler } from './aws-clients.js'
import type { DynamoWire } from './dynamo-wire.js'

export function dynamoDocumentClient(target: AwsTarget, client = dynamoClient(target)): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
}

export function dynamoClient(target: AwsTarget): DynamoDBClient {
  return new DynamoDBClient({
    region: target.region ?? (target.local ? LOCAL_REGION : undefined),
    maxAttempts: target.maxAttempts,
    requestHandler: requestHandler(target),
    ...(target.local && {
      endpoint: target.local.dynamodbEndpoint,
      credentials: LOCAL_DYNAMO_CREDENTIALS,
    }),
  })
}

/** The stores' wire-format calls (dynamo-wire.ts) over an SDK client. */
export function sdkDynamoWire(client: DynamoDBClient): DynamoWire {
  return {
    getItem: (input) => client.send(new GetItemCommand(input)),
    updateItem: (input) => client.send(new UpdateItemCommand(input)),
    batchGetItem: (input) => client.send(new BatchGetItemCommand(input)),
  }
}
