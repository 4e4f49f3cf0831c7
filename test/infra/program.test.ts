// The Pulumi program with the prod stack's configuration (Pulumi.prod.yaml, as the
// Pulumi CLI would pass it), checked resource by resource under Pulumi's mocks.
import * as pulumi from '@pulumi/pulumi'
import { beforeAll, describe, expect, it } from 'vitest'
import { auditDayPrefix } from '../../lambda/src/contracts/audit-key.js'
import { AUDIT_METADATA_FIELDS } from '../../lambda/src/contracts/audit-metadata.js'
import { AUDIT_RECORD_FIELDS, glueType } from '../../lambda/src/contracts/audit-record.js'
import { ENV, LAMBDA_MAX_REQUEST_BYTES } from '../../lambda/src/contracts/config.js'
import { METRIC, METRICS_NAMESPACE } from '../../lambda/src/contracts/metrics.js'
import { STACK_OUTPUT } from '../../lambda/src/contracts/stack-outputs.js'
import { TOKENS_TABLE, USAGE_TABLE } from '../../lambda/src/contracts/tables.js'
import {
  type BuiltStack,
  FIXTURE_LAMBDA_DIR,
  FUNCTION_URL,
  type Json,
  type RecordedResource,
  T,
  buildStack,
  prodStackConfig,
} from './support/pulumi-harness.js'

let stack: BuiltStack

beforeAll(async () => {
  stack = await buildStack({ ...prodStackConfig(), 'codex-proxy:lambdaCodePath': FIXTURE_LAMBDA_DIR })
})

const fn = () => stack.one(T.function)
const tableByKey = (hashKey: string, pred: (t: RecordedResource) => boolean) =>
  stack.ofType(T.table).filter((t) => t.inputs.hashKey === hashKey && pred(t))
const tokensTable = () => {
  const [table] = tableByKey(TOKENS_TABLE.partitionKey, (t) => (t.inputs.globalSecondaryIndexes ?? []).length > 0)
  return table!
}
const usageTable = () => {
  const [table] = tableByKey(USAGE_TABLE.partitionKey, (t) => t.inputs.ttl?.enabled === true)
  return table!
}
const logsBucket = () => stack.referencedBy(T.bucket, fn().inputs.environment.variables[ENV.bucket])!
const metadataBucket = () => stack.referencedBy(T.bucket, stack.one(T.firehose).inputs.extendedS3Configuration.bucketArn)!
const resultsBucket = () => stack.ofType(T.bucket).find((b) => b !== logsBucket() && b !== metadataBucket())!
const v1Table = () => stack.ofType(T.glueTable).find((t) => t.inputs.name === 'audit_records')!
const metadataTable = () => stack.ofType(T.glueTable).find((t) => t.inputs.name === 'audit_metadata')!
const forBucket = (type: string, bucket: RecordedResource) => stack.ofType(type).filter((r) => r.inputs.bucket === bucket.id)
const fnRole = () => stack.ofType(T.role).find((r) => r.name.endsWith('-function'))!
const fnRolePolicy = () => stack.ofType(T.rolePolicy).find((p) => p.inputs.role === fnRole().id)!
const allowStatements = (): Json[] => JSON.parse(fnRolePolicy().inputs.policy).Statement as Json[]
const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v])

