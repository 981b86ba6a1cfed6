import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { NoticeDispatcher } from '../ports.js';

/**
 * Starts the notice-delivery workflow for a stored notice. The execution is named by the notice id, so
 * starting it again (a retried request, the pending-notice sweep) never delivers twice.
 */
export class StepFunctionsNoticeDispatcher implements NoticeDispatcher {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async dispatch(noticeId: string): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: noticeId,
          input: JSON.stringify({ noticeId }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}
