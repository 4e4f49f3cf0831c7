// CloudWatch metric names and namespace: emitted by the proxy (Embedded Metric Format
// in Lambda), alarmed on and graphed by the Pulumi program, read by `report` commands.

export const METRICS_NAMESPACE = 'CodexProxy'

export const METRIC = {
  requests: 'Requests',
  proxyErrors: 'ProxyErrors',
  upstreamStatus: 'UpstreamResponses',
  latency: 'Latency',
  timeToFirstByte: 'TimeToFirstByte',
  inputTokens: 'InputTokens',
  cachedInputTokens: 'CachedInputTokens',
  /** Input tokens written to the prompt cache (Claude upstreams; billed apart). */
  cacheWriteInputTokens: 'CacheWriteInputTokens',
  outputTokens: 'OutputTokens',
  reasoningTokens: 'ReasoningTokens',
  costUsd: 'CostUSD',
  usageMissing: 'UsageMissing',
  auditWriteFailures: 'AuditWriteFailures',
  unpricedRequests: 'UnpricedRequests',
  budgetWarnings: 'BudgetWarnings',
  /** Budget alerts sent (warn threshold, cap), dimensions Level and Kind. */
  budgetAlerts: 'BudgetAlerts',
  /** Budget alerts that could not be sent (SNS or webhook failed); alarmed on. */
  budgetAlertFailures: 'BudgetAlertFailures',
  spendRecordFailures: 'SpendRecordFailures',
  clientAborts: 'ClientAborts',
  secretFindings: 'SecretFindings',
  secretScanTime: 'SecretScanTime',
  // Upstream pool: emitted per attempt with the dimension `Upstream` (the upstream id).
  upstreamRequests: 'UpstreamRequests',
  /** One per move to the next upstream; `Upstream` names the one left behind. */
  upstreamFailovers: 'UpstreamFailovers',
  upstreamRateLimited: 'UpstreamRateLimited',
  /** Attempt start to response headers. */
  upstreamLatency: 'UpstreamLatency',
  /** Local host only: unexpected exits of the embedded store process (each is restarted). */
  localStoreRestarts: 'LocalStoreRestarts',
  /** Local host only: failed write-behind writes of usage counters to the embedded table (retried; local/write-behind-counter-store.ts). */
  localCounterFlushFailures: 'LocalCounterFlushFailures',
} as const

export type MetricName = (typeof METRIC)[keyof typeof METRIC]

/**
 * The dimension every proxy metric is emitted with: the dimension set `[FunctionName]`
 * (more specific sets such as `[FunctionName, Code]` may be emitted alongside). Its value
 * is the Lambda function name (AWS_LAMBDA_FUNCTION_NAME), as in the AWS/Lambda metrics,
 * so that two stacks in one account never mix. A CloudWatch alarm must name a metric's
 * exact dimensions, so the Pulumi program's alarms and dashboard select this set.
 */
export const METRIC_FUNCTION_DIMENSION = 'FunctionName'

/** The dimension of the per-upstream metrics (METRIC.upstream*): the upstream's id. */
export const METRIC_UPSTREAM_DIMENSION = 'Upstream'
