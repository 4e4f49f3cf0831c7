// Athena over the audit records: a Glue table whose columns are generated from the
// audit record definition, partitions found by projection (no crawler, no MSCK REPAIR),
// and a workgroup that forces query results into a short-lived bucket.
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'
import { AUDIT_PARTITION_DIGITS, AUDIT_PARTITION_KEYS, AUDIT_PREFIX } from '../lambda/src/contracts/audit-key.js'
import { AUDIT_RECORD_FIELDS, type FieldType, glueType } from '../lambda/src/contracts/audit-record.js'
import type { InfraConfig } from './config.js'
import { PrivateBucket } from './private-bucket.js'

export const AUDIT_TABLE_NAME = 'audit_records'

/** Years that partition projection enumerates: from the product's first records on. */
export const AUDIT_YEAR_RANGE = [2025, 2099] as const

/** Glue caps a column comment at 255 characters (Column.Comment in the Glue API). */
const GLUE_COMMENT_MAX = 255

export interface GlueColumn {
  name: string
  type: string
  comment: string
}

/** One column per field of a record definition, in definition order. */
export function columnsOf(fields: Record<string, { type: FieldType; doc: string }>): GlueColumn[] {
  return Object.entries(fields).map(([name, field]) => {
    if (field.doc.length > GLUE_COMMENT_MAX) {
      throw new Error(`audit record field ${name}: doc is ${field.doc.length} characters, Glue allows ${GLUE_COMMENT_MAX}`)
    }
    return { name, type: glueType(field.type), comment: field.doc }
  })
}

/** One column per audit record field (the v1 table). */
export const auditRecordColumns = (): GlueColumn[] => columnsOf(AUDIT_RECORD_FIELDS)

/**
 * Table properties for partition projection
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html).
 * The keys hold zero-padded numbers (`month=01`): integer projection with `digits`
 * produces exactly those strings, and the template maps them onto the S3 prefix.
 */
export function partitionProjection(bucketName: string, prefix: string = AUDIT_PREFIX): Record<string, string> {
  const ranges: Record<(typeof AUDIT_PARTITION_KEYS)[number], readonly [number, number]> = {
    year: AUDIT_YEAR_RANGE,
    month: [1, 12],
    day: [1, 31],
  }
  const props: Record<string, string> = { 'projection.enabled': 'true' }
  for (const key of AUDIT_PARTITION_KEYS) {
    props[`projection.${key}.type`] = 'integer'
    props[`projection.${key}.range`] = ranges[key].join(',')
    props[`projection.${key}.digits`] = String(AUDIT_PARTITION_DIGITS[key])
  }
  const path = AUDIT_PARTITION_KEYS.map((key) => `${key}=\${${key}}`).join('/')
  props['storage.location.template'] = `s3://${bucketName}/${prefix}${path}/`
  return props
}

/** Glue database names: lowercase letters, digits and underscores keep Athena SQL unquoted. */
export function glueDatabaseName(project: string, stack: string): string {
  return `${project}_${stack}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
}

export class Analytics extends pulumi.ComponentResource {
  readonly resultsBucket: aws.s3.Bucket
  readonly database: aws.glue.CatalogDatabase
  readonly table: aws.glue.CatalogTable
  readonly workgroup: aws.athena.Workgroup

  constructor(
    name: string,
    args: { config: InfraConfig; logsBucket: aws.s3.Bucket },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('codex-proxy:infra:Analytics', name, {}, opts)
    const parent = { parent: this }
    const { config } = args

    // Query results are copies of audit data: keep them days, not months.
    this.resultsBucket = new PrivateBucket(
      `${name}-athena-results`,
      { expiryDays: config.athenaResultsExpiryDays, versioning: false, forceDestroy: true },
      parent,
    ).bucket

    this.database = new aws.glue.CatalogDatabase(
      `${name}-audit`,
      { name: glueDatabaseName(config.project, config.stack), description: 'codex-proxy audit records' },
      parent,
    )

    const bucketName = args.logsBucket.bucket
    this.table = new aws.glue.CatalogTable(
      `${name}-audit`,
      {
        name: AUDIT_TABLE_NAME,
        databaseName: this.database.name,
        description: 'One row per proxied request (gzip JSON objects written by codex-proxy).',
        tableType: 'EXTERNAL_TABLE',
        parameters: bucketName.apply((bucket) => ({
          EXTERNAL: 'TRUE',
          classification: 'json',
          ...partitionProjection(bucket),
        })),
        partitionKeys: AUDIT_PARTITION_KEYS.map((key) => ({
          name: key,
          // Strings, not ints: the values are the zero-padded text of the keys.
          type: 'string',
          comment: `UTC ${key} of the request, zero-padded to ${AUDIT_PARTITION_DIGITS[key]} digits`,
        })),
        storageDescriptor: {
          location: pulumi.interpolate`s3://${bucketName}/${AUDIT_PREFIX}`,
          // Text input decompresses `.gz` objects by extension; each object holds one
          // record serialised on one line, as the OpenX SerDe expects.
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serDeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // A malformed object fails the query rather than vanishing from an audit.
            parameters: { 'ignore.malformed.json': 'false' },
          },
          columns: auditRecordColumns(),
        },
      },
      parent,
    )

    this.workgroup = new aws.athena.Workgroup(
      name,
      {
        name: `${config.project}-${config.stack}`,
        configuration: {
          // Clients cannot send results elsewhere (or unencrypted).
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${this.resultsBucket.bucket}/results/`,
            encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          },
        },
        // Saved queries and history are disposable; without this, destroy fails.
        forceDestroy: true,
      },
      parent,
    )

    this.registerOutputs({
      athenaWorkgroupName: this.workgroup.name,
      athenaResultsBucketName: this.resultsBucket.bucket,
      glueDatabaseName: this.database.name,
      glueTableName: this.table.name,
    })
  }
}
