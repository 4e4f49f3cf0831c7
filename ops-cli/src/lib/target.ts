// Which deployment a command talks to, resolved in one place:
//   1. flags (--table, --bucket, …)   2. environment (CODEX_PROXY_*)
//   3. a stack-outputs file (`pulumi stack output --json`)   4. the local stack (--local)
import { readFile } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { CLI_ENV, ENV, parseBoolean } from '../../../lambda/src/contracts/config.js'
import { STACK_OUTPUT, type StackOutputs } from '../../../lambda/src/contracts/stack-outputs.js'
import { type LocalStackInfo, defaultDataDir, findRunningStack, readStackFile, isProcessAlive } from '../../../lambda/src/local/stack-file.js'
import type { AwsTarget } from '../../../lambda/src/stores/aws-clients.js'
import { UserError } from './base-command.js'

export const targetFlags = {
  local: Flags.boolean({
    description: 'Use the running local stack (`codex-proxy serve`) in --data-dir.',
    helpGroup: 'TARGET',
  }),
  'data-dir': Flags.string({
    description: `Data directory of the local stack [env: ${ENV.dataDir}; default ~/.codex-proxy].`,
    helpGroup: 'TARGET',
  }),
  region: Flags.string({ description: `AWS region [env: ${ENV.region}, AWS_REGION].`, helpGroup: 'TARGET' }),
  table: Flags.string({ description: `Tokens table name [env: ${ENV.tokensTable}].`, helpGroup: 'TARGET' }),
  'usage-table': Flags.string({ description: `Usage-counter table name [env: ${ENV.usageTable}].`, helpGroup: 'TARGET' }),
  bucket: Flags.string({ description: `Audit-log bucket name [env: ${ENV.bucket}].`, helpGroup: 'TARGET' }),
  'stack-outputs': Flags.string({
    description: `JSON file from \`pulumi stack output --json\` [env: ${ENV.stackOutputs}].`,
    helpGroup: 'TARGET',
  }),
  url: Flags.string({ description: `Proxy base URL, for onboarding text and probes [env: ${ENV.url}].`, helpGroup: 'TARGET' }),
}


/**
 * The alias that serves traffic when nothing names it: the Pulumi program's LIVE_ALIAS
 * (infra/proxy.ts, not imported here because it pulls in @pulumi/aws; a test keeps the two equal).
 */
export const DEFAULT_ALIAS = 'live'

/** Names of the deployed function and its companions: for `validate` and `report throttles`. */
export const deploymentFlags = {
  function: Flags.string({ description: `Lambda function name [env: ${CLI_ENV.functionName}].`, helpGroup: 'TARGET' }),
  alias: Flags.string({ description: `Alias that serves the Function URL [env: ${CLI_ENV.aliasName}; default ${DEFAULT_ALIAS}].`, helpGroup: 'TARGET' }),
  'log-group': Flags.string({ description: `Function log group [env: ${CLI_ENV.logGroup}; default /aws/lambda/<function>].`, helpGroup: 'TARGET' }),
  secret: Flags.string({ description: `Secrets Manager ARN or name of the OpenAI key [env: ${ENV.secretArn}].`, helpGroup: 'TARGET' }),
}

/** Where the Athena engine of `report usage` runs its query. */
export const athenaFlags = {
  workgroup: Flags.string({ description: `Athena workgroup [env: ${CLI_ENV.athenaWorkgroup}].`, helpGroup: 'TARGET' }),
  database: Flags.string({ description: `Glue database of the audit table [env: ${CLI_ENV.glueDatabase}].`, helpGroup: 'TARGET' }),
  'glue-table': Flags.string({ description: `Glue table of the audit records [env: ${CLI_ENV.glueTable}].`, helpGroup: 'TARGET' }),
}

