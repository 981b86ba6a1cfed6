import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { Api } from './api.js';
import { SkillcertFunction } from './function.js';
import { SkillcertStateMachine } from './state-machine.js';

export interface ObservabilityProps {
  /** Where alarm notifications go (the deployment's alarmEmails); each address confirms once. */
  alarmEmails?: string[];
  /** Namespace of the metrics counted from logs: per deployment, so staging never adds to production. */
  metricNamespace: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * CloudWatch Logs filter patterns, in CloudWatch's own syntax. Exported so tests run them against the log
 * lines the functions and the local HTTP API write (tests/unit/local/filter-pattern.test.ts).
 */
export const LOG_PATTERNS = {
  /**
   * A function logged an error: Powertools' ERROR line of every crash a handler turned into a 5xx. Only
   * our own lines (Powertools sets `service`): an invocation that fails outright is reported by the Lambda
   * runtime without one, and is the Errors alarm's (notice delivery fails each unacknowledged attempt so).
   */
  errorLogs: '{ ($.level = "ERROR") && ($.service = "*") }',
  /** A revocation, suspension or reinstatement the API answered with a server error. */
  failedStatusChanges: '{ ($.routeKey = "POST /admin/certificates/{number}/status") && ($.status = "5*") }',
  /** The JWT authorizer (401) or a handler's group check (403) refused a token. */
  refusedTokens: '{ ($.status = "401") || ($.status = "403") }',
  /** API Gateway throttled a request (429). */
  throttledRequests: '{ $.status = "429" }',
} as const;

/** Thresholds, stated once: docs/deploy.md ("Alarms") quotes them. */
export const ALARM_THRESHOLDS = {
  refusedTokensIn5Minutes: 25,
  throttledRequestsIn5Minutes: 50,
  apiServerErrorsIn5Minutes: 5,
  /** A notice is alarmed when its delivery failed in this many of the last `noticeWindowHours` hours. */
  noticeFailedHours: 5,
  noticeWindowHours: 6,
} as const;

/**
 * Alarms for what must never happen quietly, each notifying one topic: a function failing or logging an
 * error (a handled 5xx included), a function throttled, a workflow execution failing, timing out or being
 * aborted, one failed certificate status change (a revocation), a revocation notice undelivered for hours,
 * a burst of refused tokens or throttled requests, the API answering 5xx. `watch()` finds every
 * SkillcertFunction, SkillcertStateMachine and Api under a scope, so new ones are covered without anyone
 * remembering to add an alarm.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.namespace = props.metricNamespace;
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key (its key policy does not
    // admit cloudwatch.amazonaws.com), so the topic gets its own small key that does.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'skillcert alarm notifications',
      enableKeyRotation: true,
      // Notifications are transient: nothing stays encrypted under this key.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    key.grant(cloudWatch, 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `skillcert ${Stack.of(this).stackName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one: without this statement it would hold only enforceSSL's
    // Deny, and CloudWatch could not publish. Only alarms of this account.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    for (const address of props.alarmEmails ?? []) {
      this.alarmTopic.addSubscription(new EmailSubscription(address));
    }
    this.action = new SnsAction(this.alarmTopic);
  }

  /**
   * Adds the alarms for every function, workflow and API under `scope`. Call once, after building them.
   * `retriedForHours`: functions a workflow retries for hours by design (notice delivery to a partner
   * that is down); their failures alarm when they persist, not at the first one.
   */
  watch(scope: Construct, options: { retriedForHours?: SkillcertFunction[] } = {}): this {
    const retried = new Set(options.retriedForHours ?? []);
    for (const c of scope.node.findAll()) {
      if (c instanceof SkillcertFunction) {
        const fn = c.function;
        if (retried.has(c)) {
          const { noticeFailedHours, noticeWindowHours } = ALARM_THRESHOLDS;
          this.alarm(
            c,
            'UndeliveredForHours',
            fn.metricErrors({ period: Duration.hours(1), statistic: Stats.SUM }),
            1,
            {
              evaluationPeriods: noticeWindowHours,
              datapointsToAlarm: noticeFailedHours,
              description: `failed in ${noticeFailedHours} of the last ${noticeWindowHours} hours: a notice has been undelivered for about ${noticeFailedHours} hours`,
            },
          );
        } else {
          this.alarm(c, 'Errors', fn.metricErrors({ period: FIVE_MINUTES, statistic: Stats.SUM }), 1);
        }
        this.alarm(c, 'Throttles', fn.metricThrottles({ period: FIVE_MINUTES, statistic: Stats.SUM }), 1);
        this.alarm(c, 'ErrorLogs', this.countLogs(c, c.logGroup, 'ErrorLogs', LOG_PATTERNS.errorLogs, c), 1);
      } else if (c instanceof SkillcertStateMachine) {
        const sm = c.stateMachine;
        const opts = { period: FIVE_MINUTES, statistic: Stats.SUM };
        this.alarm(c, 'ExecutionsFailed', sm.metricFailed(opts), 1);
        this.alarm(c, 'ExecutionsTimedOut', sm.metricTimedOut(opts), 1);
        this.alarm(c, 'ExecutionsAborted', sm.metricAborted(opts), 1);
      } else if (c instanceof Api) {
        // Every single 5xx already alarms where it starts (a function's error, error log or throttle);
        // this one sees what API Gateway itself answers (integration failures) once it is more than noise.
        this.alarm(
          c,
          'ServerErrors',
          c.httpApi.metricServerError({ period: FIVE_MINUTES }),
          ALARM_THRESHOLDS.apiServerErrorsIn5Minutes,
        );
        const logs = c.accessLogs;
        this.alarm(
          c,
          'FailedStatusChanges',
          this.countLogs(c, logs, 'FailedStatusChanges', LOG_PATTERNS.failedStatusChanges),
          1,
          {
            description: 'a revocation, suspension or reinstatement failed with a server error',
          },
        );
        this.alarm(
          c,
          'RefusedTokens',
          this.countLogs(c, logs, 'RefusedTokens', LOG_PATTERNS.refusedTokens),
          ALARM_THRESHOLDS.refusedTokensIn5Minutes,
          {
            description:
              'a burst of refused tokens (401/403): stolen, expired or forged credentials being tried',
          },
        );
        this.alarm(
          c,
          'ThrottledRequests',
          this.countLogs(c, logs, 'ThrottledRequests', LOG_PATTERNS.throttledRequests),
          ALARM_THRESHOLDS.throttledRequestsIn5Minutes,
          { description: 'API Gateway throttled requests (429): real users may be turned away' },
        );
      }
    }
    return this;
  }

