// Two ways to read the audit store, as managed policies to attach to people's roles:
//   usage analysts: Athena over the metadata table (and the metadata JSON objects of the
//     scan engine); no body, no header, no v1 record (v1 records hold bodies);
//   auditors: everything analysts have, plus the bodies (bodies/) and the v1 records (logs/).
// The proxy's own role can only write (infra/proxy.ts).
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'
import { BODIES_PREFIX, METADATA_PREFIX } from '../lambda/src/contracts/audit-bodies.js'
import { AUDIT_PREFIX } from '../lambda/src/contracts/audit-key.js'
import { catalogArn } from './metadata-pipeline.js'

export interface ReaderArns {
  logsBucket: string
  metadataBucket: string
  resultsBucket: string
  workgroup: string
  database: string
  metadataTable: string
  v1Table: string
}

type Statement = { Sid: string; Effect: 'Allow'; Action: string[]; Resource: string[]; Condition?: Record<string, unknown> }

export function usageAnalystStatements(a: ReaderArns): Statement[] {
  const catalog = catalogArn(a.database)
  return [
    { Sid: 'RunQueries', Effect: 'Allow', Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'], Resource: [a.workgroup] },
    { Sid: 'ReadMetadataSchema', Effect: 'Allow', Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'], Resource: [catalog, a.database, a.metadataTable] },
    { Sid: 'ReadMetadataObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${a.metadataBucket}/${METADATA_PREFIX}*`, `${a.logsBucket}/${METADATA_PREFIX}*`] },
    { Sid: 'ListMetadata', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [a.metadataBucket] },
    {
      Sid: 'ListMetadataInAuditBucket',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [a.logsBucket],
      Condition: { StringLike: { 's3:prefix': [`${METADATA_PREFIX}*`] } },
    },
    { Sid: 'QueryResults', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket', 's3:GetBucketLocation'], Resource: [a.resultsBucket, `${a.resultsBucket}/*`] },
  ]
}

export function auditorStatements(a: ReaderArns): Statement[] {
  const catalog = catalogArn(a.database)
  return [
    ...usageAnalystStatements(a).filter((s) => s.Sid !== 'ListMetadataInAuditBucket' && s.Sid !== 'ReadMetadataSchema'),
    { Sid: 'ReadSchemas', Effect: 'Allow', Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'], Resource: [catalog, a.database, a.metadataTable, a.v1Table] },
    { Sid: 'ReadBodiesAndV1Records', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${a.logsBucket}/${BODIES_PREFIX}*`, `${a.logsBucket}/${AUDIT_PREFIX}*`] },
    { Sid: 'ListAuditBucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: [a.logsBucket] },
  ]
}

export class ReaderPolicies extends pulumi.ComponentResource {
  readonly usageAnalyst: aws.iam.Policy
  readonly auditor: aws.iam.Policy

  constructor(name: string, args: { arns: { [K in keyof ReaderArns]: pulumi.Input<string> } }, opts?: pulumi.ComponentResourceOptions) {
    super('codex-proxy:infra:ReaderPolicies', name, {}, opts)
    const parent = { parent: this }
    const doc = (f: (a: ReaderArns) => Statement[]) => pulumi.all(args.arns).apply((a) => JSON.stringify({ Version: '2012-10-17', Statement: f(a as unknown as ReaderArns) }))
    this.usageAnalyst = new aws.iam.Policy(`${name}-usage-analyst`, { description: 'codex-proxy usage analyst: metadata only, never a body', policy: doc(usageAnalystStatements) }, parent)
    this.auditor = new aws.iam.Policy(`${name}-auditor`, { description: 'codex-proxy auditor: metadata, bodies and v1 records', policy: doc(auditorStatements) }, parent)
    this.registerOutputs({ usageAnalystPolicyArn: this.usageAnalyst.arn, auditorPolicyArn: this.auditor.arn })
  }
}
