import { type CfnElement, type Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  LogLevel,
  QueryLanguage,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { tracingAvailable } from './function.js';

export interface SkillcertStateMachineProps {
  definition: IChainable;
  timeout?: Duration;
  comment?: string;
}

/**
 * Standard workflows with full logging and X-Ray tracing. JSONPath, not JSONata: the local engine runs
 * JSONPath only, and the local cloud runs exactly this definition.
 */
export class SkillcertStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: SkillcertStateMachineProps) {
    super(scope, id);
    // Execution history is the audit trail of how each result was reached: kept for a year and retained
    // if the stack goes. CloudWatch Logs encrypts it at rest; execution data holds no national ID numbers.
    // Under /aws/vendedlogs/: Step Functions delivers logs through CloudWatch Logs' vended-log delivery,
    // which otherwise adds this group to the account's log resource policy, a 5,120-character document
    // that a few state machines fill (then creation fails). The name carries the stack, hence the deployment.
    const stack = Stack.of(this);
    const traced = tracingAvailable(this);
    const logs = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}/${this.node.path.split('/').slice(1).join('-')}`,
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(props.definition),
      stateMachineType: StateMachineType.STANDARD,
      queryLanguage: QueryLanguage.JSON_PATH,
      // X-Ray in the China regions is not confirmed for Step Functions either; docs/deploy.md.
      tracingEnabled: traced,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
      ...(props.timeout ? { timeout: props.timeout } : {}),
      ...(props.comment ? { comment: props.comment } : {}),
    });
    if (!traced) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-SF2',
        reason:
          'In the China regions X-Ray does not integrate with Lambda, and tracing Step Functions there is not confirmed (docs/deploy.md); execution history and ALL-level logs remain.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Tracing (xray:PutTraceSegments and related) and log delivery (logs:CreateLogDelivery and related) have no resource-level permissions.',
    });
  }

  /**
   * Grants actions on this state machine's executions (`execution:<name>:*`: an execution's ARN is known
   * only once it starts); the wildcard covers this state machine's executions only.
   */
  grantExecutionActions(grantee: { function: IFunction } & IConstruct, ...actions: string[]): void {
    this.stateMachine.grantExecution(grantee.function, ...actions);
    const stack = Stack.of(this.stateMachine);
    const logicalId = stack.resolve(stack.getLogicalId(this.stateMachine.node.defaultChild as CfnElement));
    // A deployment's stack knows its region (and maybe account): the ARN then names them literally.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId}"}]}]}:*]`,
      reason: "Executions are named at start; the wildcard covers this one state machine's executions only.",
    });
  }

  /** Lambda invocations are granted on `function:*` so retries may hit any version; only these functions. */
  acknowledgeInvokes(functions: IFunction[]): void {
    for (const fn of functions) {
      const stack = Stack.of(fn);
      const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement));
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'CDK grants invoke on the function and its versions (ARN:*); it is this one function only.',
      });
    }
  }
}
