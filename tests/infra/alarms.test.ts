// Alarms that fire and notify, proved on the template: for each signal, the metric it watches, the
// threshold and period, and the action (the alarm topic, which CloudWatch may publish to). Where the local
// cloud can produce the signal, tests/integration/alarm-signals.test.ts produces it.
import { describe, expect, it } from 'vitest';
import { ALARM_THRESHOLDS, LOG_PATTERNS } from '../../lib/constructs/observability.js';
import { type CfnResource, type CfnTemplate, resourcesOfType, synthTemplate } from './support/templates.js';

const templates: [string, CfnTemplate][] = [
  ['local demo', synthTemplate({ region: 'neijiang' })],
  ['neijiang-prod (aws-cn)', synthTemplate({ deployment: 'neijiang-prod' })],
];

function props(r: CfnResource | undefined): Record<string, unknown> {
  if (!r?.Properties) throw new Error('no such resource');
  return r.Properties;
}

function topicOf(template: CfnTemplate): string {
  const [topic] = resourcesOfType(template, 'AWS::SNS::Topic')[0] ?? [];
  return topic as string;
}

function alarmsOn(template: CfnTemplate, namespace: string, metric: string) {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm')
    .map(([id, r]) => ({ id, p: props(r) }))
    .filter(({ p }) => p.Namespace === namespace && p.MetricName === metric);
}

/** The metric filter that feeds a log-derived metric: its log group and pattern. */
function filterFor(template: CfnTemplate, metric: string) {
  return resourcesOfType(template, 'AWS::Logs::MetricFilter')
    .map(([, r]) => props(r))
    .filter((p) => (p.MetricTransformations as { MetricName: string }[])[0]?.MetricName === metric);
}

const fiveMinutesAtLeast = (threshold: number) => ({
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: threshold,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
});

describe.each(templates)('%s', (_label, template) => {
  const topic = topicOf(template);
  const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
  const deliver = functions.find((id) => id.startsWith('PartnersDeliverNoticeFunction')) as string;
  const namespace = String(
    (
      props(resourcesOfType(template, 'AWS::Logs::MetricFilter')[0]?.[1]).MetricTransformations as {
        MetricNamespace: string;
      }[]
    )[0]?.MetricNamespace,
  );

  it('every alarm notifies the topic, which CloudWatch may publish to (and decrypt for)', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(50);
    for (const [id, a] of alarms) expect(props(a).AlarmActions, id).toEqual([{ Ref: topic }]);
    const [, policy] = resourcesOfType(template, 'AWS::SNS::TopicPolicy')[0] ?? [];
    expect((props(policy).PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topic },
      }),
    );
    expect(namespace).toMatch(/^skillcert\//);
  });

  it("a function's unhandled error: AWS/Lambda Errors >= 1 in 5 minutes, for every function", () => {
    const alarms = alarmsOn(template, 'AWS/Lambda', 'Errors');
    const watched = alarms.map(({ p }) => (p.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref);
    expect(watched.sort()).toEqual([...functions].sort());
    for (const { id, p } of alarms.filter(
      ({ p }) =>
        JSON.stringify(p.Dimensions) !== JSON.stringify([{ Name: 'FunctionName', Value: { Ref: deliver } }]),
    )) {
      expect(p, id).toMatchObject({ ...fiveMinutesAtLeast(1), Statistic: 'Sum' });
    }
  });

  it('a handled 5xx: every function’s ERROR log lines are counted and alarm at one', () => {
    const filters = filterFor(template, 'ErrorLogs');
    expect(filters).toHaveLength(functions.length);
    for (const f of filters) {
      expect(f.FilterPattern).toBe(LOG_PATTERNS.errorLogs);
      expect(f.MetricTransformations).toEqual([
        expect.objectContaining({ MetricValue: '1', Dimensions: [{ Key: 'Function', Value: '$.service' }] }),
      ]);
    }
    // Each function's own log group carries its filter.
    const groups = resourcesOfType(template, 'AWS::Lambda::Function').map(
      ([, r]) => (props(r).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
    );
    expect(filters.map((f) => (f.LogGroupName as { Ref: string }).Ref).sort()).toEqual(groups.sort());
    const alarms = alarmsOn(template, namespace, 'ErrorLogs');
    const services = resourcesOfType(template, 'AWS::Lambda::Function').map(
      ([, r]) =>
        (props(r).Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(alarms.map(({ p }) => (p.Dimensions as { Value: string }[])[0]?.Value).sort()).toEqual(
      services.sort(),
    );
    for (const { id, p } of alarms) expect(p, id).toMatchObject(fiveMinutesAtLeast(1));
  });

  it('one failed revocation: a 5xx on the status route alarms at one, from the API access log', () => {
    const [filter] = filterFor(template, 'FailedStatusChanges');
    expect(filter?.FilterPattern).toBe(LOG_PATTERNS.failedStatusChanges);
    const accessLogs = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([id]) =>
      id.startsWith('ApiAccessLogs'),
    );
    expect(filter?.LogGroupName).toEqual({ Ref: accessLogs?.[0] });
    const [alarm] = alarmsOn(template, namespace, 'FailedStatusChanges');
    expect(alarm?.p).toMatchObject(fiveMinutesAtLeast(1));
  });

  it(`a notice undelivered for ${ALARM_THRESHOLDS.noticeFailedHours} hours: delivery failing in ${ALARM_THRESHOLDS.noticeFailedHours} of ${ALARM_THRESHOLDS.noticeWindowHours} hours, not at each attempt`, () => {
    const alarms = alarmsOn(template, 'AWS/Lambda', 'Errors').filter(
      ({ p }) => (p.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref === deliver,
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.p).toMatchObject({
      Period: 3600,
      EvaluationPeriods: ALARM_THRESHOLDS.noticeWindowHours,
      DatapointsToAlarm: ALARM_THRESHOLDS.noticeFailedHours,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    // The workflow still ends in failure for errors other than a partner not acknowledging (alarmed at once).
    expect(alarmsOn(template, 'AWS/States', 'ExecutionsFailed').length).toBe(
      resourcesOfType(template, 'AWS::StepFunctions::StateMachine').length,
    );
  });

  it('throttling: any throttled invocation, and a burst of 429s at the API', () => {
    const throttles = alarmsOn(template, 'AWS/Lambda', 'Throttles');
    expect(throttles).toHaveLength(functions.length);
    for (const { id, p } of throttles) expect(p, id).toMatchObject(fiveMinutesAtLeast(1));
    expect(filterFor(template, 'ThrottledRequests')[0]?.FilterPattern).toBe(LOG_PATTERNS.throttledRequests);
    expect(alarmsOn(template, namespace, 'ThrottledRequests')[0]?.p).toMatchObject(
      fiveMinutesAtLeast(ALARM_THRESHOLDS.throttledRequestsIn5Minutes),
    );
  });

  it('a burst of refused tokens: 401s and 403s from the access log', () => {
    expect(filterFor(template, 'RefusedTokens')[0]?.FilterPattern).toBe(LOG_PATTERNS.refusedTokens);
    expect(alarmsOn(template, namespace, 'RefusedTokens')[0]?.p).toMatchObject(
      fiveMinutesAtLeast(ALARM_THRESHOLDS.refusedTokensIn5Minutes),
    );
  });

  it('workflows failing, timing out or aborted alarm at one', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      for (const { id, p } of alarmsOn(template, 'AWS/States', metric))
        expect(p, id).toMatchObject(fiveMinutesAtLeast(1));
    }
  });
});
