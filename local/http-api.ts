// The local API Gateway HTTP API: routes from the template, payload-format-2.0 events, the JWT
// authorizer's checks, and API Gateway's way of turning a function's answer into an HTTP response.
// The pure parts (matchRoute, buildEvent, checkJwtClaims, toHttpAnswer, TokenBucket, RouteThrottles) are
// exported for table-driven tests; startHttpApi wires them to node:http.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { LambdaInvoker } from './contracts.js';
import { renderAccessLog } from './log-metrics.js';
import type { LocalFunction, LocalHttpApi, LocalRoute, RouteAuthorization } from './model.js';

export interface HttpApiOptions {
  port?: number;
  api: LocalHttpApi;
  functions: LocalFunction[];
  invoker: LambdaInvoker;
  region: string;
  account: string;
  /** HTTP APIs here have one auto-deployed stage, `$default`, served at the root. */
  stageName?: '$default';
  /** One short line per request (and per hidden failure). */
  logger?: (line: string) => void;
  /** Receives each access log line, in the stage's AccessLogSettings format, when the stage has one. */
  accessLog?: (line: string) => void;
  /** The throttling buckets' clock, in milliseconds (tests); Date.now by default. */
  now?: () => number;
}

export interface LocalHttpApiServer {
  /** e.g. http://127.0.0.1:4100 (no trailing slash). */
  url: string;
  stop(): Promise<void>;
}

export interface RouteMatch {
  route: LocalRoute;
  pathParameters: Record<string, string>;
}

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's largest integration timeout for HTTP APIs; past it the caller gets 503. */
export const INTEGRATION_TIMEOUT_MS = 30_000;
/** API Gateway caches a JWT issuer's public keys for up to two hours. */
const JWKS_CACHE_MS = 2 * 60 * 60 * 1000;
/** API Gateway's JWT authorizer supports RSA signatures only. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

// ---------------------------------------------------------------------------------------------- routes

type SegmentKind = 'literal' | 'param' | 'greedy';

function segmentKind(segment: string): SegmentKind {
  if (/^\{[^{}]+\+\}$/.test(segment)) return 'greedy';
  if (/^\{[^{}]+\}$/.test(segment)) return 'param';
  return 'literal';
}

const KIND_RANK: Record<SegmentKind, number> = { literal: 2, param: 1, greedy: 0 };

/**
 * How specific a route is, compared left to right: each path segment (literal beats {param} beats
 * {proxy+}), then a named method beats ANY. $default is the least specific of all.
 */
export function routeSpecificity(routeKey: string): number[] {
  if (routeKey === '$default') return [-1];
  const [method = '', path = ''] = routeKey.split(' ');
  const segments = path.split('/').filter(Boolean);
  return [...segments.map((s) => KIND_RANK[segmentKind(s)]), method === 'ANY' ? 0 : 1];
}

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? -1) - (a[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // A malformed escape is matched as written, as API Gateway does not reject it either.
  }
}

/**
 * Matches one route key against a method and the raw request path; the path parameters when it matches.
 * As API Gateway HTTP APIs do: the raw path is percent-decoded once for matching (so `%2F` separates
 * segments), dot-segments are never resolved (`..`, `%2e%2e` are ordinary segment text, so they cannot
 * reach another route), and a path parameter's value is decoded once more when handed to the function.
 */
export function matchRouteKey(
  routeKey: string,
  method: string,
  path: string,
): Record<string, string> | undefined {
  if (routeKey === '$default') return {};
  const [routeMethod = '', routePath = ''] = routeKey.split(' ');
  if (routeMethod !== 'ANY' && routeMethod !== method.toUpperCase()) return undefined;
  const wanted = routePath.split('/').filter(Boolean);
  const actual = decodeSegment(path).split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i++) {
    const segment = wanted[i] as string;
    const kind = segmentKind(segment);
    if (kind === 'greedy') {
      // {proxy+} takes one or more segments and must be last.
      const rest = actual.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.slice(1, -2)] = decodeSegment(rest.join('/'));
      return params;
    }
    const value = actual[i];
    if (value === undefined) return undefined;
    if (kind === 'param') params[segment.slice(1, -1)] = decodeSegment(value);
    else if (segment !== value) return undefined;
  }
  return actual.length === wanted.length ? params : undefined;
}

