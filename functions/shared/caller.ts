// Who is calling, from the claims API Gateway's JWT authorizer already verified.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { forbidden, HttpError } from './http.js';

export interface Caller {
  sub: string;
  username: string;
  groups: string[];
}

export function groupsOf(claim: unknown): string[] {
  // API Gateway flattens array claims into "[a b]" strings; accept both shapes.
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim === 'string')
    return claim
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  return [];
}

function claimsOf(event: APIGatewayProxyEventV2): Record<string, unknown> | undefined {
  return (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer
    ?.jwt?.claims;
}

export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const claims = claimsOf(event);
  if (!claims?.sub) throw new HttpError(401, 'Unauthorized', 'Sign in first');
  return {
    sub: String(claims.sub),
    username: String(claims.username ?? claims['cognito:username'] ?? claims.sub),
    groups: groupsOf(claims['cognito:groups']),
  };
}

export function requireGroup(
  event: APIGatewayProxyEventV2,
  group: 'candidates' | 'assessors' | 'admins',
): Caller {
  const caller = callerOf(event);
  if (!caller.groups.includes(group)) throw forbidden(`Only ${group} may do this`);
  return caller;
}

/** The machine client the authorizer admitted: a client-credentials token carries client_id and no user. */
export function machineClientOf(event: APIGatewayProxyEventV2): string {
  const claims = claimsOf(event);
  const clientId = claims?.client_id;
  if (typeof clientId !== 'string' || claims?.username !== undefined)
    throw forbidden('This is asked by a partner machine client, not a person');
  return clientId;
}

export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value || value.length > 128)
    throw new HttpError(400, 'BadRequest', `Missing or invalid path parameter ${name}`);
  return value;
}
