import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { Api } from './api.js';
import { SkillcertFunction } from './function.js';
import { SkillcertStateMachine } from './state-machine.js';

export interface ObservabilityProps {
  /** Where alarm notifications go (`-c alarmEmail=…`); without it, subscribe to the topic later. */
  alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms for what must never happen quietly: a function erroring, a workflow execution failing, timing
 * out or being aborted (a certification stuck or lost), the API answering 5xx. All notify one topic.
 * `watch()` finds every SkillcertFunction, SkillcertStateMachine and Api under a scope, so new
 * functions and workflows are covered without anyone remembering to add an alarm.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps = {}) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key (its key policy does not
    // admit cloudwatch.amazonaws.com), so the topic gets its own small key that does.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'skillcert alarm notifications',
      enableKeyRotation: true,
      // Notifications are transient: nothing stays encrypted under this key.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `skillcert ${Stack.of(this).stackName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.alarmTopic);
  }

  /** Adds the alarms for every function, workflow and API under `scope`. Call once, after building them. */
  watch(scope: Construct): this {
    for (const c of scope.node.findAll()) {
      if (c instanceof SkillcertFunction) {
        this.alarm(c, 'Errors', c.function.metricErrors({ period: FIVE_MINUTES, statistic: Stats.SUM }), 1);
      } else if (c instanceof SkillcertStateMachine) {
        const sm = c.stateMachine;
        const opts = { period: FIVE_MINUTES, statistic: Stats.SUM };
        this.alarm(c, 'ExecutionsFailed', sm.metricFailed(opts), 1);
        this.alarm(c, 'ExecutionsTimedOut', sm.metricTimedOut(opts), 1);
        this.alarm(c, 'ExecutionsAborted', sm.metricAborted(opts), 1);
      } else if (c instanceof Api) {
        // A few 5xx in five minutes: one may be a client disconnect, a handful is an outage.
        this.alarm(c, 'ServerErrors', c.httpApi.metricServerError({ period: FIVE_MINUTES }), 5);
      }
    }
    return this;
  }

  private alarm(target: Construct, what: string, metric: IMetric, threshold: number): void {
    const name = target.node.path.split('/').slice(1).join('');
    const alarm = new Alarm(this, `${name}${what}`, {
      alarmDescription: `skillcert ${target.node.path}: ${what} >= ${threshold} in 5 minutes`,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}
