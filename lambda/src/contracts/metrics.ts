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
  outputTokens: 'OutputTokens',
  reasoningTokens: 'ReasoningTokens',
  costUsd: 'CostUSD',
  usageMissing: 'UsageMissing',
  auditWriteFailures: 'AuditWriteFailures',
  clientAborts: 'ClientAborts',
} as const

export type MetricName = (typeof METRIC)[keyof typeof METRIC]
