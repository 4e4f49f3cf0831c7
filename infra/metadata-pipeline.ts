// Audit v2 metadata: the proxy sends one JSON metadata record per request to an Amazon
// Data Firehose stream, which converts it to Parquet with the schema of a Glue table
// generated from the metadata definition (contracts/audit-metadata.ts) and writes it to
// its own bucket, partitioned by (arrival) day. Usage reports scan these small columnar
// files, never the bodies; the bucket has its own, longer retention.
// Record format conversion: https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'
import { METADATA_PREFIX } from '../lambda/src/contracts/audit-bodies.js'
import { AUDIT_PARTITION_DIGITS, AUDIT_PARTITION_KEYS } from '../lambda/src/contracts/audit-key.js'
import { AUDIT_METADATA_FIELDS } from '../lambda/src/contracts/audit-metadata.js'
import { columnsOf, partitionProjection } from './analytics.js'
import type { InfraConfig } from './config.js'
import { PrivateBucket } from './private-bucket.js'

export const METADATA_TABLE_NAME = 'audit_metadata'

/**
 * Firehose's S3 prefix: the same `year=/month=/day=` partitions as the rest of the store,
 * from Firehose's arrival timestamp (UTC). Report SQL widens its partition range by a day
 * for requests that end after midnight (ops-cli/src/lib/usage/athena-sql.ts).
 */
export const FIREHOSE_PREFIX = `${METADATA_PREFIX}year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/`
export const FIREHOSE_ERROR_PREFIX = 'metadata-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/'

export class MetadataPipeline extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket
  readonly table: aws.glue.CatalogTable
  readonly stream: aws.kinesis.FirehoseDeliveryStream

  constructor(name: string, args: { config: InfraConfig; database: aws.glue.CatalogDatabase }, opts?: pulumi.ComponentResourceOptions) {
    super('codex-proxy:infra:MetadataPipeline', name, {}, opts)
    const parent = { parent: this }
    const { config, database } = args

    this.bucket = new PrivateBucket(`${name}-metadata`, { expiryDays: config.metadataExpiryDays, versioning: true, forceDestroy: false }, parent).bucket

    this.table = new aws.glue.CatalogTable(
      `${name}-metadata`,
      {
        name: METADATA_TABLE_NAME,
        databaseName: database.name,
        description: 'One row per proxied request: audit v2 metadata (no bodies), Parquet written by Firehose.',
        tableType: 'EXTERNAL_TABLE',
        parameters: this.bucket.bucket.apply((bucket) => ({ EXTERNAL: 'TRUE', classification: 'parquet', ...partitionProjection(bucket, METADATA_PREFIX) })),
        partitionKeys: AUDIT_PARTITION_KEYS.map((key) => ({
          name: key,
          type: 'string',
          comment: `UTC ${key} the record reached Firehose, zero-padded to ${AUDIT_PARTITION_DIGITS[key]} digits`,
        })),
        storageDescriptor: {
          location: pulumi.interpolate`s3://${this.bucket.bucket}/${METADATA_PREFIX}`,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serDeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          columns: columnsOf(AUDIT_METADATA_FIELDS),
        },
      },
      parent,
    )

    const role = new aws.iam.Role(
      `${name}-firehose`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      },
      parent,
    )
    const policy = new aws.iam.RolePolicy(
      `${name}-firehose`,
      {
        role: role.id,
        policy: pulumi.all([this.bucket.arn, database.arn, this.table.arn]).apply(([bucket, db, table]) =>
          JSON.stringify({ Version: '2012-10-17', Statement: firehosePolicyStatements({ bucket, database: db, table }) }),
        ),
      },
      parent,
    )

    this.stream = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-metadata`,
      {
        destination: 'extended_s3',
        extendedS3Configuration: {
          roleArn: role.arn,
          bucketArn: this.bucket.arn,
          prefix: FIREHOSE_PREFIX,
          errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
          // Format conversion needs a buffer of at least 64 MiB; 5 minutes bounds the delay.
          bufferingSize: 64,
          bufferingInterval: 300,
          dataFormatConversionConfiguration: {
            enabled: true,
            inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
            outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
            schemaConfiguration: { databaseName: database.name, tableName: this.table.name, roleArn: role.arn, region: config.region },
          },
        },
      },
      { ...parent, dependsOn: [policy] },
    )

    this.registerOutputs({ metadataBucketName: this.bucket.bucket, metadataStreamName: this.stream.name, glueTableName: this.table.name })
  }
}

export function firehosePolicyStatements(arns: { bucket: string; database: string; table: string }) {
  const catalog = catalogArn(arns.database)
  return [
    {
      Sid: 'WriteMetadataObjects',
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject'],
      Resource: [arns.bucket, `${arns.bucket}/*`],
    },
    {
      Sid: 'ReadMetadataSchema',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [catalog, arns.database, arns.table],
    },
  ]
}

/** The Glue Data Catalog ARN of a database ARN (`arn:aws:glue:R:A:database/D` → `arn:aws:glue:R:A:catalog`). */
export function catalogArn(databaseArn: string): string {
  return `${databaseArn}`.replace(/:database\/.*$/, ':catalog')
}
