// Recognition, for this region's partner machine client (OAuth scope skillcert/recognize): recognise a
// certificate another region issued, and read a recognition back.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { maxLength, minLength, object, string } from 'zod/mini';
import { getRecognition, recognise, recognitionView } from '../partners/recognition.js';
import { PartnerUnreachable } from '../ports.js';
import { pathParam } from '../shared/caller.js';
import { HttpError, httpHandler, json, jsonBody, notFound } from '../shared/http.js';
import { verificationDeps } from '../shared/partners.js';
import { certificateSigner } from '../shared/signer.js';

const deps = { ...verificationDeps(), signer: certificateSigner() };
const recogniseBody = object({ credential: string().check(minLength(1), maxLength(65_536)) });

/** The machine client the authorizer admitted (a client-credentials token carries client_id, no user). */
function clientOf(event: APIGatewayProxyEventV2): string {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } })
    .authorizer?.jwt?.claims;
  const clientId = claims?.client_id;
  if (typeof clientId !== 'string' || claims?.username !== undefined)
    throw new HttpError(403, 'Forbidden', 'Recognition is asked by a partner machine client, not a person');
  return clientId;
}

export const handler = httpHandler(async (event) => {
  const clientId = clientOf(event);
  try {
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
  } catch (error) {
    if (error instanceof PartnerUnreachable) throw new HttpError(502, 'PartnerUnreachable', error.message);
    throw error;
  }
});