/** The route API Gateway would choose for a method and path, or undefined (→ 404 Not Found). */
export function matchRoute(routes: LocalRoute[], method: string, path: string): RouteMatch | undefined {
  const candidates: RouteMatch[] = [];
  for (const route of routes) {
    const pathParameters = matchRouteKey(route.routeKey, method, path);
    if (pathParameters) candidates.push({ route, pathParameters });
  }
  candidates.sort((a, b) =>
    compareSpecificity(routeSpecificity(a.route.routeKey), routeSpecificity(b.route.routeKey)),
  );
  return candidates[0];
}

// ---------------------------------------------------------------------------------------------- events

export interface RawRequest {
  method: string;
  /** Path and query as received, e.g. "/attempts/a-1?draft=1". */
  url: string;
  /** Header name → values (node's headersDistinct); names in any case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  /** "HTTP/1.1" unless told. */
  protocol?: string;
}

export interface JwtAuthorizerContext {
  claims: Record<string, string>;
  scopes: string[];
}

/** A payload format 2.0 event, with the JWT authorizer's context when the route has one. */
export type HttpApiEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: { jwt: JwtAuthorizerContext } };
};

export interface EventContext {
  apiId: string;
  account: string;
  region: string;
  stage?: string;
  requestId: string;
  /** Request time; now unless told (tests). */
  now?: Date;
  authorizer?: { claims: JWTPayload; scopes: string[] };
}

/**
 * Content types an HTTP API passes to Lambda as text; everything else — no Content-Type at all,
 * application/x-www-form-urlencoded, multipart, `+json` types — arrives base64 with isBase64Encoded.
 * AWS's guide says only "if the content type is binary"; the split was observed on live HTTP APIs
 * (docs/local-cloud.md, "Where the local cloud is as strict as AWS").
 */
export function isTextual(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript'
  );
}

/** API Gateway hands every claim over as a string; arrays become "[a b]". */
export function stringifyClaims(claims: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [
      k,
      Array.isArray(v)
        ? `[${v.join(' ')}]`
        : v !== null && typeof v === 'object'
          ? JSON.stringify(v)
          : String(v),
    ]),
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** requestContext.time as API Gateway writes it: "12/Mar/2020:19:03:58 +0000". */
export function requestTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** Builds the API Gateway payload format 2.0 event for one request. */
export function buildEvent(request: RawRequest, match: RouteMatch, context: EventContext): HttpApiEvent {
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookies.push(...values.flatMap((v) => v.split(';').map((c) => c.trim())).filter(Boolean));
      continue;
    }
    // Repeated headers arrive comma-joined, as API Gateway sends them.
    headers[key] = headers[key] === undefined ? values.join(',') : `${headers[key]},${values.join(',')}`;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = context.now ?? new Date();
  const host = headers.host ?? 'localhost';
  const textual = isTextual(headers['content-type'] ?? '');
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: context.account,
      apiId: context.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol ?? 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: match.route.routeKey,
      stage: context.stage ?? '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
      ...(context.authorizer
        ? {
            authorizer: {
              jwt: { claims: stringifyClaims(context.authorizer.claims), scopes: context.authorizer.scopes },
            },
          }
        : {}),
    },
    isBase64Encoded: false,
  };
  if (request.body.length > 0) {
    event.body = textual ? request.body.toString('utf8') : request.body.toString('base64');
    event.isBase64Encoded = !textual;
  }
  return event;
}

// ------------------------------------------------------------------------------------------ authorizer

type JwtRoute = Extract<RouteAuthorization, { type: 'JWT' }>;

export type AuthDecision =
  | { ok: true; scopes: string[] }
  | { ok: false; status: 401 | 403; description: string };

