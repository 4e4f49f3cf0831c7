// Where the proxy keeps state: the tokens table, the usage-counter table and the
// audit-log bucket. Key names come from the shared table contract.
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'
import { TOKENS_TABLE, USAGE_TABLE } from '../lambda/src/contracts/tables.js'
import type { InfraConfig } from './config.js'
import { PrivateBucket } from './private-bucket.js'

export class Storage extends pulumi.ComponentResource {
  readonly tokensTable: aws.dynamodb.Table
  readonly usageTable: aws.dynamodb.Table
  readonly logsBucket: aws.s3.Bucket

  constructor(name: string, args: { config: InfraConfig }, opts?: pulumi.ComponentResourceOptions) {
    super('codex-proxy:infra:Storage', name, {}, opts)
    const parent = { parent: this }
    const { config } = args

    // On-demand: traffic follows working hours and is tiny per request (one GetItem).
    // Tokens are the only state that cannot be recreated: point-in-time recovery, and
    // deletion protection so that neither `pulumi destroy` nor a console click drops it.
    this.tokensTable = new aws.dynamodb.Table(
      `${name}-tokens`,
      {
        billingMode: 'PAY_PER_REQUEST',
        hashKey: TOKENS_TABLE.partitionKey,
        attributes: [
          { name: TOKENS_TABLE.partitionKey, type: 'S' },
          { name: TOKENS_TABLE.byUserKey, type: 'S' },
        ],
        globalSecondaryIndexes: [
          {
            name: TOKENS_TABLE.byUserIndex,
            keySchemas: [{ attributeName: TOKENS_TABLE.byUserKey, keyType: 'HASH' }],
            projectionType: 'ALL',
          },
        ],
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
      },
      parent,
    )

    // Counters are disposable (rate windows, spend reservations) and expire via TTL.
    this.usageTable = new aws.dynamodb.Table(
      `${name}-usage`,
      {
        billingMode: 'PAY_PER_REQUEST',
        hashKey: USAGE_TABLE.partitionKey,
        attributes: [{ name: USAGE_TABLE.partitionKey, type: 'S' }],
        ttl: { attributeName: USAGE_TABLE.ttlAttribute, enabled: true },
      },
      parent,
    )

    // Audit records: versioned so an overwrite or delete can be undone; not force-destroyed,
    // so `pulumi destroy` stops at a bucket that still holds records.
    const logs = new PrivateBucket(
      `${name}-logs`,
      {
        expiryDays: config.logsExpiryDays,
        versioning: true,
        objectLock: config.objectLock,
        forceDestroy: false,
      },
      parent,
    )
    this.logsBucket = logs.bucket

    this.registerOutputs({
      tokensTableName: this.tokensTable.name,
      usageTableName: this.usageTable.name,
      logsBucketName: this.logsBucket.bucket,
    })
  }
}
