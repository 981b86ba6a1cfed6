// The local API Gateway HTTP API: routes from the template, payload-format-2.0 events, the JWT
// authorizer's checks, and API Gateway's way of turning a function's answer into an HTTP response.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { LambdaInvoker } from './contracts.js';
import type { LocalFunction, LocalHttpApi, LocalRoute } from './model.js';

export interface HttpApiOptions {
  port?: number;
  api: LocalHttpApi;
  functions: LocalFunction[];
  invoker: LambdaInvoker;
  region: string;
  account: string;
  logger?: (line: string) => void;
}

export interface RouteMatch {
  route: LocalRoute;
  pathParameters: Record<string, string>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** How specific a route is: API Gateway prefers exact segments, then {param}, then {proxy+}, then $default. */
function specificity(routeKey: string): number[] {
  if (routeKey === '$default') return [-1];
  const [method = '', path = ''] = routeKey.split(' ');
  const segments = path.split('/').filter(Boolean);
  return [
    method === 'ANY' ? 0 : 1,
    ...segments.map((s) => (s.endsWith('+}') ? 0 : s.startsWith('{') ? 1 : 2)),
    segments.length,
  ];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? -1) - (a[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Finds the route API Gateway would choose for a method and path. */
export function matchRoute(routes: LocalRoute[], method: string, path: string): RouteMatch | undefined {
  const requestSegments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const candidates: RouteMatch[] = [];
  for (const route of routes) {
    if (route.routeKey === '$default') {
      candidates.push({ route, pathParameters: {} });
      continue;
    }
    const [routeMethod, routePath = ''] = route.routeKey.split(' ');
    if (routeMethod !== 'ANY' && routeMethod !== method) continue;
    const segments = routePath.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        const rest = requestSegments.slice(i);
        if (rest.length === 0) ok = false;
        else params[greedy[1]] = rest.join('/');
        break;
      }
      const actual = requestSegments[i];
      if (actual === undefined) {
        ok = false;
        break;
      }
      const param = /^\{(.+)\}$/.exec(segment);
      if (param?.[1]) params[param[1]] = actual;
      else if (segment !== actual) ok = false;
      if (!ok) break;
      if (i === segments.length - 1 && requestSegments.length !== segments.length) ok = false;
    }
    if (segments.length === 0 && requestSegments.length !== 0) ok = false;
    if (ok) candidates.push({ route, pathParameters: params });
  }
  candidates.sort((a, b) => compare(specificity(a.route.routeKey), specificity(b.route.routeKey)));
  return candidates[0];
}

export interface RawRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  sourceIp: string;
}

function isTextual(contentType: string): boolean {
  return (
    contentType === '' ||
    /^(text\/|application\/(json|x-www-form-urlencoded|xml|[a-z.+-]*\+json))/.test(contentType)
  );
}

