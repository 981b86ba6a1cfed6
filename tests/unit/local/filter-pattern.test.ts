// CloudWatch Logs JSON filter patterns, locally: the grammar the alarms' metric filters use, evaluated the
// way CloudWatch does, and each pattern of lib/constructs/observability.ts against the lines it must (and
// must not) count: Powertools lines of a function, and access log lines in the stage's own format.
import { describe, expect, it } from 'vitest';
import { LOG_PATTERNS } from '../../../lib/constructs/observability.js';
import { compileFilterPattern, FilterPatternError } from '../../../local/filter-pattern.js';
import { renderAccessLog, startLogMetrics } from '../../../local/log-metrics.js';

// The API stage's access log format, as lib/constructs/api.ts writes it.
const FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
});
const access = (routeKey: string, status: number, extra: Record<string, string> = {}) =>
  renderAccessLog(FORMAT, { requestId: 'r1', routeKey, status, responseLatency: 12, ...extra });

describe('filter patterns', () => {
  it('compare strings with wildcards, numbers, and combine with && || and parentheses', () => {
    const p = compileFilterPattern('{ ($.a = "x*") && (($.n >= 5) || ($.b.c != "no")) }');
    expect(p.matches('{"a":"xyz","n":7}')).toBe(true);
    expect(p.matches('{"a":"xyz","n":1,"b":{"c":"yes"}}')).toBe(true);
    expect(p.matches('{"a":"xyz","n":1,"b":{"c":"no"}}')).toBe(false);
    expect(p.matches('{"a":"yx","n":9}')).toBe(false);
    // A selector naming nothing does not match, and a line that is not JSON never does.
    expect(compileFilterPattern('{ $.missing != "x" }').matches('{"a":1}')).toBe(false);
    expect(p.matches('ERROR xyz')).toBe(false);
  });

  it('refuse what they cannot evaluate faithfully, by name', () => {
    expect(() => compileFilterPattern('ERROR')).toThrow(FilterPatternError);
    expect(() => compileFilterPattern('{ $.a < "x" }')).toThrow(/compares numbers only/);
    expect(() => compileFilterPattern('{ $.a = }')).toThrow(FilterPatternError);
    expect(() => compileFilterPattern('{ ($.a = 1 }')).toThrow(/unexpected end of pattern/);
  });
});

describe('the alarms’ patterns', () => {
  it('errorLogs counts Powertools ERROR lines (a handled 500), not warnings or info', () => {
    const p = compileFilterPattern(LOG_PATTERNS.errorLogs);
    expect(p.matches('{"level":"ERROR","message":"Unhandled error","service":"AdminApi"}')).toBe(true);
    expect(p.matches('{"level":"WARN","message":"Dependency failure"}')).toBe(false);
    expect(p.matches('{"level":"INFO","message":"ok"}')).toBe(false);
    // The Lambda runtime's own line for a failed invocation (no service): the Errors alarm's, not this one.
    expect(p.matches('{"level":"ERROR","errorType":"Notice.NotAcknowledged","requestId":"r"}')).toBe(false);
  });

  it('failedStatusChanges counts a 5xx on the status route only', () => {
    const p = compileFilterPattern(LOG_PATTERNS.failedStatusChanges);
    const route = 'POST /admin/certificates/{number}/status';
    expect(p.matches(access(route, 500))).toBe(true);
    expect(p.matches(access(route, 503))).toBe(true);
    expect(p.matches(access(route, 200))).toBe(false);
    expect(p.matches(access(route, 409))).toBe(false);
    expect(p.matches(access('GET /admin/certificates/{number}', 500))).toBe(false);
  });

  it('refusedTokens counts 401 and 403, throttledRequests 429', () => {
    const refused = compileFilterPattern(LOG_PATTERNS.refusedTokens);
    const throttled = compileFilterPattern(LOG_PATTERNS.throttledRequests);
    expect(refused.matches(access('GET /me', 401, { 'authorizer.error': 'the token has expired' }))).toBe(
      true,
    );
    expect(refused.matches(access('POST /recognitions', 403))).toBe(true);
    expect(refused.matches(access('GET /me', 200))).toBe(false);
    expect(throttled.matches(access('GET /verify/{number}', 429))).toBe(true);
    expect(throttled.matches(access('GET /verify/{number}', 200))).toBe(false);
  });

  it('access log lines stay JSON whatever a value holds', () => {
    const line = access('GET /me', 401, { 'authorizer.error': 'bad "quote" \\ here' });
    expect(JSON.parse(line)).toMatchObject({ status: '401', authorizerError: 'bad "quote" \\ here' });
  });
});

describe('log metrics and alarms', () => {
  const filter = {
    logicalId: 'F',
    logGroupName: 'fn-logs',
    pattern: LOG_PATTERNS.errorLogs,
    namespace: 'skillcert/test',
    metricName: 'ErrorLogs',
    value: '1',
    dimensions: { Function: '$.service' },
  };
  const alarm = {
    logicalId: 'A',
    namespace: 'skillcert/test',
    metricName: 'ErrorLogs',
    dimensions: { Function: 'AdminApi' },
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    periodSeconds: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    actions: ['topic'],
  };

  it('count matching lines per dimension and put an alarm in ALARM at its threshold', () => {
    const metrics = startLogMetrics([filter], [alarm]);
    metrics.record('fn-logs', '{"level":"ERROR","service":"OtherApi"}');
    metrics.record('other-group', '{"level":"ERROR","service":"AdminApi"}');
    expect(metrics.alarmsInAlarm()).toEqual([]);
    metrics.record('fn-logs', '{"level":"ERROR","service":"AdminApi"}');
    expect(metrics.sum('skillcert/test', 'ErrorLogs', { Function: 'AdminApi' })).toBe(1);
    expect(metrics.alarmsInAlarm().map((a) => a.logicalId)).toEqual(['A']);
  });

  it('need enough breaching periods: 5 of 6 hours alarms, 4 of 6 does not', () => {
    const hourly = { ...alarm, periodSeconds: 3600, evaluationPeriods: 6, datapointsToAlarm: 5 };
    const now = Date.UTC(2026, 0, 1, 12, 30);
    const metrics = startLogMetrics([filter], [hourly]);
    for (const hoursAgo of [0, 1, 2, 3]) {
      metrics.record(
        'fn-logs',
        '{"level":"ERROR","service":"AdminApi"}',
        now - hoursAgo * 3_600_000 - 60_000,
      );
    }
    expect(metrics.alarmsInAlarm(now)).toEqual([]);
    metrics.record('fn-logs', '{"level":"ERROR","service":"AdminApi"}', now - 4 * 3_600_000 - 60_000);
    expect(metrics.alarmsInAlarm(now).map((a) => a.logicalId)).toEqual(['A']);
  });
});
