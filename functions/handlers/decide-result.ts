// Workflow step: decide against the pass policy; moderate, issue the signed certificate, or record a fail.
import { newStatusListSeed } from '../adapters/dynamodb-status-lists.js';
import { decideResult } from '../certification/workflow.js';
import { clock, config, store } from '../shared/certification.js';
import { credentialSigner } from '../shared/issuing.js';
import { statusPublication } from '../shared/status-publication.js';
import { workflowStep } from '../shared/workflow-step.js';

export const handler = workflowStep(async (event: { attemptId: string }) =>
  decideResult(
    {
      store,
      now: clock.now,
      credentials: credentialSigner(),
      newSeed: newStatusListSeed,
      publication: statusPublication(),
      issuer: {
        regionCode: config.REGION_CODE,
        regionPrefix: config.REGION_PREFIX,
        nameZh: config.REGION_NAME_ZH,
        nameEn: config.REGION_NAME_EN,
        did: config.ISSUER_DID,
        publicUrl: config.PUBLIC_URL,
        timeZone: config.REGION_TIME_ZONE,
      },
    },
    event.attemptId,
  ),
);
