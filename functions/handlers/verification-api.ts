// The public routes, no sign-in: verify a certificate by number or by posting its JWS (in the style of
// the W3C VC API's verify call). Nothing here signs or writes: the function may only read the table. The
// webhook partner regions post revocation notices to has its own function (partner-notices.ts).
import { type Verification, verifyByNumber, verifyPresented } from '../partners/verification.js';
import { pathParam } from '../shared/caller.js';
import { checkProof } from '../shared/data-integrity.js';
import { badRequest, json, notFound } from '../shared/http.js';
import { partnerHttpHandler, verificationDeps } from '../shared/partners.js';
import { presentedCredentialBody } from '../shared/verification-body.js';

// Presented credentials come as a JWS or as signed JSON, whose proof needs JSON-LD (data-integrity.ts).
const deps = { ...verificationDeps(), checkProof };

/** Only what a verifier needs: the verdict, its reasons and the certificate's public facts. */
function answer(verdict: Verification, checkedAt: Date) {
  return {
    verified: verdict.status === 'valid',
    status: verdict.status,
    reasons: verdict.reasons,
    ...(verdict.certificate ? { certificate: verdict.certificate } : {}),
    ...(verdict.issuerRegion ? { issuerRegion: verdict.issuerRegion } : {}),
    ...(verdict.statusDetail ? { statusDetail: verdict.statusDetail } : {}),
    checkedAt: checkedAt.toISOString(),
  };
}

export const handler = partnerHttpHandler(async (event) => {
  const now = deps.now();
  switch (event.routeKey) {
    case 'GET /verify/{number}': {
      const number = pathParam(event, 'number');
      if (!/^[A-Z0-9-]{6,40}$/.test(number))
        throw badRequest('A certificate number looks like NJ-2026-4-000001-X');
      const verdict = await verifyByNumber(deps, number);
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
