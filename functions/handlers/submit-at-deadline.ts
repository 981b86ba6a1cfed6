// Deadline timer step: at deadline + grace, submits the attempt with the acknowledged answers if the
// candidate has not, and starts the certification workflow (once, by its execution name).
import { SFNClient } from '@aws-sdk/client-sfn';
import { startExecutionOnce } from '../adapters/step-functions.js';
import { submitAtDeadline } from '../certification/candidate.js';
import { clock, config, store } from '../shared/certification.js';
import { workflowStep } from '../shared/workflow-step.js';

const sfn = new SFNClient({});

export const handler = workflowStep(async (event: { attemptId: string }) =>
  submitAtDeadline(
    {
      store,
      now: clock.now,
      startWorkflow: (attemptId) =>
        startExecutionOnce(sfn, config.STATE_MACHINE_ARN as string, attemptId, { attemptId }),
    },
    event.attemptId,
  ),
);
