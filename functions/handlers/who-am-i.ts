// GET /me: who the caller is signed in as, from the claims API Gateway already verified. The web app uses
// it to choose the candidate, assessor or admin view.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { groupsOf } from '../shared/caller.js';
import { httpHandler, json } from '../shared/http.js';

export const handler = httpHandler(async (event) => {
  const { claims, scopes } = (event as unknown as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext
    .authorizer.jwt;
  return json(200, {
    sub: claims.sub,
    username: claims.username ?? claims['cognito:username'] ?? claims.client_id,
    groups: groupsOf(claims['cognito:groups']),
    scopes:
      scopes ??
      String(claims.scope ?? '')
        .split(' ')
        .filter(Boolean),
    clientId: claims.client_id ?? claims.aud,
  });
});
