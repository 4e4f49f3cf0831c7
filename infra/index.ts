// The codex-proxy stack: configuration read once, four components, and the outputs the
// ops CLI reads (`pulumi stack output --json > stack-outputs.json`).
import type * as pulumi from '@pulumi/pulumi'
import { STACK_OUTPUT } from '../lambda/src/contracts/stack-outputs.js'
import { AlarmTopic, Alarms } from './alarms.js'
import { Analytics } from './analytics.js'
import { loadConfig } from './config.js'
import { MetadataPipeline } from './metadata-pipeline.js'
import { ProxyFunction } from './proxy.js'
import { ReaderPolicies } from './reader-policies.js'
import { Storage } from './storage.js'

const config = loadConfig()
const name = config.project

const storage = new Storage(name, { config })
const { tokensTable, usageTable, logsBucket } = storage
// Made before the function, which publishes budget alerts to it.
const { topic } = new AlarmTopic(name, { config })
const analytics = new Analytics(name, { config, logsBucket })
const metadata = new MetadataPipeline(name, { config, database: analytics.database })
const proxy = new ProxyFunction(name, { config, tokensTable, usageTable, logsBucket, alertTopic: topic, metadataStream: metadata.stream })
const readers = new ReaderPolicies(name, {
  arns: {
    logsBucket: logsBucket.arn,
    metadataBucket: metadata.bucket.arn,
    resultsBucket: analytics.resultsBucket.arn,
    workgroup: analytics.workgroup.arn,
    database: analytics.database.arn,
    metadataTable: metadata.table.arn,
    v1Table: analytics.table.arn,
  },
})
const alarms = new Alarms(name, { config, topic, functionName: proxy.function.name, aliasName: proxy.alias.name })

type StackOutputName = (typeof STACK_OUTPUT)[keyof typeof STACK_OUTPUT]

// A default export: the keys are computed from the contract, which named exports cannot be.
export default {
  [STACK_OUTPUT.functionUrl]: proxy.url.functionUrl,
  [STACK_OUTPUT.functionName]: proxy.function.name,
  [STACK_OUTPUT.aliasName]: proxy.alias.name,
  [STACK_OUTPUT.region]: config.region,
  [STACK_OUTPUT.tokensTable]: tokensTable.name,
  [STACK_OUTPUT.usageTable]: usageTable.name,
  [STACK_OUTPUT.logsBucket]: logsBucket.bucket,
  [STACK_OUTPUT.athenaWorkgroup]: analytics.workgroup.name,
  [STACK_OUTPUT.athenaResultsBucket]: analytics.resultsBucket.bucket,
  [STACK_OUTPUT.glueDatabase]: analytics.database.name,
  [STACK_OUTPUT.glueTable]: metadata.table.name,
  [STACK_OUTPUT.glueV1Table]: analytics.table.name,
  [STACK_OUTPUT.metadataStream]: metadata.stream.name,
  [STACK_OUTPUT.metadataBucket]: metadata.bucket.bucket,
  [STACK_OUTPUT.usageAnalystPolicy]: readers.usageAnalyst.arn,
  [STACK_OUTPUT.auditorPolicy]: readers.auditor.arn,
  [STACK_OUTPUT.secretArn]: proxy.secret.arn,
  [STACK_OUTPUT.upstreamSecretArns]: proxy.upstreamSecretArns(),
  [STACK_OUTPUT.logGroup]: proxy.logGroup.name,
  [STACK_OUTPUT.alarmTopicArn]: alarms.topic.arn,
  [STACK_OUTPUT.dashboardName]: alarms.dashboard.dashboardName,
} satisfies Record<StackOutputName, pulumi.Input<string>>
