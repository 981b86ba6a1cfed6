// Workflow step: grade the theory paper and open two blind reviews of the practical work.
import { gradeAttempt } from '../certification/workflow.js';
import { clock, store } from '../shared/certification.js';
import { workflowStep } from '../shared/workflow-step.js';

export const handler = workflowStep(async (event: { attemptId: string }) =>
  gradeAttempt({ store, now: clock.now }, event.attemptId),
);
