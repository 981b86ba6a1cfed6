// The public routes, no sign-in: verify a certificate by number and holder's name or by posting its JWS
// (in the style of the W3C VC API's verify call). Nothing here signs; the only writes are a lookup's
// spending of the caller's budget and the holder's activity record (certification/paper.ts), which the
// template grants on those items alone. The webhook partner regions post revocation notices to has its
// own function (partner-notices.ts).
import { DynamoDbPaperStore } from '../adapters/dynamodb-paper-store.js';
import { lookUp } from '../certification/paper.js';
import { verdictAnswer as answer, verifyPresented } from '../partners/verification.js';
import { pathParam } from '../shared/caller.js';
import { checkProof } from '../shared/data-integrity.js';
import { badRequest, json, notFound } from '../shared/http.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { config } from '../shared/region-config.js';
import { presentedCredentialBody } from '../shared/verification-body.js';

// Presented credentials come as a JWS or as signed JSON, whose proof needs JSON-LD (data-integrity.ts).
const deps = { ...verificationDeps(), checkProof };
const paperStore = new DynamoDbPaperStore(config.TABLE_NAME);

export const handler = partnerHttpHandler(async (event) => {
  const now = deps.now();
  switch (event.routeKey) {
    case 'GET /verify/{number}': {
      const number = pathParam(event, 'number');
      if (!/^[A-Z0-9-]{6,40}$/.test(number))
        throw badRequest({
          en: 'A certificate number looks like NJ-2026-4-000001-X',
          zh: '证书编号形如 NJ-2026-4-000001-X',
        });
      // Like the national lookup, a number alone says nothing: the holder's name must come with it, and
      // every lookup spends the caller's budget (certification/paper.ts), so numbers cannot be walked.
      const name = event.queryStringParameters?.name?.trim() ?? '';
      if (!name || name.length > 100)
        throw badRequest({
          en: "name: the holder's name is required with a certificate number (?name=, at most 100 characters)",
          zh: 'name：按编号查询须同时提供持证人姓名（?name=，最多 100 个字符）',
        });
      const verdict = await lookUp(
        { store: paperStore, verification: deps, now: deps.now },
        { number, name, client: event.requestContext.http.sourceIp },
      );
      return json(verdict.status === 'not-found' ? 404 : 200, answer(verdict, now), {
        'cache-control': 'no-store',
      });
    }
    case 'POST /credentials/verify': {
      const verifiableCredential = presentedCredentialBody('verifiableCredential', event);
      return json(200, answer(await verifyPresented(deps, verifiableCredential), now), {
        'cache-control': 'no-store',
      });
    }
    default:
      throw notFound();
  }
});
