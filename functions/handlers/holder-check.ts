// POST /holder-checks: does this certificate belong to the person whose ID card the verifier is looking
// at? Public and throttled; answers yes or no, and logs each check without the ID.

import { identityKeyFromEnvironment } from '../adapters/identity-key.js';
import { holderCheckBody } from '../api/public.js';
import { checkHolder } from '../certification/holder-check.js';
import { store } from '../shared/certification.js';
import { httpHandler, json, parseBody } from '../shared/http.js';
import { logger } from '../shared/logger.js';

const deps = {
  store,
  identityKey: identityKeyFromEnvironment(),
  record: (check: { certificateNumber: string; matches: boolean; sourceIp: string }) =>
    logger.info('Holder check', { holderCheck: check }),
};
export const handler = httpHandler(async (event) => {
  const input = parseBody(holderCheckBody, event);
  const answer = await checkHolder(deps, { ...input, sourceIp: event.requestContext.http.sourceIp });
  return json(200, answer, { 'cache-control': 'no-store' });
});