describe('the program under the prod configuration', () => {
  it('registers every component without calling a provider function', () => {
    const types = new Set(stack.resources.map((r) => r.type))
    for (const type of [T.function, T.alias, T.functionUrl, T.table, T.bucket, T.glueTable, T.workgroup, T.alarm, T.dashboard]) {
      expect(types, type).toContain(type)
    }
  })

  describe('Lambda function', () => {
    it('runs Node.js 22 on arm64 with the esbuild bundle as code', async () => {
      expect(fn().inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler' })
      // The mocks hand the asset back as a FileArchive, whose path is a promise.
      expect(fn().inputs.code).toBeInstanceOf(pulumi.asset.FileArchive)
      expect(await fn().inputs.code.path).toBe(FIXTURE_LAMBDA_DIR)
    })

    it('has the seed timeout of 120 s and 512 MB of memory', () => {
      expect(fn().inputs.timeout).toBe(120)
      expect(fn().inputs.memorySize).toBe(512)
    })

    it('reserves a concurrency of 25', () => {
      expect(fn().inputs.reservedConcurrentExecutions).toBe(25)
    })

    it('publishes a version that the alias live points at', () => {
      expect(fn().inputs.publish).toBe(true)
      const alias = stack.one(T.alias)
      expect(alias.inputs).toMatchObject({ name: 'live', functionName: fn().id, functionVersion: fn().state.version })
    })

    it('keeps 2 provisioned instances on the alias live', () => {
      expect(stack.one(T.provisioned).inputs).toMatchObject({
        functionName: fn().id,
        qualifier: 'live',
        provisionedConcurrentExecutions: 2,
      })
    })

    it('logs to its own log group, kept for 90 days', () => {
      const group = stack.one(T.logGroup)
      expect(group.inputs).toMatchObject({ name: `/aws/lambda/${fn().id}`, retentionInDays: 90 })
      expect(fn().inputs.loggingConfig).toMatchObject({ logGroup: group.id, logFormat: 'Text' })
    })

    it('gets its tables, bucket and secret through the environment names the proxy reads', () => {
      const env = fn().inputs.environment.variables
      expect(env[ENV.tokensTable]).toBe(tokensTable().id)
      expect(env[ENV.usageTable]).toBe(usageTable().id)
      expect(env[ENV.bucket]).toBe(logsBucket().id)
      expect(env[ENV.secretArn]).toBe(stack.one(T.secret).state.arn)
      expect(env[ENV.alertTopicArn]).toBe(stack.one(T.topic).state.arn)
    })

    it('gets the proxy settings from config, with the upstream deadline 10 s inside the Lambda timeout', () => {
      expect(fn().inputs.environment.variables).toMatchObject({
        [ENV.upstreamUrl]: 'https://api.openai.com',
        [ENV.endpoints]: 'codex',
        [ENV.secretScan]: 'flag',
        [ENV.bodyCapBytes]: String(10 * 1024 * 1024),
        [ENV.maxRequestBytes]: String(LAMBDA_MAX_REQUEST_BYTES),
        [ENV.tokenCacheMs]: '5000',
        [ENV.upstreamTimeoutMs]: '110000',
      })
    })
  })

  describe('Function URL', () => {
    it('is on the alias live, streams responses and needs no AWS auth', () => {
      expect(stack.one(T.functionUrl).inputs).toEqual({
        functionName: fn().id,
        qualifier: 'live',
        authorizationType: 'NONE',
        invokeMode: 'RESPONSE_STREAM',
      })
    })

    it('is public only through the URL: the InvokeFunction grant requires the URL path', () => {
      const grants = stack.ofType(T.permission).map((p) => p.inputs)
      expect(grants).toHaveLength(2)
      expect(grants).toContainEqual(
        expect.objectContaining({ action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE', qualifier: 'live' }),
      )
      expect(grants).toContainEqual(
        expect.objectContaining({ action: 'lambda:InvokeFunction', principal: '*', invokedViaFunctionUrl: true, qualifier: 'live' }),
      )
    })
  })

  describe('IAM', () => {
    it('lets only Lambda assume the function role, with no managed policies attached', () => {
      const trust = JSON.parse(fnRole().inputs.assumeRolePolicy)
      expect(trust.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ])
      expect(fnRole().inputs.managedPolicyArns ?? []).toEqual([])
      expect(stack.resources.filter((r) => r.type.startsWith('aws:iam/') && r.type.includes('Attachment'))).toEqual([])
    })

    it('grants no wildcard action and no "*" resource', () => {
      for (const statement of allowStatements()) {
        for (const action of asList(statement.Action)) expect(action, statement.Sid).not.toContain('*')
        for (const resource of asList(statement.Resource)) expect(resource, statement.Sid).not.toBe('*')
      }
    })

    it('grants exactly: read tokens, count usage, write bodies under bodies/, send metadata to its stream, read the key, publish budget alerts to the alarm topic, write its own logs', () => {
      const grants = allowStatements().flatMap((s) =>
        asList(s.Action).flatMap((action) => asList(s.Resource).map((resource) => `${s.Effect} ${action} ${resource}`)),
      )
      const logGroup = stack.one(T.logGroup).state.arn
      expect(grants.sort()).toEqual(
        [
          `Allow dynamodb:GetItem ${tokensTable().state.arn}`,
          `Allow dynamodb:GetItem ${usageTable().state.arn}`,
          `Allow dynamodb:PutItem ${usageTable().state.arn}`,
          `Allow dynamodb:UpdateItem ${usageTable().state.arn}`,
          `Allow s3:PutObject ${logsBucket().state.arn}/bodies/*`,
          `Allow firehose:PutRecord ${stack.one(T.firehose).state.arn}`,
          `Allow firehose:PutRecordBatch ${stack.one(T.firehose).state.arn}`,
          `Allow secretsmanager:GetSecretValue ${stack.one(T.secret).state.arn}`,
          `Allow sns:Publish ${stack.one(T.topic).state.arn}`,
          `Allow logs:CreateLogStream ${logGroup}:*`,
          `Allow logs:PutLogEvents ${logGroup}:*`,
        ].sort(),
      )
    })
  })

  describe('DynamoDB tables', () => {
    it('stores tokens on demand, with point-in-time recovery and deletion protection', () => {
      expect(tokensTable().inputs).toMatchObject({
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'pk',
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
      })
    })

    it('indexes tokens by user in the GSI by_user, projecting all attributes', () => {
      expect(tokensTable().inputs.globalSecondaryIndexes).toEqual([
        { name: 'by_user', keySchemas: [{ attributeName: 'user_id', keyType: 'HASH' }], projectionType: 'ALL' },
      ])
      expect(tokensTable().inputs.attributes).toContainEqual({ name: 'user_id', type: 'S' })
    })

    it('expires usage counters through TTL on expires_at', () => {
      expect(usageTable().inputs).toMatchObject({
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'pk',
        ttl: { attributeName: 'expires_at', enabled: true },
      })
    })
  })

  describe('S3 buckets', () => {
    it('blocks every kind of public access on both buckets', () => {
      for (const bucket of [logsBucket(), resultsBucket()]) {
        expect(forBucket(T.publicAccessBlock, bucket).map((r) => r.inputs)).toEqual([
          {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          },
        ])
      }
    })

    it('denies any request not made over TLS on both buckets, and allows nothing', () => {
      for (const bucket of [logsBucket(), resultsBucket()]) {
        const [policy] = forBucket(T.bucketPolicy, bucket)
        const statements: Json[] = JSON.parse(policy!.inputs.policy).Statement
        expect(statements).toEqual([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucket.state.arn, `${bucket.state.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ])
      }
    })

    it('encrypts both buckets with SSE-S3 by default', () => {
      for (const bucket of [logsBucket(), resultsBucket()]) {
        const [sse] = forBucket(T.bucketEncryption, bucket)
        expect(sse!.inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }])
      }
    })

    it('versions the logs bucket and expires audit records after 90 days', () => {
      expect(forBucket(T.bucketVersioning, logsBucket())[0]!.inputs.versioningConfiguration).toEqual({ status: 'Enabled' })
      const [lifecycle] = forBucket(T.bucketLifecycle, logsBucket())
      expect(lifecycle!.inputs.rules[0]).toMatchObject({ status: 'Enabled', expiration: { days: 90 } })
    })

    it('expires Athena query results after 7 days', () => {
      const [lifecycle] = forBucket(T.bucketLifecycle, resultsBucket())
      expect(lifecycle!.inputs.rules).toHaveLength(1)
      expect(lifecycle!.inputs.rules[0]).toMatchObject({ status: 'Enabled', expiration: { days: 7 } })
    })

    it('leaves Object Lock off by default and keeps the logs bucket from being force-destroyed', () => {
      expect(stack.ofType(T.bucketObjectLock)).toEqual([])
      expect(logsBucket().inputs.forceDestroy).toBe(false)
    })
  })

  describe('Glue and Athena (the v1 record table)', () => {
    const glueTable = v1Table

    it('has one column per audit record field, with its Glue type and doc', () => {
      const expected = Object.entries(AUDIT_RECORD_FIELDS).map(([name, f]) => ({
        name,
        type: glueType(f.type),
        comment: f.doc,
      }))
      expect(glueTable().inputs.storageDescriptor.columns).toEqual(expected)
    })

    it('types scalar, map, struct and array fields as Hive types', () => {
      const types = Object.fromEntries(
        (glueTable().inputs.storageDescriptor.columns as Json[]).map((c) => [c.name, c.type]),
      )
      expect(types).toMatchObject({
        status: 'int',
        input_tokens: 'bigint',
        cost_usd: 'double',
        stream: 'boolean',
        request_headers: 'map<string,string>',
        truncated: 'struct<request_body:boolean,response_body:boolean>',
        secret_findings: 'array<struct<rule_id:string,location:string,offset:int,fingerprint:string>>',
      })
    })

    it('reads gzip JSON objects under logs/ with the OpenX JSON SerDe', () => {
      const sd = glueTable().inputs.storageDescriptor
      expect(sd.location).toBe(`s3://${logsBucket().id}/logs/`)
      expect(sd.serDeInfo.serializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe')
      expect(sd.inputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat')
      expect(glueTable().inputs.tableType).toBe('EXTERNAL_TABLE')
    })

    it('partitions by year, month and day through projection, with zero-padded values', () => {
      expect((glueTable().inputs.partitionKeys as Json[]).map((k) => [k.name, k.type])).toEqual([
        ['year', 'string'],
        ['month', 'string'],
        ['day', 'string'],
      ])
      expect(glueTable().inputs.parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.year.type': 'integer',
        'projection.month.type': 'integer',
        'projection.month.range': '1,12',
        'projection.month.digits': '2',
        'projection.day.type': 'integer',
        'projection.day.range': '1,31',
        'projection.day.digits': '2',
      })
    })

    it('maps projected partitions onto the very prefixes the proxy writes records under', () => {
      const params = glueTable().inputs.parameters
      const [first, last] = (params['projection.year.range'] as string).split(',').map(Number)
      const day = new Date(Date.UTC(2026, 0, 5, 23, 59))
      expect(first).toBeLessThanOrEqual(2026)
      expect(last).toBeGreaterThanOrEqual(2026)
      const pad = (key: string, n: number) => String(n).padStart(Number(params[`projection.${key}.digits`] ?? 1), '0')
      const location = (params['storage.location.template'] as string)
        .replace('${year}', pad('year', 2026))
        .replace('${month}', pad('month', 1))
        .replace('${day}', pad('day', 5))
      expect(location).toBe(`s3://${logsBucket().id}/${auditDayPrefix(day)}`)
    })

    it('forces query results into the results bucket through the workgroup', () => {
      const workgroup = stack.one(T.workgroup)
      expect(workgroup.inputs.configuration).toMatchObject({
        enforceWorkgroupConfiguration: true,
        resultConfiguration: { outputLocation: `s3://${resultsBucket().id}/results/` },
      })
    })
  })

  describe('audit v2 metadata pipeline and reader policies', () => {
    const firehose = () => stack.one(T.firehose)
    const policyDoc = (suffix: string) => JSON.parse(stack.ofType(T.policy).find((p) => p.name.endsWith(suffix))!.inputs.policy).Statement as Json[]
    const s3Reads = (statements: Json[]) => statements.filter((st) => asList(st.Action).includes('s3:GetObject')).flatMap((st) => asList(st.Resource))

    it('has one Parquet column per metadata field: the record definition, bodies and headers excluded', () => {
      expect(metadataTable().inputs.storageDescriptor.columns).toEqual(
        Object.entries(AUDIT_METADATA_FIELDS).map(([name, f]) => ({ name, type: glueType(f.type), comment: f.doc })),
      )
      const names = (metadataTable().inputs.storageDescriptor.columns as Json[]).map((c) => c.name)
      for (const hidden of ['request_body', 'response_body', 'request_headers', 'response_headers']) expect(names).not.toContain(hidden)
      expect(metadataTable().inputs.storageDescriptor.serDeInfo.serializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe')
      expect(metadataTable().inputs.parameters['storage.location.template']).toBe(`s3://${metadataBucket().id}/metadata/year=\${year}/month=\${month}/day=\${day}/`)
    })

    it('converts records to Parquet in Firehose with the schema of that table, partitioned by day', () => {
      const s3 = firehose().inputs.extendedS3Configuration
      expect(s3.prefix).toBe('metadata/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/')
      expect(s3.dataFormatConversionConfiguration).toMatchObject({
        enabled: true,
        inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
        outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
        schemaConfiguration: { tableName: 'audit_metadata' },
      })
      expect(s3.bufferingSize).toBeGreaterThanOrEqual(64)
      expect(fn().inputs.environment.variables[ENV.metadataStream]).toBe(firehose().id)
    })

    it('keeps metadata longer than bodies, in its own bucket', () => {
      const days = (b: RecordedResource) => forBucket(T.bucketLifecycle, b)[0]!.inputs.rules[0].expiration.days
      expect(days(metadataBucket())).toBe(730)
      expect(days(metadataBucket())).toBeGreaterThan(days(logsBucket()))
    })

    it('lets usage analysts read metadata and never a body, a header or a v1 record', () => {
      const reads = s3Reads(policyDoc('-usage-analyst'))
      expect(reads.some((r: string) => r.includes('/bodies/') || r.includes('/logs/'))).toBe(false)
      expect(reads).toContain(`${metadataBucket().state.arn}/metadata/*`)
      const listAudit = policyDoc('-usage-analyst').find((st) => st.Sid === 'ListMetadataInAuditBucket')
      expect(listAudit.Condition).toEqual({ StringLike: { 's3:prefix': ['metadata/*'] } })
    })

    it('lets auditors read bodies and v1 records too', () => {
      const reads = s3Reads(policyDoc('-auditor'))
      expect(reads).toEqual(expect.arrayContaining([`${logsBucket().state.arn}/bodies/*`, `${logsBucket().state.arn}/logs/*`, `${metadataBucket().state.arn}/metadata/*`]))
    })
  })

  describe('secret', () => {
    it('is created without a value, which is set out of band', () => {
      expect(stack.ofType(T.secret)).toHaveLength(1)
      expect(stack.resources.filter((r) => r.type === 'aws:secretsmanager/secretVersion:SecretVersion')).toEqual([])
    })
  })

  describe('alarms and dashboard', () => {
    const alarm = (namespace: string, metricName: string) => {
      const found = stack.ofType(T.alarm).filter((a) => a.inputs.namespace === namespace && a.inputs.metricName === metricName)
      expect(found, `${namespace} ${metricName}`).toHaveLength(1)
      return found[0]!.inputs
    }

    it('alarms on any throttle', () => {
      expect(alarm('AWS/Lambda', 'Throttles')).toMatchObject({
        statistic: 'Sum',
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      })
    })

    it('alarms on any function error', () => {
      expect(alarm('AWS/Lambda', 'Errors')).toMatchObject({ comparisonOperator: 'GreaterThanThreshold', threshold: 0 })
    })

    it('alarms when concurrency reaches 80% of the reserved 25', () => {
      expect(alarm('AWS/Lambda', 'ConcurrentExecutions')).toMatchObject({
        statistic: 'Maximum',
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 20,
      })
    })

    it('alarms on any audit-write failure in the CodexProxy namespace', () => {
      expect(alarm(METRICS_NAMESPACE, METRIC.auditWriteFailures)).toMatchObject({
        namespace: 'CodexProxy',
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      })
    })

    it('alarms on any budget alert the proxy could not publish', () => {
      expect(alarm(METRICS_NAMESPACE, METRIC.budgetAlertFailures)).toMatchObject({ comparisonOperator: 'GreaterThanThreshold', threshold: 0, statistic: 'Sum' })
    })

    it('alarms when p99 duration reaches 90% of the 120 s timeout', () => {
      expect(alarm('AWS/Lambda', 'Duration')).toMatchObject({
        extendedStatistic: 'p99',
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 108_000,
      })
    })

    it('selects the function by name in every alarm and notifies the alarm topic', () => {
      const topic = stack.one(T.topic).state.arn
      expect(stack.ofType(T.alarm)).toHaveLength(6)
      for (const { inputs } of stack.ofType(T.alarm)) {
        expect(inputs.dimensions).toEqual({ FunctionName: fn().id })
        expect(inputs.alarmActions).toEqual([topic])
        expect(inputs.okActions).toEqual([topic])
      }
    })

    it('subscribes no e-mail when none is configured', () => {
      expect(stack.ofType(T.subscription)).toEqual([])
    })

    it('graphs the alarmed metrics and provisioned-concurrency spillover on the dashboard', () => {
      const body = JSON.parse(stack.one(T.dashboard).inputs.dashboardBody)
      const metrics = (body.widgets as Json[]).flatMap((w) => w.properties.metrics as Json[])
      const names = metrics.map((m) => `${m[0]} ${m[1]}`)
      for (const expected of [
        'AWS/Lambda Throttles',
        'AWS/Lambda Errors',
        'AWS/Lambda ConcurrentExecutions',
        'AWS/Lambda Duration',
        'AWS/Lambda ProvisionedConcurrencySpilloverInvocations',
        'CodexProxy AuditWriteFailures',
      ]) {
        expect(names).toContain(expected)
      }
      const spillover = metrics.find((m) => m[1] === 'ProvisionedConcurrencySpilloverInvocations')
      expect(spillover).toContain(`${fn().id}:live`)
    })
  })

  describe('stack outputs', () => {
    it('exports exactly the names the ops CLI reads', () => {
      expect(Object.keys(stack.outputs).sort()).toEqual(Object.values(STACK_OUTPUT).sort())
    })

    it('points each output at the resource it names', () => {
      expect(stack.outputs).toEqual({
        [STACK_OUTPUT.functionUrl]: FUNCTION_URL,
        [STACK_OUTPUT.functionName]: 'codex-proxy-prod',
        [STACK_OUTPUT.aliasName]: 'live',
        [STACK_OUTPUT.region]: 'us-east-1',
        [STACK_OUTPUT.tokensTable]: tokensTable().id,
        [STACK_OUTPUT.usageTable]: usageTable().id,
        [STACK_OUTPUT.logsBucket]: logsBucket().id,
        [STACK_OUTPUT.athenaWorkgroup]: stack.one(T.workgroup).id,
        [STACK_OUTPUT.athenaResultsBucket]: resultsBucket().id,
        [STACK_OUTPUT.glueDatabase]: stack.one(T.glueDatabase).id,
        [STACK_OUTPUT.glueTable]: 'audit_metadata',
        [STACK_OUTPUT.glueV1Table]: 'audit_records',
        [STACK_OUTPUT.metadataStream]: stack.one(T.firehose).id,
        [STACK_OUTPUT.metadataBucket]: metadataBucket().id,
        [STACK_OUTPUT.usageAnalystPolicy]: stack.ofType(T.policy).find((p) => p.name.endsWith('-usage-analyst'))!.state.arn,
        [STACK_OUTPUT.auditorPolicy]: stack.ofType(T.policy).find((p) => p.name.endsWith('-auditor'))!.state.arn,
        [STACK_OUTPUT.secretArn]: stack.one(T.secret).state.arn,
        [STACK_OUTPUT.upstreamSecretArns]: '{}',
        [STACK_OUTPUT.logGroup]: stack.one(T.logGroup).id,
        [STACK_OUTPUT.alarmTopicArn]: stack.one(T.topic).state.arn,
        [STACK_OUTPUT.dashboardName]: stack.one(T.dashboard).id,
      })
    })

    it('names the Glue database so that Athena SQL needs no quoting', () => {
      expect(stack.outputs[STACK_OUTPUT.glueDatabase]).toMatch(/^[a-z0-9_]+$/)
    })
  })
})
