// POST /partner-notices: the webhook partner regions post revocation notices (and their endorsements of
// our certificates, for the holder's activity) to. Public in the sense of
// no sign-in, but authenticated by the notice's own signature (a registered partner's key): only a
// genuine notice writes (the heard revocation, a voided recognition) and, when it voids an endorsement,
// re-signs that endorsement list. Apart from verification, which only reads (docs/security.md).
import { DynamoDbPaperStore } from '../adapters/dynamodb-paper-store.js';
import { MAX_PRESENTED_CREDENTIAL, partnerNoticeBody } from '../api/public.js';
import { receiveNotice } from '../partners/notices.js';
import { badRequest, json, notFound, parseBody, textBody } from '../shared/http.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { config } from '../shared/region-config.js';
import { statusPublication } from '../shared/status-publication.js';

const paperStore = new DynamoDbPaperStore(config.TABLE_NAME);
/** A partner's recognition of one of our certificates, heard here, joins the holder's activity. */
async function recordRecognition(input: {
  number: string;
  region: string;
  regionName: { zh: string; en: string };
  at: string;
  endorsementId: string;
}) {
  if (!(await paperStore.getCertificate(input.number))) return false;
  await paperStore.recordActivity(
    input.number,
    { at: input.at, kind: 'recognition', region: input.region, regionName: input.regionName },
    input.endorsementId,
  );
  return true;
}

const deps = { ...verificationDeps(), publication: statusPublication(), recordRecognition };

export const handler = partnerHttpHandler(async (event) => {
  if (event.routeKey !== 'POST /partner-notices') throw notFound();
  const body = textBody(event)?.trim();
  if (!body) throw badRequest({ en: 'The request has no body', zh: '请求没有内容' });
  if (body.length > MAX_PRESENTED_CREDENTIAL)
    throw badRequest({ en: 'The body is too large', zh: '请求内容过大' });
  // A JSON body is `{ "notice": JWS }`; anything else is the JWS itself (application/jose).
  const jws = body.startsWith('{') ? parseBody(partnerNoticeBody, event).notice : body;
  return json(200, await receiveNotice(deps, jws));
});
