// GET /status/{region}/{list}/{purpose}: the signed Bitstring Status List credential each certificate
// (and endorsement) names, public and cacheable. Served from what the functions that change a list signed
// and stored (certification/status-publication.ts): this function only reads, never signs.
import { DynamoDbStatusListStore } from '../adapters/dynamodb-status-list-store.js';
import { servedStatusList } from '../certification/status-serving.js';
import { pathParam } from '../shared/caller.js';
import { clock, config } from '../shared/certification.js';
import { httpHandler } from '../shared/http.js';
import { region } from '../shared/partners.js';

const deps = { region, lists: new DynamoDbStatusListStore(config.TABLE_NAME), now: clock.now };

export const handler = httpHandler(async (event) => {
  const served = await servedStatusList(deps, {
    region: pathParam(event, 'region'),
    list: pathParam(event, 'list'),
    purpose: pathParam(event, 'purpose'),
  });
  return {
    statusCode: 200,
    headers: {
      'content-type': 'application/vc+jwt',
      'cache-control': `public, max-age=${served.maxAgeSeconds}`,
    },
    body: served.jws,
  };
});
