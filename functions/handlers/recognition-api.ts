// Recognition, for this region's partner machine client (OAuth scope skillcert/recognize): recognise a
// certificate another region issued, and read a recognition back.
import { maxLength, minLength, object, string } from 'zod/mini';
import { getRecognition, recognise, recognitionView } from '../partners/recognition.js';
import { machineClientOf, pathParam } from '../shared/caller.js';
import { json, jsonBody, notFound } from '../shared/http.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { certificateSigner } from '../shared/signer.js';

const deps = { ...verificationDeps(), signer: certificateSigner() };
const recogniseBody = object({ credential: string().check(minLength(1), maxLength(65_536)) });

export const handler = partnerHttpHandler(async (event) => {
  const clientId = machineClientOf(event);
  switch (event.routeKey) {
    case 'POST /recognitions': {
      const { credential } = recogniseBody.parse(jsonBody(event));
      const { created, recognition } = await recognise(deps, { credential: credential.trim(), clientId });
      return json(created ? 201 : 200, recognitionView(recognition));
    }
    case 'GET /recognitions/{recognitionId}':
      return json(200, recognitionView(await getRecognition(deps, pathParam(event, 'recognitionId'))));
    default:
      throw notFound();
  }
});
