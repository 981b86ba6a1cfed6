// Workflow step: a review's wait ended without a mark reaching the workflow (timeout, returned, closed);
// keep a mark that is in, or give the work to someone else.
import { reassignReview } from '../certification/workflow.js';
import { clock, store } from '../shared/certification.js';
import { workflowStep } from '../shared/workflow-step.js';

export const handler = workflowStep(async (event: { attemptId: string; slot: string; reason?: string }) =>
  reassignReview({ store, now: clock.now }, event.attemptId, event.slot, event.reason ?? 'timeout'),
);