/** Builds the API Gateway payload format 2.0 event for one request. */
export function buildEvent(
  request: RawRequest,
  match: RouteMatch,
  context: {
    apiId: string;
    account: string;
    region: string;
    authorizer?: { claims: JWTPayload; scopes: string[] };
  },
) {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/).filter(Boolean));
    else headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  const textual = isTextual(contentType);
  const hasBody = request.body.length > 0;
  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: context.account,
      apiId: context.apiId,
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method: request.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: match.route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(context.authorizer
        ? {
            authorizer: {
              jwt: {
                // API Gateway hands claims over as strings; arrays become "[a b]".
                claims: Object.fromEntries(
                  Object.entries(context.authorizer.claims).map(([k, v]) => [
                    k,
                    Array.isArray(v)
                      ? `[${v.join(' ')}]`
                      : typeof v === 'object'
                        ? JSON.stringify(v)
                        : String(v),
                  ]),
                ),
                scopes: context.authorizer.scopes,
              },
            },
          }
        : {}),
    },
    ...(hasBody
      ? {
          body: textual ? request.body.toString('utf8') : request.body.toString('base64'),
          isBase64Encoded: !textual,
        }
      : { isBase64Encoded: false }),
  };
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** API Gateway's mapping of a payload-2.0 function result to an HTTP response. */
export function toHttpAnswer(result: unknown): HttpAnswer {
  const isStructured =
    result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result;
  if (!isStructured) {
    // A bare value is the body of a 200 JSON response.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const r = result as {
    statusCode: number;
    headers?: Record<string, string | number | boolean>;
    cookies?: string[];
    body?: string;
    isBase64Encoded?: boolean;
  };
  const headers = Object.fromEntries(
    Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const body =
    r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  return { statusCode: Number(r.statusCode), headers, cookies: r.cookies ?? [], body };
}

/** Token bucket per API, as the stage's default throttling. */
class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly burst: number,
    private readonly ratePerSecond: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

type AuthOutcome = { ok: true; claims: JWTPayload; scopes: string[] } | { ok: false; status: 401 | 403 };

export async function startHttpApi(options: HttpApiOptions) {
  const log = options.logger ?? (() => {});
  const { api } = options;
  const functionsById = new Map(options.functions.map((f) => [f.logicalId, f]));
  const jwksByIssuer = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const bucket = api.throttle ? new TokenBucket(api.throttle.burstLimit, api.throttle.rateLimit) : undefined;

  async function authorize(route: LocalRoute, headers: IncomingMessage['headers']): Promise<AuthOutcome> {
    if (route.authorization.type !== 'JWT') return { ok: true, claims: {}, scopes: [] };
    const { issuer, audience, scopes } = route.authorization;
    const header = String(headers.authorization ?? '');
    const token =
      /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? (header && !header.includes(' ') ? header : undefined);
    if (!token) return { ok: false, status: 401 };
    let jwks = jwksByIssuer.get(issuer);
    if (!jwks) {
      // Like API Gateway: discover the JWKS from the issuer's metadata, then cache it.
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
        jwks_uri: string;
      };
      jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
      jwksByIssuer.set(issuer, jwks);
    }
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer, clockTolerance: 0 });
      const audiences = [payload.aud ?? []].flat();
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
      if (!audiences.some((a) => audience.includes(a)) && !(clientId && audience.includes(clientId))) {
        return { ok: false, status: 401 };
      }
      const granted = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
      if (scopes.length > 0 && !scopes.some((s) => granted.includes(s))) return { ok: false, status: 403 };
      return { ok: true, claims: payload, scopes: granted };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return { ok: false, status: 401 };
      throw error;
    }
  }

  function corsHeaders(origin: string | undefined): Record<string, string> {
    const cors = api.cors;
    if (!cors || !origin) return {};
    if (!cors.allowOrigins.includes('*') && !cors.allowOrigins.includes(origin)) return {};
    return { 'access-control-allow-origin': cors.allowOrigins.includes('*') ? '*' : origin };
  }

  function reply(response: ServerResponse, answer: HttpAnswer, extra: Record<string, string> = {}) {
    const headers: Record<string, string | string[]> = {
      ...answer.headers,
      ...extra,
      'content-length': String(answer.body.length),
      'apigw-requestid': randomUUID(),
    };
    if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
    response.writeHead(answer.statusCode, headers);
    response.end(answer.body);
  }

  const message = (statusCode: number, text: string, headers: Record<string, string> = {}): HttpAnswer => ({
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message: text })),
  });

  async function handle(request: IncomingMessage): Promise<HttpAnswer> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://localhost');
    const origin = request.headers.origin;

    if (method === 'OPTIONS' && api.cors && request.headers['access-control-request-method']) {
      const allowed = corsHeaders(origin);
      if (!allowed['access-control-allow-origin']) return message(403, 'Forbidden');
      return {
        statusCode: 204,
        headers: {
          ...allowed,
          'access-control-allow-methods': api.cors.allowMethods.join(','),
          'access-control-allow-headers': api.cors.allowHeaders.join(','),
          ...(api.cors.maxAge !== undefined ? { 'access-control-max-age': String(api.cors.maxAge) } : {}),
        },
        cookies: [],
        body: Buffer.alloc(0),
      };
    }
    if (bucket && !bucket.take()) return message(429, 'Too Many Requests');

    const match = matchRoute(api.routes, method, url.pathname);
    if (!match) return message(404, 'Not Found');
    const auth = await authorize(match.route, request.headers);
    if (!auth.ok) {
      return auth.status === 401
        ? message(401, 'Unauthorized', { 'www-authenticate': 'Bearer' })
        : message(403, 'Forbidden', { 'www-authenticate': 'Bearer error="insufficient_scope"' });
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return message(413, 'Request Entity Too Large');
      chunks.push(chunk as Buffer);
    }
    const fn = functionsById.get(match.route.functionLogicalId);
    if (!fn) return message(500, 'Internal Server Error');
    const event = buildEvent(
      {
        method,
        url: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks),
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      },
      match,
      {
        apiId: api.apiId,
        account: options.account,
        region: options.region,
        ...(match.route.authorization.type === 'JWT'
          ? { authorizer: { claims: auth.claims, scopes: auth.scopes } }
          : {}),
      },
    );
    const outcome = await options.invoker.invoke(fn.functionName, event);
    if (!outcome.ok) {
      // API Gateway never shows the function's error to the caller.
      log(`${fn.logicalId} failed: ${outcome.errorType}: ${outcome.errorMessage}`);
      return message(500, 'Internal Server Error');
    }
    try {
      return toHttpAnswer(outcome.payload);
    } catch {
      return message(500, 'Internal Server Error');
    }
  }

  const server = createServer(async (request, response) => {
    const started = Date.now();
    let answer: HttpAnswer;
    try {
      answer = await handle(request);
    } catch (error) {
      log(`http-api internal error: ${(error as Error).stack ?? String(error)}`);
      answer = message(500, 'Internal Server Error');
    }
    reply(response, answer, corsHeaders(request.headers.origin));
    log(`${request.method} ${request.url} ${answer.statusCode} ${Date.now() - started}ms`);
  });
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
