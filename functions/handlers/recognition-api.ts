// Recognition, for this region's partner machine client (OAuth scope skillcert/recognize): recognise a
// certificate another region issued, and read a recognition back.
import { newStatusListSeed } from '../adapters/dynamodb-status-lists.js';
import {
  getRecognition,
  recognise,
  recognitionView,
  tellIssuerOfRecognition,
} from '../partners/recognition.js';
import { machineClientOf, pathParam } from '../shared/caller.js';
import { checkProof } from '../shared/data-integrity.js';
import { json, notFound } from '../shared/http.js';
import { credentialSigner } from '../shared/issuing.js';
import { logger } from '../shared/logger.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { statusPublication } from '../shared/status-publication.js';
import { presentedCredentialBody } from '../shared/verification-body.js';

const deps = {
  ...verificationDeps(),
  checkProof,
  credentials: credentialSigner(),
  newSeed: newStatusListSeed,
  publication: statusPublication(),
};

export const handler = partnerHttpHandler(async (event) => {
  const clientId = machineClientOf(event);
  switch (event.routeKey) {
    case 'POST /recognitions': {
      const credential = presentedCredentialBody('credential', event);
      const { created, recognition } = await recognise(deps, { credential, clientId });
      if (created) {
        const told = await tellIssuerOfRecognition(deps, recognition);
        if (!told.told)
          logger.warn('The issuer was not told of a recognition', {
            recognitionId: recognition.id,
            detail: told.detail,
          });
      }
      return json(created ? 201 : 200, recognitionView(recognition));
    }
    case 'GET /recognitions/{recognitionId}':
      return json(200, recognitionView(await getRecognition(deps, pathParam(event, 'recognitionId'))));
    default:
      throw notFound();
  }
});
