// POST /partner-notices: the webhook partner regions post revocation notices to. Public in the sense of
// no sign-in, but authenticated by the notice's own signature (a registered partner's key): only a
// genuine notice writes (the heard revocation, a voided recognition) and, when it voids an endorsement,
// re-signs that endorsement list. Apart from verification, which only reads (docs/security.md).
import { MAX_PRESENTED_CREDENTIAL, partnerNoticeBody } from '../api/public.js';
import { receiveNotice } from '../partners/notices.js';
import { badRequest, json, notFound, parseBody, textBody } from '../shared/http.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { statusPublication } from '../shared/status-publication.js';

const deps = { ...verificationDeps(), publication: statusPublication() };

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