/** The token in the route's identity source: the bare token or "Bearer <token>". */
export function tokenFromIdentitySource(
  identitySource: string,
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams,
): string | undefined {
  const source = identitySource.split(',')[0]?.trim() ?? '';
  let value: string | undefined;
  const header = /^\$request\.header\.(.+)$/i.exec(source);
  const querystring = /^\$request\.querystring\.(.+)$/i.exec(source);
  if (header?.[1]) {
    const raw = headers[header[1].toLowerCase()];
    value = Array.isArray(raw) ? raw[0] : raw;
  } else if (querystring?.[1]) {
    value = query.get(querystring[1]) ?? undefined;
  }
  if (!value) return undefined;
  const token = value.replace(/^Bearer\s+/i, '').trim();
  return token && !token.includes(' ') ? token : undefined;
}

/** The token's scopes, from `scope` (space separated) or `scp` (a list), as API Gateway reads them. */
export function scopesOf(claims: JWTPayload): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === 'string');
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean);
  return [];
}

/**
 * The authorizer's claim checks on a token whose signature is already verified: iss, aud (or client_id
 * only when aud is absent), exp, nbf, iat, and at least one of the route's scopes.
 */
export function checkJwtClaims(claims: JWTPayload, route: JwtRoute, nowSeconds: number): AuthDecision {
  const deny = (description: string): AuthDecision => ({ ok: false, status: 401, description });
  if (claims.iss !== route.issuer) return deny('the token does not have a valid issuer');
  const audiences = claims.aud === undefined ? undefined : [claims.aud].flat();
  const presented = audiences ?? (typeof claims.client_id === 'string' ? [claims.client_id] : []);
  if (!presented.some((a) => route.audience.includes(a)))
    return deny('the token does not have a valid audience');
  if (typeof claims.exp !== 'number') return deny('the token has no expiry');
  if (claims.exp <= nowSeconds) return deny('the token has expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds)) {
    return deny('the token is not valid yet');
  }
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > nowSeconds)) {
    return deny('the token was issued in the future');
  }
  const scopes = scopesOf(claims);
  if (route.scopes.length > 0 && !route.scopes.some((s) => scopes.includes(s))) {
    return { ok: false, status: 403, description: `expected scopes: [${route.scopes.join(' ')}]` };
  }
  return { ok: true, scopes };
}

// ----------------------------------------------------------------------------------------- responses

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** API Gateway's own answers: {"message": "..."} JSON. */
export function gatewayAnswer(
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export class MalformedResponseError extends Error {}

/**
 * API Gateway's mapping of a payload-2.0 function result to an HTTP response: an object with a
 * statusCode is taken as the response; anything else becomes the body of a 200 JSON response.
 * A structured result API Gateway could not use throws MalformedResponseError (→ 500).
 */
export function toHttpAnswer(result: unknown): HttpAnswer {
  const structured =
    result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result;
  if (!structured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const r = result as Record<string, unknown>;
  const statusCode = Number(r.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedResponseError(`statusCode ${String(r.statusCode)} is not an HTTP status`);
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') {
    throw new MalformedResponseError('body must be a string');
  }
  const headers: Record<string, string> = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) {
      throw new MalformedResponseError('headers must be an object');
    }
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === undefined || v === null) continue;
      headers[k.toLowerCase()] = String(v);
    }
  }
  const cookies = Array.isArray(r.cookies) ? r.cookies.map(String) : [];
  const body =
    typeof r.body === 'string'
      ? Buffer.from(r.body, r.isBase64Encoded === true ? 'base64' : 'utf8')
      : Buffer.alloc(0);
  return { statusCode, headers, cookies, body };
}

/** CORS headers for a request from `origin` under the API's CORS configuration (none if not allowed). */
export function corsHeadersFor(
  cors: LocalHttpApi['cors'],
  origin: string | undefined,
  kind: 'actual' | 'preflight' = 'actual',
): Record<string, string> {
  if (!cors || !origin) return {};
  const allowed: Record<string, string> | undefined = cors.allowOrigins.includes('*')
    ? { 'access-control-allow-origin': '*' }
    : cors.allowOrigins.includes(origin)
      ? { 'access-control-allow-origin': origin, vary: 'origin' }
      : undefined;
  if (!allowed) return {};
  return {
    ...allowed,
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    // Expose-Headers matters on the actual response only (Fetch standard, CORS check).
    ...(kind === 'actual' && cors.exposeHeaders?.length
      ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') }
      : {}),
  };
}

