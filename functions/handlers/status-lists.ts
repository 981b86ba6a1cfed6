// GET /status/{region}/{list}/{purpose}: the signed Bitstring Status List credential each certificate
// (and endorsement) names, public and cacheable for the list's lifetime.
import { publishStatusList } from '../certification/certificate-status.js';
import { pathParam } from '../shared/caller.js';
import { clock, store } from '../shared/certification.js';
import { httpHandler } from '../shared/http.js';
import { credentialSigner } from '../shared/issuing.js';
import { region } from '../shared/partners.js';

const deps = { region, certificates: store, credentials: credentialSigner(), now: clock.now };

export const handler = httpHandler(async (event) => {
  const published = await publishStatusList(deps, {
    region: pathParam(event, 'region'),
    list: pathParam(event, 'list'),
    purpose: pathParam(event, 'purpose'),
  });
  return {
    statusCode: 200,
    headers: {
      'content-type': 'application/vc+jwt',
      'cache-control': `public, max-age=${published.maxAgeSeconds}`,
    },
    body: published.jws,
  };
});
