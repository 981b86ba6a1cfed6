// CloudWatch metric filters and alarms, locally: the lines functions log and the access log lines the local
// HTTP API writes go to their template log groups; each AWS::Logs::MetricFilter of the template counts the
// lines that match its pattern, and each alarm on such a metric is evaluated as CloudWatch would over its
// periods. AWS's own metrics (AWS/Lambda Errors, AWS/States…) are not produced locally: the alarms on them
// are only checked on the template (tests/infra/alarms.test.ts).
import { compileFilterPattern, type FilterPattern } from './filter-pattern.js';
import type { LocalAlarm, LocalMetricFilter } from './model.js';

interface Datapoint {
  at: number;
  value: number;
  dimensions: Record<string, string>;
}

export interface LogMetrics {
  /** One log line written to a log group (as CloudWatch Logs would receive it). */
  record(logGroupName: string, line: string, at?: number): void;
  /** Every line a log group received, oldest first. */
  lines(logGroupName: string): string[];
  /** The sum of a metric (optionally of one dimension set) since a time. */
  sum(namespace: string, metricName: string, dimensions?: Record<string, string>, since?: number): number;
  /** The alarms whose metric breaches their threshold in enough of their latest periods. */
  alarmsInAlarm(now?: number): LocalAlarm[];
}

function read(line: string, field: string): unknown {
  if (!field.startsWith('$.')) return field;
  try {
    let value: unknown = JSON.parse(line);
    for (const key of field.slice(2).split('.')) value = (value as Record<string, unknown> | null)?.[key];
    return value;
  } catch {
    return undefined;
  }
}

export function startLogMetrics(filters: LocalMetricFilter[], alarms: LocalAlarm[]): LogMetrics {
  const compiled: { filter: LocalMetricFilter; pattern: FilterPattern }[] = filters.map((filter) => ({
    filter,
    pattern: compileFilterPattern(filter.pattern),
  }));
  const metrics = new Map<string, Datapoint[]>();
  const groups = new Map<string, string[]>();
  const key = (namespace: string, name: string) => `${namespace}\u0000${name}`;

  const sum = (namespace: string, metricName: string, dimensions: Record<string, string> = {}, since = 0) =>
    (metrics.get(key(namespace, metricName)) ?? [])
      .filter((d) => d.at >= since && Object.entries(dimensions).every(([k, v]) => d.dimensions[k] === v))
      .reduce((total, d) => total + d.value, 0);

  return {
    record(logGroupName, line, at = Date.now()) {
      const lines = groups.get(logGroupName) ?? [];
      lines.push(line);
      groups.set(logGroupName, lines);
      for (const { filter, pattern } of compiled) {
        if (filter.logGroupName !== logGroupName || !pattern.matches(line)) continue;
        const dimensions: Record<string, string> = {};
        let complete = true;
        for (const [name, field] of Object.entries(filter.dimensions)) {
          const value = read(line, field);
          // CloudWatch publishes nothing for a line that lacks a dimension's field.
          if (value === undefined || value === null) complete = false;
          else dimensions[name] = String(value);
        }
        const value = Number(read(line, filter.value));
        if (!complete || Number.isNaN(value)) continue;
        const list = metrics.get(key(filter.namespace, filter.metricName)) ?? [];
        list.push({ at, value, dimensions });
        metrics.set(key(filter.namespace, filter.metricName), list);
      }
    },
    lines: (logGroupName) => [...(groups.get(logGroupName) ?? [])],
    sum,
    alarmsInAlarm(now = Date.now()) {
      return alarms.filter((alarm) => {
        if (!metrics.has(key(alarm.namespace, alarm.metricName))) return false;
        const period = alarm.periodSeconds * 1000;
        let breaching = 0;
        for (let i = 0; i < alarm.evaluationPeriods; i++) {
          const end = now - i * period;
          const value =
            sum(alarm.namespace, alarm.metricName, alarm.dimensions, end - period) -
            sum(alarm.namespace, alarm.metricName, alarm.dimensions, end + 1);
          const breaches =
            alarm.comparison === 'GreaterThanOrEqualToThreshold'
              ? value >= alarm.threshold
              : alarm.comparison === 'GreaterThanThreshold'
                ? value > alarm.threshold
                : false;
          if (breaches) breaching++;
        }
        return breaching >= alarm.datapointsToAlarm;
      });
    },
  };
}

/** The variables of an HTTP API access log format the local HTTP API knows; others are written as "-". */
export function renderAccessLog(
  format: string,
  context: Record<string, string | number | undefined>,
): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const value = context[name];
    const text = value === undefined || value === '' ? '-' : String(value);
    // The format is JSON around the variables: keep the line JSON whatever the value holds.
    return JSON.stringify(text).slice(1, -1);
  });
}
