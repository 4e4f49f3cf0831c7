// What on-call hears about: an SNS topic (optionally e-mailed), alarms on the signals
// that mean developers are being refused or records lost, and a dashboard of the same.
// The proxy publishes its budget alerts (warn threshold, cap) to the same topic, so the
// topic is made first (AlarmTopic) and handed to the function and to the alarms.
import * as aws from '@pulumi/aws'
import * as pulumi from '@pulumi/pulumi'
import { METRIC, METRICS_NAMESPACE, METRIC_FUNCTION_DIMENSION, METRIC_UPSTREAM_DIMENSION } from '../lambda/src/contracts/metrics.js'
import type { InfraConfig } from './config.js'

/** ConcurrentExecutions at this share of reserved concurrency means throttling is near. */
export const CONCURRENCY_ALARM_RATIO = 0.8
/** p99 duration at this share of the timeout means requests are about to be cut off. */
export const DURATION_ALARM_RATIO = 0.9
/**
 * Sustained failover: more than this many moves to a next upstream in each of
 * FAILOVER_ALARM.periods consecutive periods. One failover is the pool doing its job; a
 * quarter of an hour of them means an upstream is down or out of quota and sessions are
 * losing their prompt cache (and, across orgs, their encrypted reasoning).
 */
export const FAILOVER_ALARM = { perPeriod: 10, periodSeconds: 300, periods: 3 } as const

const LAMBDA_NAMESPACE = 'AWS/Lambda'

interface AlarmSpec {
  key: string
  description: string
  namespace: string
  metricName: string
  statistic?: 'Sum' | 'Maximum'
  extendedStatistic?: string
  periodSeconds: number
  comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold'
  threshold: number
  /** Consecutive periods that must breach (default 1). */
  evaluationPeriods?: number
}

/** The alarms, as data: one row per signal. */
export function alarmSpecs(config: InfraConfig): AlarmSpec[] {
  const concurrency = Math.ceil(config.reservedConcurrency * CONCURRENCY_ALARM_RATIO)
  const durationMs = Math.round(config.timeoutSeconds * 1000 * DURATION_ALARM_RATIO)
  return [
    {
      key: 'throttles',
      description: `Requests refused because ${config.reservedConcurrency} (reserved concurrency) were already running. Run \`codex-proxy report throttles\`.`,
      namespace: LAMBDA_NAMESPACE,
      metricName: 'Throttles',
      statistic: 'Sum',
      periodSeconds: 60,
      comparison: 'GreaterThanThreshold',
      threshold: 0,
    },
    {
      key: 'errors',
      description: 'Invocations that failed (unhandled error or timeout); proxy errors answered to clients are not counted here.',
      namespace: LAMBDA_NAMESPACE,
      metricName: 'Errors',
      statistic: 'Sum',
      periodSeconds: 300,
      comparison: 'GreaterThanThreshold',
      threshold: 0,
    },
    {
      key: 'concurrency',
      description: `Concurrent executions reached ${concurrency} of the reserved ${config.reservedConcurrency}: throttling is near.`,
      namespace: LAMBDA_NAMESPACE,
      metricName: 'ConcurrentExecutions',
      statistic: 'Maximum',
      periodSeconds: 60,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: concurrency,
    },
    {
      key: 'audit-write-failures',
      description: `Audit records that could not be written to S3 (kept as fallback lines in the function's log group).`,
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.auditWriteFailures,
      statistic: 'Sum',
      periodSeconds: 60,
      comparison: 'GreaterThanThreshold',
      threshold: 0,
    },
    {
      key: 'budget-alert-failures',
      description: 'Budget alerts (warn threshold, cap) that the proxy could not publish to this topic; it retries on a later request. Check the function role and the topic.',
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.budgetAlertFailures,
      statistic: 'Sum',
      periodSeconds: 300,
      comparison: 'GreaterThanThreshold',
      threshold: 0,
    },
    {
      key: 'duration-p99',
      description: `p99 duration is at ${Math.round(DURATION_ALARM_RATIO * 100)}% of the ${config.timeoutSeconds} s timeout: long streams are about to be cut off.`,
      namespace: LAMBDA_NAMESPACE,
      metricName: 'Duration',
      extendedStatistic: 'p99',
      periodSeconds: 300,
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: durationMs,
    },
    ...(config.upstreams
      ? [
          {
            key: 'upstream-failovers',
            description: `More than ${FAILOVER_ALARM.perPeriod} upstream failovers per ${FAILOVER_ALARM.periodSeconds / 60} min for ${(FAILOVER_ALARM.periods * FAILOVER_ALARM.periodSeconds) / 60} min: an upstream is failing or rate-limited. See the UpstreamFailovers/UpstreamRateLimited metrics by Upstream and \`codex-proxy report usage --by upstream\`.`,
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.upstreamFailovers,
            statistic: 'Sum' as const,
            periodSeconds: FAILOVER_ALARM.periodSeconds,
            comparison: 'GreaterThanThreshold' as const,
            threshold: FAILOVER_ALARM.perPeriod,
            evaluationPeriods: FAILOVER_ALARM.periods,
          },
        ]
      : []),
  ]
}