/** One throttling budget: a bucket of `burst` tokens refilled at `ratePerSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly burst: number,
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Route-level throttling as HTTP APIs do it: every route key has its own token bucket, with the
 * limits of the stage's RouteSettings for that route, or else of its DefaultRouteSettings. Buckets
 * are never shared between routes (the default limits apply to each route on its own) and are not
 * split by caller. A route with neither is not throttled.
 */
export class RouteThrottles {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    private readonly limits: Pick<LocalHttpApi, 'throttle' | 'routeThrottles'>,
    private readonly now: () => number = Date.now,
  ) {}
  /** Takes a token from `routeKey`'s bucket: false means the request is throttled (429). */
  take(routeKey: string): boolean {
    let bucket = this.buckets.get(routeKey);
    if (!bucket) {
      const limits = this.limits.routeThrottles?.[routeKey] ?? this.limits.throttle;
      if (!limits) return true;
      bucket = new TokenBucket(limits.burstLimit, limits.rateLimit, this.now);
      this.buckets.set(routeKey, bucket);
    }
    return bucket.take();
  }
}

/** An API Gateway-style request id (e.g. "Mc7UVioPPHcEKPA="). */
function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** What a failed jose verification means, in the words API Gateway uses where it has them. */
export function describeVerifyError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return 'the token is not valid yet';
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'the token does not have a valid signature';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'the token does not have a valid kid';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return `could not get the issuer's keys (${error.message})`;
  }
  if (error instanceof joseErrors.JOSEError) return `invalid token (${error.message})`;
  return `could not verify the token (${(error as Error).message})`;
}

// -------------------------------------------------------------------------------------------- server

interface Outcome {
  answer: HttpAnswer;
  routeKey?: string;
  /** Why the gateway refused or failed: logged, never sent. */
  note?: string;
  /** A CORS preflight the gateway answered itself: its headers are final. */
  preflight?: boolean;
}

