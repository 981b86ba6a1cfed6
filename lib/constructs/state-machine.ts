import { type CfnElement, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
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
    const logs = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(props.definition),
      stateMachineType: StateMachineType.STANDARD,
      queryLanguage: QueryLanguage.JSON_PATH,
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
      ...(props.timeout ? { timeout: props.timeout } : {}),
      ...(props.comment ? { comment: props.comment } : {}),
    });
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
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId}"}]}]}:*]`,
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
