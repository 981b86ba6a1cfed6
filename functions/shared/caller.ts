// Who is calling, from the claims API Gateway's JWT authorizer already verified.

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { textProblem } from '../domain/text.js';
import { forbidden, HttpError, SIGN_IN_FIRST } from './http.js';

export interface Caller {
  sub: string;
  username: string;
  groups: string[];
}

/**
 * Which claim lists a person's groups, and what the identity provider calls ours (the stack sets both from
 * the deployment): Cognito's `cognito:groups` with our names, or any OIDC provider's claim and names.
 */
const GROUPS_CLAIM = process.env.IDENTITY_GROUPS_CLAIM || 'cognito:groups';
const GROUP_NAMES: Record<string, string> = process.env.IDENTITY_GROUP_NAMES
  ? (JSON.parse(process.env.IDENTITY_GROUP_NAMES) as Record<string, string>)
  : {};

/** Our groups in verified claims. With a name mapping, only mapped provider groups count. */
export function groupsOfClaims(claims: Record<string, unknown>): string[] {
  const groups = groupsOf(claims[GROUPS_CLAIM]);
  const mapping = Object.entries(GROUP_NAMES);
  if (mapping.length === 0) return groups;
  return mapping.filter(([, theirs]) => groups.includes(theirs)).map(([ours]) => ours);
}

/** How a person is called: Cognito's username, else OIDC's preferred_username, else the subject. */
export function usernameOf(claims: Record<string, unknown>): string {
  return String(claims.username ?? claims['cognito:username'] ?? claims.preferred_username ?? claims.sub);
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
  if (!claims?.sub) throw new HttpError(401, 'Unauthorized', SIGN_IN_FIRST);
  return {
    sub: String(claims.sub),
    username: usernameOf(claims),
    groups: groupsOfClaims(claims),
  };
}

export function requireGroup(
  event: APIGatewayProxyEventV2,
  group: 'candidates' | 'assessors' | 'admins',
): Caller {
  const caller = callerOf(event);
  if (!caller.groups.includes(group))
    throw forbidden({ en: `Only ${group} may do this`, zh: `只有 ${group} 组的用户可以执行此操作` });
  return caller;
}

/**
 * The machine client the authorizer admitted. A client-credentials token is about the client itself: its
 * subject is its client id (RFC 9068 §2.2; Cognito does the same) and it names no user.
 */
export function machineClientOf(event: APIGatewayProxyEventV2): string {
  const claims = claimsOf(event);
  const clientId = claims?.client_id ?? claims?.azp;
  if (typeof clientId !== 'string' || claims?.sub !== clientId || claims?.username !== undefined)
    throw forbidden({
      en: 'This is asked by a partner machine client, not a person',
      zh: '此操作须由伙伴地区的机器客户端发起，而不是个人',
    });
  return clientId;
}

/**
 * A path parameter: present, at most 128 characters, and free of what text may not hold (control, bidi,
 * invisible characters, lone surrogates: domain/text.ts) — an id with those is never one we gave out, and
 * would otherwise reach a log line or a key. A 400 naming the parameter and why, in both languages.
 */
export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value)
    throw new HttpError(400, 'BadRequest', {
      en: `${name} is missing from the path`,
      zh: `路径中缺少 ${name}`,
    });
  if (value.length > 128)
    throw new HttpError(400, 'BadRequest', {
      en: `${name} must be at most 128 characters long`,
      zh: `${name} 最多 128 个字符`,
    });
  const problem = textProblem(value, 'name');
  if (problem || value !== value.trim())
    throw new HttpError(400, 'BadRequest', {
      en: `${name} ${problem?.en ?? 'must not begin or end with spaces'}`,
      zh: `${name} ${problem?.zh ?? '首尾不能有空格'}`,
    });
  return value;
}
