// Workflow step: a step failed for good. Records the error (never over a decision) and stops the
// execution here; an admin's redrive runs it again, which resumes the attempt.
import { recordError } from '../certification/workflow.js';
import { clock, store } from '../shared/certification.js';
import { workflowStep } from '../shared/workflow-step.js';

interface Event {
  attemptId: string;
  /** What the Catch put in $.failure. */
  failure: { Error?: string; Cause?: string };
  /** $$.Execution.RedriveCount when the failure was caught, and which kind of step failed. */
  failedAt: { redriveCount: number; step?: string };
  /** $$.Execution.RedriveCount now: higher means an admin redrove the stopped execution. */
  redriveCount: number;
}

/** A Lambda failure's Cause is its error document; people need its message, not its stack. */
function causeOf(cause: string | undefined): string {
  let text = cause ?? '';
  try {
    const document = JSON.parse(text) as { errorMessage?: unknown };
    if (typeof document.errorMessage === 'string') text = document.errorMessage;
  } catch {
    // a plain-text cause (a DynamoDB or Step Functions error) is kept as it is
  }
  return text.slice(0, 2000);
}

export const handler = workflowStep(async (event: Event) =>
  recordError(
    { store, now: clock.now },
    event.attemptId,
    {
      error: event.failure.Error ?? 'Unknown',
      cause: causeOf(event.failure.Cause),
      redriveCount: event.failedAt.redriveCount,
      ...(event.failedAt.step ? { step: event.failedAt.step } : {}),
    },
    event.redriveCount,
  ),
);
