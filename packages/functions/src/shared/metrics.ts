// The service's metrics: one set of definitions, two sinks. On Lambda, CloudWatch Embedded Metric
// Format: the metrics ride on the log line of the event they measure (the request, the export, the
// rollup), so CloudWatch extracts them without an agent or an API call. Locally, a registry that
// `GET /metrics` renders in Prometheus's text format. Both see the same numbers under the same names.

export interface MetricDefinition {
  /** The CloudWatch metric name. */
  name: string;
  /** The Prometheus family name (durations in seconds, as Prometheus has them). */
  prometheus: string;
  help: string;
  /** counter: summed; histogram: a distribution of durations (recorded in milliseconds); gauge: the last value. */
  kind: 'counter' | 'histogram' | 'gauge';
  unit: 'Count' | 'Milliseconds' | 'Seconds';
}

const define = <T extends Record<string, MetricDefinition>>(metrics: T) => metrics;

export const METRICS = define({
  requests: { name: 'Requests', prometheus: 'parley_http_requests_total', help: 'HTTP requests answered, by route and method.', kind: 'counter', unit: 'Count' },
  requestErrors: { name: 'Errors', prometheus: 'parley_http_errors_total', help: 'HTTP requests answered with a 5xx status, by route and method.', kind: 'counter', unit: 'Count' },
  clientErrors: { name: 'ClientErrors', prometheus: 'parley_http_client_errors_total', help: 'HTTP requests answered with a 4xx status, by route and method.', kind: 'counter', unit: 'Count' },
  latency: { name: 'Latency', prometheus: 'parley_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route and method.', kind: 'histogram', unit: 'Milliseconds' },
  exportRows: { name: 'ExportRows', prometheus: 'parley_export_rows_total', help: 'Rows written by completed exports, by kind.', kind: 'counter', unit: 'Count' },
  exportDuration: { name: 'ExportDuration', prometheus: 'parley_export_duration_seconds', help: 'Time to write a completed export, by kind.', kind: 'histogram', unit: 'Milliseconds' },
  rollupDuration: { name: 'RollupDuration', prometheus: 'parley_stats_rollup_duration_seconds', help: 'Time of a statistics rollup run.', kind: 'histogram', unit: 'Milliseconds' },
  rollupSlices: { name: 'RollupSlices', prometheus: 'parley_stats_rollup_slices_total', help: '15-minute slices folded into the statistics rollups.', kind: 'counter', unit: 'Count' },
  rollupLag: {
    name: 'RollupLag',
    prometheus: 'parley_stats_rollup_lag_seconds',
    help: 'Seconds from when the last rollup run was due to when it finished.',
    kind: 'gauge',
    unit: 'Seconds',
  },
});

/** What one event measured: its dimensions (route and method, an export's kind) and a value per metric. */
export interface Measurement {
  dimensions: Record<string, string>;
  values: Array<[MetricDefinition, number]>;
}

export interface MetricsSink {
  /** Records the measurement; returns the fields to add to the event's log line (EMF's, on Lambda). */
  record(measurement: Measurement): Record<string, unknown>;
}

export const EMF_NAMESPACE = 'Parley';

/** CloudWatch Embedded Metric Format: the log line carries the values and, in `_aws`, what they are. */
export function emfSink(now: () => number = Date.now): MetricsSink {
  return {
    record({ dimensions, values }) {
      return {
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [Object.keys(dimensions)], Metrics: values.map(([m]) => ({ Name: m.name, Unit: m.unit })) }],
        },
        ...dimensions,
        ...Object.fromEntries(values.map(([m, value]) => [m.name, value])),
      };
    },
  };
}

// Seconds: from a fast lookup to an export near the Lambda limit.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

interface Series {
  labels: Record<string, string>;
  value: number;
  /** Histograms: observations per bucket (not cumulative), the sum and the count. */
  buckets?: number[];
  count?: number;
}

export interface PrometheusRegistry extends MetricsSink {
  /** The text exposition format, version 0.0.4. */
  render(): string;
}

/** The local sink: values kept in memory, rendered by `GET /metrics`. */
export function prometheusRegistry(): PrometheusRegistry {
  const families = new Map<MetricDefinition, Map<string, Series>>();
  const seriesOf = (metric: MetricDefinition, labels: Record<string, string>) => {
    let family = families.get(metric);
    if (!family) families.set(metric, (family = new Map()));
    const key = JSON.stringify(Object.entries(labels).sort());
    let series = family.get(key);
    if (!series) family.set(key, (series = { labels, value: 0, ...(metric.kind === 'histogram' && { buckets: BUCKETS.map(() => 0), count: 0 }) }));
    return series;
  };
  return {
    record({ dimensions, values }) {
      for (const [metric, value] of values) {
        const series = seriesOf(metric, dimensions);
        if (metric.kind === 'counter') series.value += value;
        else if (metric.kind === 'gauge') series.value = value;
        else {
          const seconds = value / 1000;
          series.value += seconds;
          series.count! += 1;
          const bucket = BUCKETS.findIndex((le) => seconds <= le);
          if (bucket >= 0) series.buckets![bucket]! += 1;
        }
      }
      return {};
    },
    render() {
      const lines: string[] = [];
      for (const [metric, family] of families) {
        lines.push(`# HELP ${metric.prometheus} ${metric.help}`, `# TYPE ${metric.prometheus} ${metric.kind}`);
        for (const series of family.values()) {
          if (metric.kind !== 'histogram') {
            lines.push(`${metric.prometheus}${labelText(series.labels)} ${series.value}`);
            continue;
          }
          let cumulative = 0;
          BUCKETS.forEach((le, i) => {
            cumulative += series.buckets![i]!;
            lines.push(`${metric.prometheus}_bucket${labelText({ ...series.labels, le: String(le) })} ${cumulative}`);
          });
          lines.push(`${metric.prometheus}_bucket${labelText({ ...series.labels, le: '+Inf' })} ${series.count}`);
          lines.push(`${metric.prometheus}_sum${labelText(series.labels)} ${series.value}`);
          lines.push(`${metric.prometheus}_count${labelText(series.labels)} ${series.count}`);
        }
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

function labelText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}
