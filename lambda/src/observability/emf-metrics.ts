// Metrics in CloudWatch Embedded Metric Format: JSON lines on stdout that CloudWatch
// Logs turns into metrics, so the hot path makes no PutMetricData call
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
// Emissions are buffered and written as one document per dimension set at flush().
import { METRICS_NAMESPACE } from '../contracts/metrics.js'
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
    for (const { dimensions, values } of this.buffer.values()) {
      const doc: Record<string, unknown> = {
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [Object.keys(dimensions)],
              Metrics: [...values].map(([Name, m]) => ({ Name, Unit: m.unit })),
            },
          ],
        },
        ...dimensions,
      }
      // EMF accepts an array of values for one metric in one document.
      for (const [name, m] of values) doc[name] = m.values.length === 1 ? m.values[0] : m.values
      this.write(JSON.stringify(doc))
    }
    this.buffer.clear()
  }
}
