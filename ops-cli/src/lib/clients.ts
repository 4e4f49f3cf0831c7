// AWS clients and store adapters for a resolved target (one place for the CLI).
import { ENV } from '../../../lambda/src/contracts/config.js'
import { s3Client } from '../../../lambda/src/stores/aws-clients.js'
import { dynamoDocumentClient } from '../../../lambda/src/stores/dynamo-sdk.js'
import { TokenAdmin } from '../../../lambda/src/stores/token-admin.js'
import { required, type Target } from './target.js'

export function tokenAdminFor(target: Target): TokenAdmin {
  const table = required(target.tokensTable, 'tokens table', 'table', ENV.tokensTable)
  return new TokenAdmin(dynamoDocumentClient(target.aws), table)
}

export function auditBucketFor(target: Target): { s3: ReturnType<typeof s3Client>; bucket: string } {
  const bucket = required(target.bucket, 'audit bucket', 'bucket', ENV.bucket)
  return { s3: s3Client(target.aws), bucket }
}
