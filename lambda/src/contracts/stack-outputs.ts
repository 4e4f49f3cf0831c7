// Names of the Pulumi stack outputs that the ops CLI reads (from
// `pulumi stack output --json > stack-outputs.json`). The Pulumi program exports
// exactly these keys; the CLI never guesses resource names.

export const STACK_OUTPUT = {
  functionUrl: 'functionUrl',
  functionName: 'functionName',
  aliasName: 'aliasName',
  region: 'region',
  tokensTable: 'tokensTableName',
  usageTable: 'usageTableName',
  logsBucket: 'logsBucketName',
  athenaWorkgroup: 'athenaWorkgroupName',
  athenaResultsBucket: 'athenaResultsBucketName',
  glueDatabase: 'glueDatabaseName',
  glueTable: 'glueTableName',
  secretArn: 'openaiKeySecretArn',
  /** JSON `{"<upstream id>": "<secret ARN>"}` of an upstream pool (`{}` without one). */
  upstreamSecretArns: 'upstreamKeySecretArns',
  logGroup: 'logGroupName',
  alarmTopicArn: 'alarmTopicArn',
  dashboardName: 'dashboardName',
} as const

export type StackOutputs = Partial<Record<(typeof STACK_OUTPUT)[keyof typeof STACK_OUTPUT], string>>