export async function startHttpApi(options: HttpApiOptions): Promise<LocalHttpApiServer> {
  const log = options.logger ?? (() => {});
  const { api } = options;
  const stage = options.stageName ?? '$default';
  const functionsById = new Map(options.functions.map((f) => [f.logicalId, f]));
  const throttles = new RouteThrottles(api, options.now);

  // Issuer → its key set, found through the discovery document (as API Gateway does) and cached.
  const keySets = new Map<string, Promise<ReturnType<typeof createRemoteJWKSet>>>();
  function keySetFor(issuer: string) {
    let keySet = keySets.get(issuer);
    if (!keySet) {
      keySet = (async () => {
        const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) throw new Error(`discovery document: HTTP ${response.status}`);
        const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
        if (typeof jwksUri !== 'string') throw new Error('discovery document has no jwks_uri');
        return createRemoteJWKSet(new URL(jwksUri), { cacheMaxAge: JWKS_CACHE_MS, timeoutDuration: 5000 });
      })();
      keySets.set(issuer, keySet);
      // A failed discovery is not cached: the next request tries again.
      keySet.catch(() => keySets.delete(issuer));
    }
    return keySet;
  }

  async function authorize(route: JwtRoute, request: IncomingMessage, query: URLSearchParams) {
    const deny = (description: string): { decision: AuthDecision; claims?: JWTPayload } => ({
      decision: { ok: false, status: 401, description },
    });
    const token = tokenFromIdentitySource(route.identitySource, request.headersDistinct, query);
    if (!token) return deny('no token');
    try {
      if (!decodeProtectedHeader(token).kid) return deny('the token has no kid');
    } catch {
      return deny('the token is not a JWT');
    }
    let keySet: Awaited<ReturnType<typeof keySetFor>>;
    try {
      keySet = await keySetFor(route.issuer);
    } catch (error) {
      // The issuer is down or misconfigured: the caller sees 401, the log says why.
      return deny(`could not get the issuer's keys (${(error as Error).message})`);
    }
    try {
      const { payload } = await jwtVerify(token, keySet, { algorithms: JWT_ALGORITHMS });
      return { decision: checkJwtClaims(payload, route, Math.floor(Date.now() / 1000)), claims: payload };
    } catch (error) {
      return deny(describeVerifyError(error));
    }
  }

  async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
    // The whole body is drained even when too large, so the 413 reaches a client still sending.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
  }

  function withTimeout<T>(promise: Promise<T>): Promise<T | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  async function handle(request: IncomingMessage, requestId: string): Promise<Outcome> {
    const method = (request.method ?? 'GET').toUpperCase();
    const rawUrl = request.url ?? '/';
    const url = new URL(rawUrl, 'http://localhost');

    // With CORS configured, API Gateway answers every preflight itself, whatever the routes.
    if (
      method === 'OPTIONS' &&
      api.cors &&
      request.headers.origin &&
      request.headers['access-control-request-method']
    ) {
      request.resume();
      const allowed = corsHeadersFor(api.cors, request.headers.origin, 'preflight');
      const headers: Record<string, string> = allowed['access-control-allow-origin']
        ? {
            ...allowed,
            'access-control-allow-methods': api.cors.allowMethods.join(','),
            'access-control-allow-headers': api.cors.allowHeaders.join(','),
            ...(api.cors.maxAge !== undefined ? { 'access-control-max-age': String(api.cors.maxAge) } : {}),
          }
        : {};
      return {
        answer: { statusCode: 204, headers, cookies: [], body: Buffer.alloc(0) },
        preflight: true,
        note: headers['access-control-allow-origin'] ? 'preflight' : 'preflight, origin not allowed',
      };
    }

    // Throttling is per route, so the route is chosen first; a request no route takes is not throttled.
    // The raw path, not url.pathname: WHATWG URL parsing resolves `..` and `%2e%2e`, which would let
    // `/assessor/reviews/x/%2e%2e` reach another route (docs/security.md, routing).
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const match = matchRoute(api.routes, method, rawPath);
    if (match && !throttles.take(match.route.routeKey)) {
      request.resume();
      return {
        answer: gatewayAnswer(429, 'Too Many Requests'),
        routeKey: match.route.routeKey,
        note: 'throttled',
      };
    }

    const body = await readBody(request);
    if (!body) return { answer: gatewayAnswer(413, 'Request Entity Too Large'), note: 'body over 10 MB' };

    if (!match) return { answer: gatewayAnswer(404, 'Not Found') };
    const routeKey = match.route.routeKey;

    let authorizer: EventContext['authorizer'];
    if (match.route.authorization.type === 'JWT') {
      const { decision, claims } = await authorize(match.route.authorization, request, url.searchParams);
      if (!decision.ok) {
        const scope = decision.status === 403 ? match.route.authorization.scopes.join(' ') : '';
        const error = decision.status === 403 ? 'insufficient_scope' : 'invalid_token';
        const challenge =
          decision.description === 'no token'
            ? 'Bearer'
            : `Bearer scope="${scope}" error="${error}" error_description="${decision.description}"`;
        return {
          answer: gatewayAnswer(decision.status, decision.status === 401 ? 'Unauthorized' : 'Forbidden', {
            'www-authenticate': challenge,
          }),
          routeKey,
          note: `jwt: ${decision.description}`,
        };
      }
      authorizer = { claims: claims ?? {}, scopes: decision.scopes };
    }

    const fn = functionsById.get(match.route.functionLogicalId);
    if (!fn) {
      return {
        answer: gatewayAnswer(500, 'Internal Server Error'),
        routeKey,
        note: `no function ${match.route.functionLogicalId}`,
      };
    }
    const sourceIp = request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    const headers: Record<string, string | string[] | undefined> = {
      ...request.headersDistinct,
      'x-forwarded-for': sourceIp,
      'x-forwarded-port': String(request.socket.localPort ?? ''),
      'x-forwarded-proto': 'http',
      'x-amzn-trace-id': traceId(),
    };
    const event = buildEvent(
      { method, url: rawUrl, headers, body, sourceIp, protocol: `HTTP/${request.httpVersion}` },
      match,
      {
        apiId: api.apiId,
        account: options.account,
        region: options.region,
        stage,
        requestId,
        ...(authorizer ? { authorizer } : {}),
      },
    );
    const internal = (note: string): Outcome => ({
      answer: gatewayAnswer(500, 'Internal Server Error'),
      routeKey,
      note,
    });
    let outcome: Awaited<ReturnType<LambdaInvoker['invoke']>> | 'timeout';
    try {
      outcome = await withTimeout(options.invoker.invoke(fn.functionName, event));
    } catch (error) {
      return internal(
        `invoke ${fn.functionName} threw ${(error as Error).name}: ${(error as Error).message}`,
      );
    }
    if (outcome === 'timeout') {
      return {
        answer: gatewayAnswer(503, 'Service Unavailable'),
        routeKey,
        note: 'integration timed out (30 s)',
      };
    }
    // API Gateway never shows the function's error to the caller; the log line keeps it for the developer.
    if (!outcome.ok) return internal(`${fn.logicalId} failed: ${outcome.errorType}: ${outcome.errorMessage}`);
    try {
      return { answer: toHttpAnswer(outcome.payload), routeKey };
    } catch (error) {
      return internal(`${fn.logicalId} returned a malformed response: ${(error as Error).message}`);
    }
  }

  function reply(response: ServerResponse, outcome: Outcome, origin: string | undefined, requestId: string) {
    const { answer } = outcome;
    const headers: Record<string, string | string[]> = { ...answer.headers };
    if (api.cors && !outcome.preflight) {
      // With CORS configured, API Gateway replaces whatever CORS headers the integration sent.
      for (const name of Object.keys(headers)) if (name.startsWith('access-control-')) delete headers[name];
      Object.assign(headers, corsHeadersFor(api.cors, origin));
    }
    headers['content-length'] = String(answer.body.length);
    headers['apigw-requestid'] = requestId;
    if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
    response.writeHead(answer.statusCode, headers);
    response.end(answer.body);
  }

  const server = createServer(async (request, response) => {
    const started = Date.now();
    const requestId = newRequestId();
    let outcome: Outcome;
    try {
      outcome = await handle(request, requestId);
    } catch (error) {
      outcome = {
        answer: gatewayAnswer(500, 'Internal Server Error'),
        note: `http-api internal error: ${(error as Error).stack ?? String(error)}`,
      };
    }
    reply(response, outcome, request.headers.origin, requestId);
    // Path only: query strings may carry things that do not belong in a log.
    const path = (request.url ?? '/').split('?')[0];
    if (api.accessLog && options.accessLog) {
      options.accessLog(
        renderAccessLog(api.accessLog.format, {
          requestId,
          'identity.sourceIp': request.socket.remoteAddress?.replace(/^::ffff:/, ''),
          requestTime: new Date(started).toISOString(),
          httpMethod: request.method,
          path,
          routeKey: outcome.routeKey ?? '-',
          status: outcome.answer.statusCode,
          responseLatency: Date.now() - started,
          integrationErrorMessage: outcome.note?.startsWith('jwt:') ? undefined : outcome.note,
          'authorizer.error': outcome.note?.startsWith('jwt:') ? outcome.note.slice(5) : undefined,
        }),
      );
    }
    log(
      `${request.method} ${path} ${outcome.answer.statusCode} ${Date.now() - started}ms` +
        `${outcome.routeKey ? ` (${outcome.routeKey})` : ''}${outcome.note ? ` — ${outcome.note}` : ''}`,
    );
  });
  // Node closes an idle kept-alive connection after 5 s; a client whose event loop was busy longer (a test
  // building a 3 MiB item bank, a phone's tab in the background) then writes its next request onto a
  // socket being closed and gets ECONNRESET. API Gateway keeps idle connections far longer; so do we.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