  /** A metric counting the log lines of `logGroup` that match `pattern` (one per line). */
  private countLogs(
    target: Construct,
    logGroup: ILogGroup,
    metricName: string,
    pattern: string,
    fn?: SkillcertFunction,
  ): IMetric {
    new MetricFilter(this, `${constructName(target)}${metricName}Filter`, {
      logGroup,
      filterPattern: FilterPattern.literal(pattern),
      metricNamespace: this.namespace,
      metricName,
      metricValue: '1',
      // Function lines carry Powertools' `service`; one metric per function.
      ...(fn ? { dimensions: { Function: '$.service' } } : {}),
    });
    return new Metric({
      namespace: this.namespace,
      metricName,
      ...(fn ? { dimensionsMap: { Function: fn.serviceName } } : {}),
      period: FIVE_MINUTES,
      statistic: Stats.SUM,
    });
  }

  private alarm(
    target: Construct,
    what: string,
    metric: IMetric,
    threshold: number,
    options: { evaluationPeriods?: number; datapointsToAlarm?: number; description?: string } = {},
  ): void {
    const alarm = new Alarm(this, `${constructName(target)}${what}`, {
      alarmDescription: `skillcert ${target.node.path}: ${what} ${options.description ?? `>= ${threshold} in 5 minutes`}`,
      metric,
      threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      ...(options.datapointsToAlarm ? { datapointsToAlarm: options.datapointsToAlarm } : {}),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}

function constructName(target: Construct): string {
  return target.node.path.split('/').slice(1).join('');
}
