// Workflow step: decide against the pass policy; moderate, issue the signed certificate, or record a fail.
import { decideResult } from '../certification/workflow.js';
import { clock, config, store } from '../shared/certification.js';
import { certificateSigner } from '../shared/signer.js';
import { workflowStep } from '../shared/workflow-step.js';

export const handler = workflowStep(async (event: { attemptId: string }) =>
  decideResult(
    {
      store,
      now: clock.now,
      signer: certificateSigner(),
      issuer: {
        regionCode: config.REGION_CODE,
        regionPrefix: config.REGION_PREFIX,
        nameZh: config.REGION_NAME_ZH,
        nameEn: config.REGION_NAME_EN,
        did: config.ISSUER_DID,
        publicUrl: config.PUBLIC_URL,
      },
    },
    event.attemptId,
  ),
);
