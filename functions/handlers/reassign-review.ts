// Workflow step: an assessor did not answer in time or returned the work; give it to someone else.
import { reassignReview } from '../certification/workflow.js';
import { clock, store } from '../shared/certification.js';

export const handler = async (event: { attemptId: string; slot: string; reason?: string }) =>
  reassignReview({ store, now: clock.now }, event.attemptId, event.slot, event.reason ?? 'timeout');
