// The admin routes for people: a candidate's registration (with their resident ID, kept only as an HMAC
// under the identity key) and the assessor pool. Apart from admin-api.ts so that only this function and
// the holder check may use the identity key (and only they bundle a KMS client).
import {
  _default,
  array,
  boolean,
  int,
  literal,
  maxLength,
  minLength,
  object,
  optional,
  record,
  string,
  union,
} from 'zod/mini';
import { identityKeyFromEnvironment } from '../adapters/identity-key.js';
import { getPerson, type PeopleDeps, putPerson } from '../certification/admin.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { store } from '../shared/certification.js';
import { httpHandler, json, jsonBody, notFound } from '../shared/http.js';

const deps: PeopleDeps = { store, identityKey: identityKeyFromEnvironment() };
const personBody = object({
  name: string().check(minLength(1), maxLength(100)),
  employer: string().check(maxLength(200)),
  trainingOrg: string().check(maxLength(200)),
  roles: array(union([literal('candidate'), literal('assessor'), literal('admin')])),
  senior: _default(boolean(), false),
  yearsOfWork: _default(record(string(), int()), {}),
  nationalId: optional(string().check(maxLength(18))),
});

export const handler = httpHandler(async (event) => {
  requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/people/{sub}':
      return json(200, await putPerson(deps, pathParam(event, 'sub'), personBody.parse(jsonBody(event))));
    case 'GET /admin/people/{sub}':
      return json(200, await getPerson(deps, pathParam(event, 'sub')));
    default:
      throw notFound();
  }
});