export function dashboardName(project: string, stack: string): string {
  return `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, '-')
}

/** The alarm topic (alarms and budget alerts) and its optional e-mail subscription. */
export class AlarmTopic extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic

  constructor(name: string, args: { config: InfraConfig }, opts?: pulumi.ComponentResourceOptions) {
    super('codex-proxy:infra:AlarmTopic', name, {}, opts)
    const parent = { parent: this }
    this.topic = new aws.sns.Topic(`${name}-alarms`, {}, parent)
    if (args.config.alarmEmail) {
      // AWS e-mails a confirmation link; alarms reach the address once it is clicked.
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: this.topic.arn, protocol: 'email', endpoint: args.config.alarmEmail },
        parent,
      )
    }
    this.registerOutputs({ alarmTopicArn: this.topic.arn })
  }
}

export class Alarms extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic
  readonly dashboard: aws.cloudwatch.Dashboard

  constructor(
    name: string,
    args: { config: InfraConfig; topic: aws.sns.Topic; functionName: pulumi.Output<string>; aliasName: pulumi.Output<string> },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('codex-proxy:infra:Alarms', name, {}, opts)
    const parent = { parent: this }
    const { config, functionName } = args
    this.topic = args.topic

    for (const spec of alarmSpecs(config)) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.key}`,
        {
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          // AWS/Lambda metrics and the proxy's own (see METRIC_FUNCTION_DIMENSION) share
          // this dimension; FunctionName alone aggregates every version and alias.
          dimensions: { [METRIC_FUNCTION_DIMENSION]: functionName },
          statistic: spec.statistic,
          extendedStatistic: spec.extendedStatistic,
          period: spec.periodSeconds,
          evaluationPeriods: spec.evaluationPeriods ?? 1,
          comparisonOperator: spec.comparison,
          threshold: spec.threshold,
          // No datapoint means nothing happened (no throttles, no failures were emitted).
          treatMissingData: 'notBreaching',
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
        },
        parent,
      )
    }

    this.dashboard = new aws.cloudwatch.Dashboard(
      name,
      {
        dashboardName: dashboardName(config.project, config.stack),
        dashboardBody: pulumi
          .all([functionName, args.aliasName])
          .apply(([fn, alias]) => JSON.stringify(dashboardBody(config, fn, alias))),
      },
      parent,
    )

    this.registerOutputs({ alarmTopicArn: this.topic.arn, dashboardName: this.dashboard.dashboardName })
  }
}

type MetricRow = (string | Record<string, unknown>)[]

