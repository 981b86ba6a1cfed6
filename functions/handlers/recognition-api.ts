// Recognition, for this region's partner machine client (OAuth scope skillcert/recognize): recognise a
// certificate another region issued, and read a recognition back.
import { newStatusListSeed } from '../adapters/dynamodb-status-lists.js';
import { getRecognition, recognise, recognitionView } from '../partners/recognition.js';
import { machineClientOf, pathParam } from '../shared/caller.js';
import { checkProof } from '../shared/data-integrity.js';
import { json, notFound } from '../shared/http.js';
import { credentialSigner } from '../shared/issuing.js';
import { noticeDispatcher } from '../shared/notice-dispatcher.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { statusPublication } from '../shared/status-publication.js';
import { presentedCredentialBody } from '../shared/verification-body.js';

const deps = {
  ...verificationDeps(),
  checkProof,
  credentials: credentialSigner(),
  newSeed: newStatusListSeed,
  publication: statusPublication(),
  // The issuer hears of each recognition through the retried notice delivery (docs/partners.md).
  dispatcher: noticeDispatcher(),
};

export const handler = partnerHttpHandler(async (event) => {
  const clientId = machineClientOf(event);
  switch (event.routeKey) {
    case 'POST /recognitions': {
      const credential = presentedCredentialBody('credential', event);
      const { created, recognition } = await recognise(deps, { credential, clientId });
      return json(created ? 201 : 200, recognitionView(recognition));
    }
    case 'GET /recognitions/{recognitionId}':
      return json(200, recognitionView(await getRecognition(deps, pathParam(event, 'recognitionId'))));
    default:
      throw notFound();
  }
});