export interface TargetFlagValues {
  local?: boolean | undefined
  'data-dir'?: string | undefined
  region?: string | undefined
  table?: string | undefined
  'usage-table'?: string | undefined
  bucket?: string | undefined
  'stack-outputs'?: string | undefined
  url?: string | undefined
  function?: string | undefined
  alias?: string | undefined
  'log-group'?: string | undefined
  secret?: string | undefined
  workgroup?: string | undefined
  database?: string | undefined
  'glue-table'?: string | undefined
}

/** Resource names beyond the stores, each undefined when nothing names it. */
export interface DeploymentNames {
  functionName: string | undefined
  aliasName: string
  logGroup: string | undefined
  secretArn: string | undefined
  athenaWorkgroup: string | undefined
  glueDatabase: string | undefined
  glueTable: string | undefined
}

const NO_DEPLOYMENT: DeploymentNames = {
  functionName: undefined,
  aliasName: DEFAULT_ALIAS,
  logGroup: undefined,
  secretArn: undefined,
  athenaWorkgroup: undefined,
  glueDatabase: undefined,
  glueTable: undefined,
}

export interface Target {
  kind: 'local' | 'aws'
  /** Human description of where the names came from. */
  source: string
  aws: AwsTarget
  tokensTable: string | undefined
  usageTable: string | undefined
  bucket: string | undefined
  proxyUrl: string | undefined
  outputs: StackOutputs
  deployment: DeploymentNames
  local?: LocalStackInfo
}

export async function resolveTarget(flags: TargetFlagValues, env: Record<string, string | undefined> = process.env): Promise<Target> {
  const dataDir = flags['data-dir'] ?? defaultDataDir(env)
  if (flags.local) return localTarget(await findRunningStack(dataDir))

  const outputsFile = flags['stack-outputs'] ?? env[ENV.stackOutputs]
  const outputs = outputsFile ? await readStackOutputs(outputsFile) : {}
  const pick = (flag: string | undefined, envName: string, output: string | undefined) => flag ?? (env[envName] || undefined) ?? output
  const tokensTable = pick(flags.table, ENV.tokensTable, outputs[STACK_OUTPUT.tokensTable])
  const usageTable = pick(flags['usage-table'], ENV.usageTable, outputs[STACK_OUTPUT.usageTable])
  const bucket = pick(flags.bucket, ENV.bucket, outputs[STACK_OUTPUT.logsBucket])
  const proxyUrl = pick(flags.url, ENV.url, outputs[STACK_OUTPUT.functionUrl])
  const region = flags.region ?? (env[ENV.region] || undefined) ?? outputs[STACK_OUTPUT.region] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  const functionName = pick(flags.function, CLI_ENV.functionName, outputs[STACK_OUTPUT.functionName])
  const deployment: DeploymentNames = {
    functionName,
    aliasName: pick(flags.alias, CLI_ENV.aliasName, outputs[STACK_OUTPUT.aliasName]) ?? DEFAULT_ALIAS,
    // Lambda's default log group name, which the Pulumi program also uses.
    logGroup: pick(flags['log-group'], CLI_ENV.logGroup, outputs[STACK_OUTPUT.logGroup]) ?? (functionName && `/aws/lambda/${functionName}`),
    secretArn: pick(flags.secret, ENV.secretArn, outputs[STACK_OUTPUT.secretArn]),
    athenaWorkgroup: pick(flags.workgroup, CLI_ENV.athenaWorkgroup, outputs[STACK_OUTPUT.athenaWorkgroup]),
    glueDatabase: pick(flags.database, CLI_ENV.glueDatabase, outputs[STACK_OUTPUT.glueDatabase]),
    glueTable: pick(flags['glue-table'], CLI_ENV.glueTable, outputs[STACK_OUTPUT.glueTable]),
  }

  if (tokensTable || bucket || usageTable || outputsFile || functionName || deployment.athenaWorkgroup) {
    return {
      kind: 'aws',
      source: outputsFile ? `stack outputs ${outputsFile}` : 'flags/environment',
      // S3-compatible stores (MinIO, s3rver) behind AWS_ENDPOINT_URL_S3 need path-style URLs.
      aws: { region, forcePathStyle: parseBoolean(ENV.s3ForcePathStyle, env[ENV.s3ForcePathStyle], false) || undefined },
      tokensTable,
      usageTable,
      bucket,
      proxyUrl,
      outputs,
      deployment,
    }
  }
  // Nothing configured for AWS: fall back to a local stack if one is running.
  const running = await readStackFile(dataDir)
  if (running && isProcessAlive(running.pid)) return localTarget(running)
  throw new UserError(
    'no target: use --local for the local stack (`npm start`), or name the AWS resources with ' +
      `--table/--bucket/--function, ${ENV.tokensTable}/${ENV.bucket}/${CLI_ENV.functionName}, or --stack-outputs FILE ` +
      `(write it with \`pulumi stack output --json > stack-outputs.json\`; env ${ENV.stackOutputs})`,
  )
}

