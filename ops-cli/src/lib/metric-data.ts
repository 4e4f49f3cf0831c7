// CloudWatch GetMetricData for the ops commands: one call (paginated) for several
// metrics, answered as one series per query id with missing periods left out.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch'

export interface MetricQuery {
  id: string
  namespace: string
  metric: string
  dimensions: Record<string, string>
  /** Sum, Maximum, Average, or a percentile such as p99. */
  stat: string
}

export interface Point {
  at: Date
  value: number
}

export async function getMetricSeries(
  cw: CloudWatchClient,
  queries: MetricQuery[],
  range: { from: Date; to: Date; periodSeconds: number },
): Promise<Map<string, Point[]>> {
  const series = new Map<string, Point[]>(queries.map((q) => [q.id, []]))
  const MetricDataQueries: MetricDataQuery[] = queries.map((q) => ({
    Id: q.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metric,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: range.periodSeconds,
      Stat: q.stat,
    },
  }))
  let NextToken: string | undefined
  do {
    const page = await cw.send(
      new GetMetricDataCommand({ MetricDataQueries, StartTime: range.from, EndTime: range.to, ScanBy: 'TimestampAscending', NextToken }),
    )
    for (const result of page.MetricDataResults ?? []) {
      const points = series.get(result.Id ?? '')
      if (!points) continue
      const timestamps = result.Timestamps ?? []
      timestamps.forEach((at, i) => {
        const value = result.Values?.[i]
        if (value !== undefined) points.push({ at: new Date(at), value })
      })
    }
    NextToken = page.NextToken
  } while (NextToken)
  for (const points of series.values()) points.sort((a, b) => a.at.getTime() - b.at.getTime())
  return series
}

export const sumOf = (points: Point[] | undefined) => (points ?? []).reduce((total, p) => total + p.value, 0)
