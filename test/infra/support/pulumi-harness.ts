// Runs the Pulumi program under Pulumi's runtime mocks and records every resource it
// registers, with the inputs it resolved. The mocks answer like AWS would for the
// attributes the program reads back (names, ARNs, the function URL), so that tests can
// check that resources reference each other correctly.
//
// Pulumi keeps its runtime state in module globals: build one stack per test file
// (vitest runs each file in its own process); the program's modules are reset so
// that a second build would evaluate them again with the new config.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as pulumi from '@pulumi/pulumi'
import { vi } from 'vitest'
import { parse } from 'yaml'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const FIXTURE_LAMBDA_DIR = 'test/infra/fixtures/lambda'
export const ACCOUNT = '123456789012'
export const FUNCTION_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/'

// Resource type tokens, as the AWS provider registers them.
export const T = {
  table: 'aws:dynamodb/table:Table',
  bucket: 'aws:s3/bucket:Bucket',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  bucketEncryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketVersioning: 'aws:s3/bucketVersioning:BucketVersioning',
  bucketLifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  bucketObjectLock: 'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  function: 'aws:lambda/function:Function',
  alias: 'aws:lambda/alias:Alias',
  provisioned: 'aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig',
  functionUrl: 'aws:lambda/functionUrl:FunctionUrl',
  permission: 'aws:lambda/permission:Permission',
  secret: 'aws:secretsmanager/secret:Secret',
  glueDatabase: 'aws:glue/catalogDatabase:CatalogDatabase',
  glueTable: 'aws:glue/catalogTable:CatalogTable',
  workgroup: 'aws:athena/workgroup:Workgroup',
  topic: 'aws:sns/topic:Topic',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  dashboard: 'aws:cloudwatch/dashboard:Dashboard',
  firehose: 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
  policy: 'aws:iam/policy:Policy',
} as const

// Resolved inputs are untyped JSON: tests index into them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

export interface RecordedResource {
  type: string
  name: string
  id: string
  inputs: Json
  /** The inputs as Pulumi handed them over, secrets still wrapped. */
  rawInputs: Json
  /** What the mock answered: the inputs plus the attributes AWS would compute. */
  state: Json
}

export interface BuiltStack {
  resources: RecordedResource[]
  outputs: Record<string, unknown>
  ofType(type: string): RecordedResource[]
  /** The single resource of this type (fails when there are none or several). */
  one(type: string): RecordedResource
  /** The resource of this type whose id (physical name) or ARN the value refers to. */
  referencedBy(type: string, value: string): RecordedResource | undefined
}

/** The `config:` map of Pulumi.prod.yaml, values as the Pulumi CLI hands them over (strings). */
export function prodStackConfig(): Record<string, string> {
  const doc = parse(readFileSync(`${REPO_ROOT}Pulumi.prod.yaml`, 'utf8')) as { config: Record<string, unknown> }
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, String(v)]))
}

// Pulumi hands secret inputs to mocks wrapped in its secret sentinel; tests read the values
// (that they are secrets is checked where it matters, on the raw inputs).
const SECRET_SIG = '4dabf18193072939515e22adb298388d'
export function unwrapSecrets(value: Json): Json {
  if (Array.isArray(value)) return value.map(unwrapSecrets)
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    if (value[SECRET_SIG] === '1b47061264138c4ac30d75fd1eb44270') return unwrapSecrets(value.value)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]))
  }
  return value
}

function physicalName(args: pulumi.runtime.MockResourceArgs): string {
  const inputs = args.inputs as Json
  const explicit = args.type === T.bucket ? inputs.bucket : args.type === T.dashboard ? inputs.dashboardName : inputs.name
  // Pulumi autonaming appends a random suffix to the logical name.
  return typeof explicit === 'string' ? explicit : `${args.name}-a1b2c3d`
}

function computedState(args: pulumi.runtime.MockResourceArgs, name: string): Json {
  const region = 'us-east-1'
  switch (args.type) {
    case T.table:
      return { name, arn: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${name}` }
    case T.bucket:
      return { bucket: name, arn: `arn:aws:s3:::${name}` }
    case T.secret:
      return { name, arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-AbCdEf` }
    case T.logGroup:
      return { name, arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${name}` }
    case T.role:
      return { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` }
    case T.function:
      return { name, arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`, version: '7' }
    case T.alias:
      return { name, arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${(args.inputs as Json).functionName}:${name}` }
    case T.functionUrl:
      return { functionUrl: FUNCTION_URL }
    case T.topic:
      return { name, arn: `arn:aws:sns:${region}:${ACCOUNT}:${name}` }
    case T.glueDatabase:
      return { name, arn: `arn:aws:glue:${region}:${ACCOUNT}:database/${name}` }
    case T.glueTable:
      return { name, arn: `arn:aws:glue:${region}:${ACCOUNT}:table/${(args.inputs as Json).databaseName}/${name}` }
    case T.workgroup:
      return { name, arn: `arn:aws:athena:${region}:${ACCOUNT}:workgroup/${name}` }
    case T.firehose:
      return { name, arn: `arn:aws:firehose:${region}:${ACCOUNT}:deliverystream/${name}` }
    case T.policy:
      return { name, arn: `arn:aws:iam::${ACCOUNT}:policy/${name}` }
    default:
      return {}
  }
}

/** Sets config and mocks, imports the program and waits until every resource is registered. */
export async function buildStack(config: Record<string, string>): Promise<BuiltStack> {
  const resources: RecordedResource[] = []
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = physicalName(args)
        const inputs = unwrapSecrets(args.inputs)
        const state = { ...inputs, ...computedState(args, id) }
        resources.push({ type: args.type, name: args.name, id, inputs, rawInputs: args.inputs, state })
        return { id, state }
      },
      call(args) {
        throw new Error(`unexpected provider function call ${args.token}: the program should need none`)
      },
    },
    'codex-proxy',
    'prod',
    false,
  )
  pulumi.runtime.setAllConfig(config)
  vi.resetModules()

  const program = (await import('../../../infra/index.js')) as { default: Record<string, pulumi.Input<string>> }
  const entries = await Promise.all(
    Object.entries(program.default).map(
      ([key, value]) =>
        new Promise<[string, string]>((resolve) => pulumi.output(value).apply((v) => resolve([key, v]))),
    ),
  )
  // Waits for the registrations that no output depends on (alarms, permissions, …).
  await pulumi.runtime.disconnect()

  const ofType = (type: string) => resources.filter((r) => r.type === type)
  return {
    resources,
    outputs: Object.fromEntries(entries),
    ofType,
    one(type) {
      const found = ofType(type)
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`)
      return found[0]!
    },
    referencedBy(type, value) {
      return ofType(type).find((r) => r.id === value || r.state.arn === value || r.state.name === value)
    },
  }
}