function localTarget(info: LocalStackInfo): Target {
  return {
    kind: 'local',
    source: `local stack (pid ${info.pid})`,
    aws: { local: { dynamodbEndpoint: info.dynamodb_endpoint, s3Endpoint: info.s3_endpoint } },
    tokensTable: info.tokens_table,
    usageTable: info.usage_table,
    bucket: info.bucket,
    proxyUrl: info.url,
    outputs: {},
    deployment: NO_DEPLOYMENT,
    local: info,
  }
}

async function readStackOutputs(file: string): Promise<StackOutputs> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new UserError(`cannot read stack outputs file ${file}: ${(err as Error).message}`)
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>
    const out: StackOutputs = {}
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') (out as Record<string, string>)[k] = v
    return out
  } catch {
    throw new UserError(`stack outputs file ${file} is not JSON; write it with \`pulumi stack output --json > ${file}\``)
  }
}

export function required(value: string | undefined, what: string, flag: string, envName: string): string {
  if (!value) throw new UserError(`no ${what}: pass --${flag}, set ${envName}, use --stack-outputs, or --local`)
  return value
}

/** Where each deployment name can come from, for errors that say what to set. */
const DEPLOYMENT_SOURCES: Record<Exclude<keyof DeploymentNames, 'aliasName'>, { what: string; flag: string; env: string; output: string }> = {
  functionName: { what: 'Lambda function name', flag: 'function', env: CLI_ENV.functionName, output: STACK_OUTPUT.functionName },
  logGroup: { what: 'log group', flag: 'log-group', env: CLI_ENV.logGroup, output: STACK_OUTPUT.logGroup },
  secretArn: { what: 'OpenAI key secret', flag: 'secret', env: ENV.secretArn, output: STACK_OUTPUT.secretArn },
  athenaWorkgroup: { what: 'Athena workgroup', flag: 'workgroup', env: CLI_ENV.athenaWorkgroup, output: STACK_OUTPUT.athenaWorkgroup },
  glueDatabase: { what: 'Glue database', flag: 'database', env: CLI_ENV.glueDatabase, output: STACK_OUTPUT.glueDatabase },
  glueTable: { what: 'Glue table', flag: 'glue-table', env: CLI_ENV.glueTable, output: STACK_OUTPUT.glueTable },
}

/** How to name a missing deployment resource, in one sentence. */
export function missingNameHint(name: keyof typeof DEPLOYMENT_SOURCES): string {
  const s = DEPLOYMENT_SOURCES[name]
  return `no ${s.what}: pass --${s.flag}, set ${s.env}, or use --stack-outputs FILE with "${s.output}" (pulumi stack output --json > FILE)`
}

export function requiredName(target: Target, name: keyof typeof DEPLOYMENT_SOURCES): string {
  const value = target.deployment[name]
  if (!value) throw new UserError(missingNameHint(name))
  return value
}
