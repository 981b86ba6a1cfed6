import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { CertificationWorkflow, NoticeDispatcher } from '../ports.js';

/**
 * Starts an execution named after the thing it works on. Step Functions refuses a second execution of
 * the same name with ExecutionAlreadyExists (Standard workflows keep names 90 days): it is already
 * running or done, so starting again is harmless — a retried request, a double click, a sweep.
 */
export async function startExecutionOnce(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<void> {
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
}

/** Starts the notice-delivery workflow for a stored notice; the execution is named by the notice id. */
export class StepFunctionsNoticeDispatcher implements NoticeDispatcher {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  dispatch(noticeId: string): Promise<void> {
    return startExecutionOnce(this.sfn, this.stateMachineArn, noticeId, { noticeId });
  }
}

/** The certification workflow of each attempt: the execution named by the attempt id. */
export class StepFunctionsCertificationWorkflow implements CertificationWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  private executionArn(attemptId: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${attemptId}`;
  }

  async describe(attemptId: string) {
    try {
      const out = await this.sfn.send(
        new DescribeExecutionCommand({ executionArn: this.executionArn(attemptId) }),
      );
      return {
        status: String(out.status),
        redriveCount: out.redriveCount ?? 0,
        ...(out.redriveStatus ? { redriveStatus: out.redriveStatus } : {}),
        ...(out.redriveStatusReason ? { redriveStatusReason: out.redriveStatusReason } : {}),
        ...(out.error ? { error: out.error } : {}),
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  async redrive(attemptId: string, clientToken: string): Promise<void> {
    await this.sfn.send(
      new RedriveExecutionCommand({
        executionArn: this.executionArn(attemptId),
        clientToken: clientToken.slice(0, 64),
      }),
    );
  }
}
