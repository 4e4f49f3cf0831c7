// Which deployment a command talks to, resolved in one place:
//   1. flags (--table, --bucket, …)   2. environment (CODEX_PROXY_*)
//   3. a stack-outputs file (`pulumi stack output --json`)   4. the local stack (--local)
import { readFile } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { ENV } from '../../../lambda/src/contracts/config.js'
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

export interface TargetFlagValues {
  local?: boolean | undefined
  'data-dir'?: string | undefined
  region?: string | undefined
  table?: string | undefined
  'usage-table'?: string | undefined
  bucket?: string | undefined
  'stack-outputs'?: string | undefined
  url?: string | undefined
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

  if (tokensTable || bucket || usageTable || outputsFile) {
    return {
      kind: 'aws',
      source: outputsFile ? `stack outputs ${outputsFile}` : 'flags/environment',
      aws: { region },
      tokensTable,
      usageTable,
      bucket,
      proxyUrl,
      outputs,
    }
  }
  // Nothing configured for AWS: fall back to a local stack if one is running.
  const running = await readStackFile(dataDir)
  if (running && isProcessAlive(running.pid)) return localTarget(running)
  throw new UserError(
    'no target: use --local for the local stack (`npm start`), or name the AWS resources with ' +
      `--table/--bucket, ${ENV.tokensTable}/${ENV.bucket}, or --stack-outputs FILE (from \`pulumi stack output --json\`)`,
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