function dashboardBody(config: InfraConfig, fn: string, alias: string) {
  const region = config.region
  const lambda = (metric: string, stat: string, extra: Record<string, string> = {}): MetricRow => [
    LAMBDA_NAMESPACE,
    metric,
    'FunctionName',
    fn,
    ...Object.entries(extra).flat(),
    { stat },
  ]
  const proxy = (metric: string, stat: string): MetricRow => [
    METRICS_NAMESPACE,
    metric,
    METRIC_FUNCTION_DIMENSION,
    fn,
    { stat },
  ]
  const perUpstream = (metric: string, id: string, stat: string): MetricRow => [
    METRICS_NAMESPACE,
    metric,
    METRIC_FUNCTION_DIMENSION,
    fn,
    METRIC_UPSTREAM_DIMENSION,
    id,
    { stat, label: `${metric} ${id}` },
  ]
  const widget = (
    title: string,
    metrics: MetricRow[],
    x: number,
    y: number,
    annotations?: { label: string; value: number }[],
  ) => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: {
      title,
      region,
      view: 'timeSeries',
      stacked: false,
      period: 60,
      metrics,
      ...(annotations ? { annotations: { horizontal: annotations } } : {}),
    },
  })
  const resource = { Resource: `${fn}:${alias}` }
  const concurrencyThreshold = Math.ceil(config.reservedConcurrency * CONCURRENCY_ALARM_RATIO)
  return {
    widgets: [
      widget(
        'Invocations, errors, throttles',
        [lambda('Invocations', 'Sum'), lambda('Errors', 'Sum'), lambda('Throttles', 'Sum')],
        0,
        0,
      ),
      widget('Concurrency', [lambda('ConcurrentExecutions', 'Maximum')], 12, 0, [
        { label: 'reserved', value: config.reservedConcurrency },
        { label: 'alarm', value: concurrencyThreshold },
      ]),
      widget('Duration (ms)', [lambda('Duration', 'p50'), lambda('Duration', 'p99')], 0, 6, [
        { label: 'timeout', value: config.timeoutSeconds * 1000 },
      ]),
      widget(
        `Provisioned concurrency (alias ${alias})`,
        [
          lambda('ProvisionedConcurrencySpilloverInvocations', 'Sum', resource),
          lambda('ProvisionedConcurrencyUtilization', 'Maximum', resource),
        ],
        12,
        6,
      ),
      widget(
        'Proxy requests and failures',
        [
          proxy(METRIC.requests, 'Sum'),
          proxy(METRIC.proxyErrors, 'Sum'),
          proxy(METRIC.auditWriteFailures, 'Sum'),
          proxy(METRIC.clientAborts, 'Sum'),
        ],
        0,
        12,
      ),
      widget(
        'Proxy latency (ms)',
        [proxy(METRIC.timeToFirstByte, 'p99'), proxy(METRIC.latency, 'p99')],
        12,
        12,
      ),
      widget(
        'Tokens',
        [proxy(METRIC.inputTokens, 'Sum'), proxy(METRIC.cachedInputTokens, 'Sum'), proxy(METRIC.outputTokens, 'Sum')],
        0,
        18,
      ),
      widget('Cost (USD)', [proxy(METRIC.costUsd, 'Sum')], 12, 18),
      ...(config.upstreams
        ? [
            widget(
              'Upstream requests and failovers (by upstream)',
              config.upstreams.upstreams.flatMap((u) => [
                perUpstream(METRIC.upstreamRequests, u.id, 'Sum'),
                perUpstream(METRIC.upstreamFailovers, u.id, 'Sum'),
                perUpstream(METRIC.upstreamRateLimited, u.id, 'Sum'),
              ]),
              0,
              24,
            ),
            widget('Upstream latency to headers, p99 (ms)', config.upstreams.upstreams.map((u) => perUpstream(METRIC.upstreamLatency, u.id, 'p99')), 12, 24),
          ]
        : []),
    ],
  }
}
