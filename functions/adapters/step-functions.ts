import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { NoticeDispatcher } from '../ports.js';

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
