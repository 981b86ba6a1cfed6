// The admin routes for people: a candidate's registration (with their resident ID, kept only as an HMAC
// under the identity key) and the assessor pool. Apart from admin-api.ts so that only this function and
// the holder check may use the identity key (and only they bundle a KMS client).

import { identityKeyFromEnvironment } from '../adapters/identity-key.js';
import { peopleQuery, personBody } from '../api/people.js';
import { getPerson, listAssessorPool, type PeopleDeps, putPerson } from '../certification/admin.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { store } from '../shared/certification.js';
import { httpHandler, json, notFound, pageRequest, parseBody, parseQuery } from '../shared/http.js';

const deps: PeopleDeps = { store, identityKey: identityKeyFromEnvironment() };
export const handler = httpHandler(async (event) => {
  requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/people/{sub}':
      return json(200, await putPerson(deps, pathParam(event, 'sub'), parseBody(personBody, event)));
    case 'GET /admin/people':
      // Only the assessor pool for now (api/people.ts): the role is checked before anything is read.
      parseQuery(peopleQuery, event);
      return json(200, await listAssessorPool(deps, pageRequest(event)));
    case 'GET /admin/people/{sub}':
      return json(200, await getPerson(deps, pathParam(event, 'sub')));
    default:
      throw notFound();
  }
});
