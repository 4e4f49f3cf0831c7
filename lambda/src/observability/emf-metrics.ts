// Metrics in CloudWatch Embedded Metric Format: JSON lines on stdout that CloudWatch
// Logs turns into metrics, so the hot path makes no PutMetricData call
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// Emissions are buffered and written as one document per dimension set at flush().
// Every metric carries the base dimensions (FunctionName, per the metrics contract) as a
// set of its own — what the alarms select — plus, when the core adds dimensions (Code,
// Origin, StatusClass), the more specific set alongside.
import { METRIC_FUNCTION_DIMENSION, METRICS_NAMESPACE } from '../contracts/metrics.js'
import type { MetricUnit, Metrics } from '../core/ports.js'

interface Pending {
  dimensions: Record<string, string>
  values: Map<string, { unit: MetricUnit; values: number[] }>
}

export class EmfMetrics implements Metrics {
  private buffer = new Map<string, Pending>()

  constructor(
    private readonly write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
    private readonly now: () => number = Date.now,
    private readonly base: Record<string, string> = functionDimension(),
  ) {}

  emit(name: string, value: number, unit: MetricUnit, dimensions: Record<string, string> = {}): void {
    const key = JSON.stringify(Object.entries(dimensions).sort())
    let pending = this.buffer.get(key)
    if (!pending) {
      pending = { dimensions, values: new Map() }
      this.buffer.set(key, pending)
    }
    const metric = pending.values.get(name)
    if (metric) metric.values.push(value)
    else pending.values.set(name, { unit, values: [value] })
  }

  flush(): void {
    const timestamp = this.now()
    const baseKeys = Object.keys(this.base)
    for (const { dimensions, values } of this.buffer.values()) {
      const extraKeys = Object.keys(dimensions).filter((k) => !(k in this.base))
      const sets = extraKeys.length > 0 ? [baseKeys, [...baseKeys, ...extraKeys]] : [baseKeys]
      const doc: Record<string, unknown> = {
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: sets,
              Metrics: [...values].map(([Name, m]) => ({ Name, Unit: m.unit })),
            },
          ],
        },
        ...this.base,
        ...dimensions,
      }
      // EMF accepts an array of values for one metric in one document.
      for (const [name, m] of values) doc[name] = m.values.length === 1 ? m.values[0] : m.values
      this.write(JSON.stringify(doc))
    }
    this.buffer.clear()
  }
}

/** `{FunctionName: <this function>}` inside Lambda; no base dimension elsewhere. */
function functionDimension(): Record<string, string> {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME
  return name ? { [METRIC_FUNCTION_DIMENSION]: name } : {}
}
