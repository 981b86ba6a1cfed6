// GET /me: who the caller is signed in as, from the claims API Gateway's JWT authorizer already verified.
// The web app uses it to choose the candidate, assessor or admin view; partners use it to check a token.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { array, minLength, object, optional, string, unknown } from 'zod/mini';
import { groupsOfClaims } from '../shared/caller.js';
import { HttpError, httpHandler, json, SIGN_IN_FIRST } from '../shared/http.js';

// Payload 2.0 puts the verified claims (all stringified) and the token's scopes under authorizer.jwt.
const verifiedToken = object({
  claims: object({
    sub: string().check(minLength(1)),
    username: optional(string()),
    'cognito:username': optional(string()),
    'cognito:groups': optional(unknown()),
    preferred_username: optional(string()),
    scope: optional(string()),
    client_id: optional(string()),
    aud: optional(string()),
  }),
  scopes: optional(array(string())),
});

export const handler = httpHandler(async (event: APIGatewayProxyEventV2) => {
  const jwt = (event.requestContext as { authorizer?: { jwt?: unknown } }).authorizer?.jwt;
  const parsed = verifiedToken.safeParse(jwt);
  // Only reachable if the route lost its authorizer: answer as API Gateway would.
  if (!parsed.success) throw new HttpError(401, 'Unauthorized', SIGN_IN_FIRST);
  const { claims, scopes } = parsed.data;
  const all = (jwt as { claims: Record<string, unknown> }).claims;
  return json(200, {
    sub: claims.sub,
    username:
      claims.username ??
      claims['cognito:username'] ??
      claims.preferred_username ??
      claims.client_id ??
      claims.sub,
    groups: groupsOfClaims(all),
    scopes: scopes ?? (claims.scope ?? '').split(' ').filter(Boolean),
    clientId: claims.client_id ?? claims.aud,
  });
});
