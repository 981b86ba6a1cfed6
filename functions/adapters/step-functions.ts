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

/** A notice's delivery round n runs as this execution: `<id>` for the first, `<id>-r<n>` after. */
export function noticeExecutionName(noticeId: string, round = 1): string {
  return round > 1 ? `${noticeId}-r${round}` : noticeId;
}

/**
 * Starts the notice-delivery workflow for a stored notice. The execution is named by the notice and
 * its round, so starting a round twice is harmless, and a round that has ended (its retries gave up)
 * does not keep the name from the next one.
 */
export class StepFunctionsNoticeDispatcher implements NoticeDispatcher {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async dispatch(noticeId: string, round = 1): Promise<'started' | 'running' | 'ended'> {
    const name = noticeExecutionName(noticeId, round);
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify({ noticeId, round }),
        }),
      );
      return 'started';
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
    // arn:aws:states:<region>:<account>:stateMachine:<machine> → …:execution:<machine>:<name>
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const { status } = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return status === 'RUNNING' || status === 'PENDING_REDRIVE' ? 'running' : 'ended';
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
