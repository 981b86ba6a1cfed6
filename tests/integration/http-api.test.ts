// The local API Gateway, Cognito and EventBridge stand-ins, each started on its own and wired together
// with real tokens from the token endpoint and a small LambdaInvoker written here (not a mock of AWS):
// the JWT authorizer accepts and refuses as API Gateway does, function errors never leak, CORS,
// throttling and PutEvents through the real @aws-sdk/client-eventbridge. The last part runs the main
// stack's own /me handler and published keys on the whole local cloud.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  compactVerify,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSigner } from '../../functions/adapters/local-signer.js';
import { signCompactJws } from '../../functions/shared/signing.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import type { InvokeOutcome, LambdaInvoker } from '../../local/contracts.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { type LocalEventBusService, startEventBus } from '../../local/event-bus.js';
import {
  type HttpApiEvent,
  type LocalHttpApiServer,
  MAX_BODY_BYTES,
  startHttpApi,
} from '../../local/http-api.js';
import type { LocalFunction, LocalHttpApi, LocalRoute, LocalUserPool } from '../../local/model.js';
import { type OidcIssuer, startOidcIssuer } from '../../local/oidc-issuer.js';
import { synthesizeRegion } from '../../local/synth.js';
import { eventually } from '../support/eventually.js';

const REGION = 'ap-southeast-1';
const ACCOUNT = '000000000000';
const POOL = 'ap-southeast-1_Local1';
const OTHER_POOL = 'ap-southeast-1_Other1';
const WEB = 'web-client';
const PARTNER = 'partner-client';
const VERIFIER = 'verifier-client';
const candidate = DEV_USERS.find((u) => u.groups.includes('candidates') && u.username === 'zhangwei');
const admin = DEV_USERS.find((u) => u.groups.includes('admins'));

const userPools: LocalUserPool[] = [
  {
    logicalId: 'UserPool',
    userPoolId: POOL,
    issuer: '', // the issuer's URL is known once it listens; the routes below use issuerFor()
    groups: ['candidates', 'assessors', 'admins'],
    clients: [
      {
        logicalId: 'WebClient',
        clientId: WEB,
        generateSecret: false,
        allowedOAuthFlows: ['code'],
        allowedOAuthScopes: ['openid', 'email', 'profile'],
      },
      {
        logicalId: 'PartnerClient',
        clientId: PARTNER,
        generateSecret: true,
        allowedOAuthFlows: ['client_credentials'],
        allowedOAuthScopes: ['skillcert/verify', 'skillcert/recognize'],
      },
      {
        logicalId: 'VerifierClient',
        clientId: VERIFIER,
        generateSecret: true,
        allowedOAuthFlows: ['client_credentials'],
        allowedOAuthScopes: ['skillcert/verify'],
      },
    ],
    resourceServers: [{ identifier: 'skillcert', scopes: ['verify', 'recognize'] }],
  },
  {
    // Another pool on the same issuer host and key, with a client of the same id: only `iss` differs.
    logicalId: 'OtherPool',
    userPoolId: OTHER_POOL,
    issuer: '',
    groups: ['candidates'],
    clients: [
      {
        logicalId: 'OtherWeb',
        clientId: WEB,
        generateSecret: false,
        allowedOAuthFlows: ['code'],
        allowedOAuthScopes: ['openid'],
      },
    ],
    resourceServers: [],
  },
];

const fn = (logicalId: string): LocalFunction => ({
  logicalId,
  functionName: `skillcert-${logicalId.toLowerCase()}`,
  arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:skillcert-${logicalId.toLowerCase()}`,
  handler: 'index.handler',
  assetDir: '/nowhere',
  runtime: 'nodejs24.x',
  timeoutSeconds: 3,
  memoryMb: 128,
  environment: {},
});
const functions = ['Echo', 'Crash', 'Throws', 'Malformed', 'Publish'].map(fn);

let oidc: OidcIssuer;
let bus: LocalEventBusService;
let api: LocalHttpApiServer;
let throttled: LocalHttpApiServer;
let issuer: string;
const logLines: string[] = [];
const invocations: HttpApiEvent[] = [];
const secretOf = (clientId: string) =>
  oidc.clients.find((c) => c.clientId === clientId)?.clientSecret as string;

/** Stands in for the Lambda runtime: a few functions written here, called as the runtime would call them. */
const invoker: LambdaInvoker = {
  async invoke(name, payload): Promise<InvokeOutcome> {
    const event = payload as HttpApiEvent;
    invocations.push(event);
    switch (name) {
      case 'skillcert-echo':
        return {
          ok: true,
          payload: {
            statusCode: 200,
            // The gateway replaces an integration's CORS headers with its own.
            headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' },
            cookies: ['seen=1; Path=/'],
            body: JSON.stringify(event),
          },
        };
      case 'skillcert-crash':
        return {
          ok: false,
          errorType: 'TypeError',
          errorMessage: "Cannot read properties of undefined (reading 'nationalId') at /var/task/secret.js",
          trace: ['TypeError: at /var/task/secret.js:1:1'],
        };
      case 'skillcert-throws':
        throw new Error('runtime exploded: /var/task/secret.js');
      case 'skillcert-malformed':
        return { ok: true, payload: { statusCode: 200, body: { national: 'secret' } } };
      case 'skillcert-publish': {
        // A function publishing through the real SDK, as a handler with AWS_ENDPOINT_URL_EVENTBRIDGE would.
        const client = new EventBridgeClient({
          region: REGION,
          endpoint: bus.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        const result = await client.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: 'skillcert',
                Source: 'skillcert.test',
                DetailType: 'Published',
                Detail: event.body ?? '{}',
                Time: new Date('2024-06-01T08:00:00Z'),
              },
            ],
          }),
        );
        client.destroy();
        return { ok: true, payload: { eventId: result.Entries?.[0]?.EventId } };
      }
      default:
        throw Object.assign(new Error(`Function not found: ${name}`), { name: 'ResourceNotFoundException' });
    }
  },
};

async function token(pool: string, form: Record<string, string>, basic?: string, contentType?: string) {
  const response = await fetch(`${oidc.issuerFor(pool)}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': contentType ?? 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
    },
    body: contentType ? JSON.stringify(form) : new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, string>,
  };
}

async function userTokens(username: string, password: string, pool = POOL) {
  const { status, body } = await token(pool, { grant_type: 'password', client_id: WEB, username, password });
  expect(status).toBe(200);
  return { access: body.access_token as string, id: body.id_token as string };
}

async function partnerToken(clientId: string, scope?: string) {
  const { status, body } = await token(
    POOL,
    { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
    `${clientId}:${secretOf(clientId)}`,
  );
  expect(status).toBe(200);
  return body.access_token as string;
}

async function call(
  path: string,
  init: { method?: string; bearer?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  base = api.url,
) {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

const jsonOf = (text: string) => JSON.parse(text) as Record<string, unknown>;
const eventOf = (text: string) => JSON.parse(text) as HttpApiEvent;

beforeAll(async () => {
  oidc = await startOidcIssuer({ userPools, region: REGION });
  issuer = oidc.issuerFor(POOL);
  bus = await startEventBus({
    buses: [
      { logicalId: 'Bus', name: 'skillcert', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/skillcert` },
    ],
  });
  const jwt = (audience: string[], scopes: string[] = []) => ({
    type: 'JWT' as const,
    authorizerId: 'Authorizer',
    issuer,
    audience,
    scopes,
    identitySource: '$request.header.Authorization',
  });
  const none = { type: 'NONE' as const };
  const route = (
    routeKey: string,
    functionLogicalId: string,
    authorization: LocalRoute['authorization'],
  ) => ({
    routeKey,
    functionLogicalId,
    authorization,
  });
  const definition: LocalHttpApi = {
    logicalId: 'HttpApi',
    apiId: 'abc123',
    routes: [
      route('GET /public/{name}', 'Echo', none),
      route('ANY /echo/{proxy+}', 'Echo', none),
      route('GET /me', 'Echo', jwt([WEB])),
      route('POST /partner/verify', 'Echo', jwt([PARTNER, VERIFIER], ['skillcert/verify'])),
      route('POST /partner/recognize', 'Echo', jwt([PARTNER, VERIFIER], ['skillcert/recognize'])),
      route('GET /elsewhere', 'Echo', { ...jwt([WEB]), issuer: 'http://127.0.0.1:9/unreachable' }),
      route('GET /crash', 'Crash', none),
      route('GET /throws', 'Throws', none),
      route('GET /malformed', 'Malformed', none),
      route('GET /orphan', 'NoSuchFunction', none),
      route('POST /events', 'Publish', none),
    ],
    cors: {
      allowOrigins: ['https://exam.neijiang.example'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    },
  };
  api = await startHttpApi({
    api: definition,
    functions,
    invoker,
    region: REGION,
    account: ACCOUNT,
    stageName: '$default',
    logger: (line) => logLines.push(line),
  });
  throttled = await startHttpApi({
    api: { ...definition, apiId: 'slow', throttle: { burstLimit: 3, rateLimit: 0.001 } },
    functions,
    invoker,
    region: REGION,
    account: ACCOUNT,
  });
});

afterAll(async () => {
  await Promise.all([api?.stop(), throttled?.stop()]);
  await Promise.all([oidc?.stop(), bus?.stop()]);
});

describe('the local issuer', () => {
  it('publishes discovery and an RS256 key set per user pool, as Cognito does', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      string
    >;
    expect(discovery).toMatchObject({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/oauth2/token`,
    });
    const jwks = (await (await fetch(discovery.jwks_uri as string)).json()) as {
      keys: Record<string, string>[];
    };
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: oidc.kid }),
    ]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const unknown = await fetch(`${oidc.baseUrl}/no-such-pool/.well-known/jwks.json`);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([404, 'not_found']);
  });

  it('gives a seeded user Cognito-shaped access and ID tokens', async () => {
    const { access, id } = await userTokens(candidate?.username as string, candidate?.password as string);
    const sub = oidc.subjectOf(POOL, 'zhangwei');
    expect(decodeJwt(access)).toEqual({
      sub,
      'cognito:groups': ['candidates'],
      iss: issuer,
      version: 2,
      client_id: WEB,
      origin_jti: expect.any(String),
      event_id: expect.any(String),
      token_use: 'access',
      scope: 'openid email profile',
      auth_time: expect.any(Number),
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: expect.any(String),
      username: 'zhangwei',
    });
    // The ID token verifies against the published keys and carries the conflict-of-interest attributes.
    const keys = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(id, keys, { issuer, audience: WEB });
    expect(payload).toMatchObject({
      sub,
      aud: WEB,
      token_use: 'id',
      'cognito:username': 'zhangwei',
      'cognito:groups': ['candidates'],
      email: 'zhangwei@example.cn',
      email_verified: true,
      'custom:employer': '内江机械厂 Neijiang Machinery Works',
      'custom:trainingOrg': candidate?.trainingOrg,
      origin_jti: decodeJwt(access).origin_jti,
    });
    expect(oidc.lookupUser(POOL, sub)).toEqual({
      username: 'zhangwei',
      sub,
      groups: ['candidates'],
      attributes: expect.objectContaining({ 'custom:employer': '内江机械厂 Neijiang Machinery Works' }),
    });
  });

  it('gives a partner client a machine token with only the scopes it may hold', async () => {
    const both = decodeJwt(await partnerToken(PARTNER));
    expect(both).toMatchObject({ sub: PARTNER, client_id: PARTNER, token_use: 'access', iss: issuer });
    expect(both.scope).toBe('skillcert/verify skillcert/recognize');
    expect(both).not.toHaveProperty('cognito:groups');
    expect(both).not.toHaveProperty('username');
    expect(decodeJwt(await partnerToken(PARTNER, 'skillcert/verify')).scope).toBe('skillcert/verify');
    // Credentials in the body work as well as HTTP Basic.
    const viaBody = await token(POOL, {
      grant_type: 'client_credentials',
      client_id: VERIFIER,
      client_secret: secretOf(VERIFIER),
    });
    expect([viaBody.status, decodeJwt(viaBody.body.access_token as string).scope]).toEqual([
      200,
      'skillcert/verify',
    ]);
  });

  it.each([
    [
      'a wrong secret (Basic)',
      { grant_type: 'client_credentials' },
      `${PARTNER}:wrong`,
      401,
      'invalid_client',
    ],
    [
      'a wrong secret (body)',
      { grant_type: 'client_credentials', client_id: PARTNER, client_secret: 'x' },
      undefined,
      400,
      'invalid_client',
    ],
    [
      'no secret for a confidential client',
      { grant_type: 'client_credentials', client_id: PARTNER },
      undefined,
      400,
      'invalid_client',
    ],
    ['an unknown client', { grant_type: 'client_credentials' }, 'nobody:x', 401, 'invalid_client'],
    [
      'a scope the client may not hold',
      { grant_type: 'client_credentials', scope: 'skillcert/recognize' },
      'VERIFIER',
      400,
      'invalid_scope',
    ],
    [
      'client_credentials for the public web client',
      { grant_type: 'client_credentials', client_id: WEB },
      undefined,
      400,
      'unauthorized_client',
    ],
    [
      'a user sign-in through a machine client',
      { grant_type: 'password', username: 'zhangwei', password: 'x' },
      'PARTNER',
      400,
      'unauthorized_client',
    ],
    [
      'a wrong password',
      { grant_type: 'password', client_id: WEB, username: 'zhangwei', password: 'nope' },
      undefined,
      400,
      'invalid_grant',
    ],
    [
      'an unknown user',
      { grant_type: 'password', client_id: WEB, username: 'ghost', password: 'x' },
      undefined,
      400,
      'invalid_grant',
    ],
    [
      'an unknown grant',
      { grant_type: 'implicit', client_id: WEB },
      undefined,
      400,
      'unsupported_grant_type',
    ],
    ['no grant', { client_id: WEB }, undefined, 400, 'invalid_request'],
  ])('answers %s with an RFC 6749 error', async (_name, form, basic, status, error) => {
    const credentials =
      basic === 'VERIFIER'
        ? `${VERIFIER}:${secretOf(VERIFIER)}`
        : basic === 'PARTNER'
          ? `${PARTNER}:${secretOf(PARTNER)}`
          : basic;
    const answer = await token(POOL, form, credentials);
    expect(answer).toMatchObject({ status, body: { error, error_description: expect.any(String) } });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    if (status === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('answers malformed requests with a 4xx JSON error, never a hang', async () => {
    const json = await token(POOL, { grant_type: 'client_credentials' }, undefined, 'application/json');
    expect(json).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const get = await fetch(`${issuer}/oauth2/token`, { signal: AbortSignal.timeout(5000) });
    expect(get.status).toBe(405);
    const huge = await fetch(`${issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=password&junk=${'x'.repeat(100_000)}`,
      signal: AbortSignal.timeout(5000),
    });
    expect([huge.status, ((await huge.json()) as { error: string }).error]).toEqual([413, 'invalid_request']);
  });

  it('keeps its key and client secrets in the data folder, so tokens survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'skillcert-oidc-'));
    try {
      const first = await startOidcIssuer({ userPools, region: REGION, dataDir });
      const secret = first.clients.find((c) => c.clientId === PARTNER)?.clientSecret;
      const minted = await first.mintToken({ sub: 'x', iss: first.issuerFor(POOL) });
      await first.stop();
      const second = await startOidcIssuer({ userPools, region: REGION, dataDir });
      try {
        expect(second.kid).toBe(first.kid);
        expect(second.clients.find((c) => c.clientId === PARTNER)?.clientSecret).toBe(secret);
        expect(second.clients.find((c) => c.clientId === WEB)).not.toHaveProperty('clientSecret');
        const jwks = await (await fetch(`${second.issuerFor(POOL)}/.well-known/jwks.json`)).json();
        await expect(compactVerify(minted, createLocalJWKSet(jwks as never))).resolves.toBeDefined();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the HTTP API', () => {
  it('serves a public route with a payload 2.0 event and no authorizer', async () => {
    const answer = await call('/public/%E5%86%85%E6%B1%9F?level=4&tag=a&tag=b', {
      headers: { 'X-Trace': 'one', cookie: 'lang=zh' },
    });
    expect(answer.status).toBe(200);
    const event = eventOf(answer.text);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /public/{name}',
      rawPath: '/public/%E5%86%85%E6%B1%9F',
      rawQueryString: 'level=4&tag=a&tag=b',
      cookies: ['lang=zh'],
      queryStringParameters: { level: '4', tag: 'a,b' },
      pathParameters: { name: '内江' },
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'abc123',
        http: {
          method: 'GET',
          path: '/public/%E5%86%85%E6%B1%9F',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
        },
        routeKey: 'GET /public/{name}',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
    });
    expect(event.headers).toMatchObject({
      'x-trace': 'one',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
    });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.requestContext.requestId).toBe(answer.headers.get('apigw-requestid'));
    expect(answer.headers.get('set-cookie')).toBe('seen=1; Path=/');
  });

  it('passes binary bodies base64-encoded and text bodies as they are', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const binary = eventOf(
      (await call('/echo/upload', { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }))
        .text,
    );
    expect([binary.isBase64Encoded, binary.body]).toEqual([true, png.toString('base64')]);
    const text = eventOf(
      (
        await call('/echo/a/b', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"答":"是"}',
        })
      ).text,
    );
    expect([text.isBase64Encoded, text.body, text.pathParameters]).toEqual([
      false,
      '{"答":"是"}',
      { proxy: 'a/b' },
    ]);
  });

  it('lets a valid user token through and hands the verified claims to the function', async () => {
    const { access } = await userTokens(admin?.username as string, admin?.password as string);
    const answer = await call('/me', { bearer: access });
    expect(answer.status).toBe(200);
    const jwt = eventOf(answer.text).requestContext.authorizer?.jwt;
    expect(jwt?.scopes).toEqual(['openid', 'email', 'profile']);
    expect(jwt?.claims).toMatchObject({
      sub: oidc.subjectOf(POOL, admin?.username as string),
      'cognito:groups': '[admins]',
      client_id: WEB,
      username: admin?.username,
      token_use: 'access',
      iss: issuer,
      exp: expect.stringMatching(/^\d+$/),
    });
  });

  it('accepts an ID token on a route without scopes, as API Gateway does (why partner routes need scopes)', async () => {
    const { id } = await userTokens(candidate?.username as string, candidate?.password as string);
    expect((await call('/me', { bearer: id })).status).toBe(200);
    expect((await call('/partner/verify', { method: 'POST', bearer: id })).status).toBe(401);
  });

  it('refuses missing, malformed, expired, foreign-issuer, wrong-audience and tampered tokens with 401', async () => {
    const { access } = await userTokens(candidate?.username as string, candidate?.password as string);
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'x', iss: issuer, client_id: WEB, token_use: 'access', scope: 'openid', iat: now };
    const [header, payload, signature] = access.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admins'] })).toString('base64url'),
      signature,
    ].join('.');
    const { privateKey } = await generateKeyPair('RS256');
    const foreignKey = await new SignJWT({ ...base, exp: now + 600 })
      .setProtectedHeader({ alg: 'RS256', kid: oidc.kid })
      .sign(privateKey);
    const hmac = await new SignJWT({ ...base, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: oidc.kid })
      .sign(new TextEncoder().encode('a shared secret of at least 32 bytes!'));
    const cases: [string, string | undefined, RegExp][] = [
      ['no token', undefined, /^Bearer$/],
      ['not a JWT', 'not-a-jwt', /invalid_token/],
      [
        'expired',
        await oidc.mintToken({ ...base, iat: now - 7200, exp: now - 3600 }),
        /the token has expired/,
      ],
      ['not yet valid', await oidc.mintToken({ ...base, nbf: now + 600, exp: now + 1200 }), /not valid yet/],
      ['no expiry', await oidc.mintToken(base), /invalid_token/],
      ['no kid', await oidc.mintToken({ ...base, exp: now + 600 }, { kid: '' }), /no kid/],
      [
        'an unknown kid',
        await oidc.mintToken({ ...base, exp: now + 600 }, { kid: 'other' }),
        /invalid_token/,
      ],
      [
        'another pool (wrong issuer)',
        (await userTokens('zhangwei', candidate?.password as string, OTHER_POOL)).access,
        /valid issuer/,
      ],
      [
        'another client (wrong audience)',
        await oidc.mintToken({ ...base, client_id: 'someone-else', exp: now + 600 }),
        /valid audience/,
      ],
      ['tampered claims', tampered, /valid signature/],
      ['a foreign key under our kid', foreignKey, /valid signature/],
      ['HS256', hmac, /invalid_token/],
    ];
    for (const [name, bad, challenge] of cases) {
      const answer = await call('/me', bad === undefined ? {} : { bearer: bad });
      expect({ name, status: answer.status, body: answer.text }).toEqual({
        name,
        status: 401,
        body: '{"message":"Unauthorized"}',
      });
      expect(answer.headers.get('www-authenticate'), name).toMatch(challenge);
    }
    expect((await call('/me', { bearer: access })).status).toBe(200);
  });

  it('refuses tokens with 401 when the issuer’s keys cannot be fetched, and says why in the log', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bearer = await oidc.mintToken({
      iss: 'http://127.0.0.1:9/unreachable',
      client_id: WEB,
      iat: now,
      exp: now + 600,
    });
    const answer = await call('/elsewhere', { bearer });
    expect([answer.status, answer.text]).toEqual([401, '{"message":"Unauthorized"}']);
    expect(logLines.find((l) => l.startsWith('GET /elsewhere 401'))).toMatch(
      /could not get the issuer's keys/,
    );
  });

  it('lets a partner token onto its routes, 403 without the route’s scope, 401 on a user route', async () => {
    const verifier = await partnerToken(VERIFIER);
    const ok = await call('/partner/verify', { method: 'POST', bearer: verifier, body: '{}' });
    expect(ok.status).toBe(200);
    expect(eventOf(ok.text).requestContext.authorizer?.jwt).toMatchObject({
      claims: { sub: VERIFIER, client_id: VERIFIER, scope: 'skillcert/verify' },
      scopes: ['skillcert/verify'],
    });
    expect(eventOf(ok.text).requestContext.authorizer?.jwt.claims).not.toHaveProperty('cognito:groups');

    const before = invocations.length;
    const forbidden = await call('/partner/recognize', { method: 'POST', bearer: verifier, body: '{}' });
    expect([forbidden.status, forbidden.text]).toEqual([403, '{"message":"Forbidden"}']);
    expect(forbidden.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    const userRoute = await call('/me', { bearer: await partnerToken(PARTNER) });
    expect([userRoute.status, userRoute.text]).toEqual([401, '{"message":"Unauthorized"}']);
    expect(invocations.length).toBe(before);

    const partner = await partnerToken(PARTNER, 'skillcert/recognize');
    expect((await call('/partner/recognize', { method: 'POST', bearer: partner, body: '{}' })).status).toBe(
      200,
    );
  });

  it('hides every function failure behind a plain 500, and keeps the reason in the log', async () => {
    for (const path of ['/crash', '/throws', '/malformed', '/orphan']) {
      const answer = await call(path);
      expect({ path, status: answer.status, body: answer.text }).toEqual({
        path,
        status: 500,
        body: '{"message":"Internal Server Error"}',
      });
      expect(answer.headers.get('content-type')).toBe('application/json');
    }
    const crashLine = logLines.find((l) => l.startsWith('GET /crash 500'));
    expect(crashLine).toMatch(/Crash failed: TypeError/);
  });

  it('answers unmatched requests 404 as API Gateway does', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['DELETE', '/me'],
      ['GET', '/public'],
      ['GET', '/public/a/b'],
    ]) {
      const answer = await call(path as string, { method: method as string });
      expect({ method, path, status: answer.status, body: answer.text }).toEqual({
        method,
        path,
        status: 404,
        body: '{"message":"Not Found"}',
      });
    }
  });

  it('answers CORS preflight itself, for allowed origins only, and sets its own CORS headers', async () => {
    const before = invocations.length;
    const allowed = await call('/me', {
      method: 'OPTIONS',
      headers: { origin: 'https://exam.neijiang.example', 'access-control-request-method': 'GET' },
    });
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries([...allowed.headers].filter(([k]) => k.startsWith('access-control-')))).toEqual(
      {
        'access-control-allow-origin': 'https://exam.neijiang.example',
        'access-control-allow-methods': 'GET,POST',
        'access-control-allow-headers': 'authorization,content-type',
        'access-control-max-age': '600',
      },
    );
    const refused = await call('/me', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(refused.status).toBe(204);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(invocations.length).toBe(before);

    const fromApp = await call('/public/x', { headers: { origin: 'https://exam.neijiang.example' } });
    expect(fromApp.headers.get('access-control-allow-origin')).toBe('https://exam.neijiang.example');
    const fromElsewhere = await call('/public/x', { headers: { origin: 'https://evil.example' } });
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bodies over 10 MB with 413 before any function runs', async () => {
    const before = invocations.length;
    const answer = await call('/echo/big', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(MAX_BODY_BYTES + 1),
    });
    expect([answer.status, answer.text]).toEqual([413, '{"message":"Request Entity Too Large"}']);
    expect(invocations.length).toBe(before);
  });

  it('throttles past the stage’s burst with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call('/public/x', {}, throttled.url)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const answer = await call('/public/x', {}, throttled.url);
    expect(answer.text).toBe('{"message":"Too Many Requests"}');
  });

  it('logs one short line per request, without tokens or query strings', async () => {
    const { access } = await userTokens(candidate?.username as string, candidate?.password as string);
    const count = logLines.length;
    await call('/me?token=abc', { bearer: access });
    expect(logLines.slice(count)).toEqual([expect.stringMatching(/^GET \/me 200 \d+ms \(GET \/me\)$/)]);
    expect(logLines.join('\n')).not.toContain(access);
  });
});

describe('the event bus', () => {
  const client = () =>
    new EventBridgeClient({
      region: REGION,
      endpoint: bus.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

  it('takes PutEvents from the real SDK, failing bad entries one by one as EventBridge does', async () => {
    const heard: string[] = [];
    const unsubscribe = bus.subscribe((event) => {
      heard.push(event.detailType);
    });
    const before = bus.recorded().length;
    const eb = client();
    const result = await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'skillcert',
            Source: 'skillcert.certification',
            DetailType: 'CertificateIssued',
            Detail: '{"certificateNumber":"NJ-1"}',
            Resources: ['arn:x'],
          },
          {
            EventBusName: 'skillcert',
            Source: 'skillcert.certification',
            DetailType: 'Broken',
            Detail: '{not json',
          },
          { EventBusName: 'skillcert', DetailType: 'NoSource', Detail: '{}' },
          { EventBusName: 'nowhere', Source: 'skillcert.certification', DetailType: 'Lost', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Source') },
      { ErrorCode: 'NotFoundException', ErrorMessage: 'Event bus nowhere does not exist.' },
    ]);
    const recorded = bus.recorded().slice(before);
    expect(recorded).toEqual([
      {
        id: result.Entries?.[0]?.EventId,
        eventBusName: 'skillcert',
        source: 'skillcert.certification',
        detailType: 'CertificateIssued',
        detail: { certificateNumber: 'NJ-1' },
        resources: ['arn:x'],
        time: expect.any(String),
      },
    ]);
    await eventually(async () => (heard.length > 0 ? heard : undefined), 'the listener');
    expect(heard).toEqual(['CertificateIssued']);
    unsubscribe();

    await expect(eb.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    eb.destroy();
  });

  it('records what a function behind the API publishes, with the time it set', async () => {
    const answer = await call('/events', { method: 'POST', body: '{"attemptId":"a-1"}' });
    expect(answer.status).toBe(200);
    const { eventId } = jsonOf(answer.text) as { eventId: string };
    expect(bus.recorded().find((e) => e.id === eventId)).toMatchObject({
      source: 'skillcert.test',
      detail: { attemptId: 'a-1' },
      time: '2024-06-01T08:00:00.000Z',
    });
  });
});

describe('the main stack on the whole local cloud', () => {
  let root: string;
  let cloud: LocalCloud;
  let stackIssuer: string;
  let webClientId: string;

  async function stackToken(form: Record<string, string>, basic?: string) {
    const response = await fetch(`${stackIssuer}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  async function me(bearer?: string) {
    const response = await fetch(`${cloud.endpoints.api}/me`, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'skillcert-api-'));
    const stack = synthesizeRegion({ region: 'neijiang' });
    cloud = await startLocalCloud({
      assemblyDir: stack.assemblyDir,
      stackArtifactId: stack.stackArtifactId,
      storage: { kind: 'memory' },
    });
    const [pool] = cloud.model.userPools;
    stackIssuer = pool?.issuer as string;
    webClientId = pool?.clients.find((c) => !c.generateSecret)?.clientId as string;
  });

  afterAll(async () => {
    await cloud?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('runs the real /me handler behind the template’s authorizer, for users and partners', async () => {
    const { body } = await stackToken({
      grant_type: 'password',
      client_id: webClientId,
      username: 'zhangwei',
      password: candidate?.password as string,
    });
    const user = await me(body.access_token);
    expect(user).toMatchObject({
      status: 200,
      body: { username: 'zhangwei', groups: ['candidates'], clientId: webClientId },
    });
    expect(user.body.sub).toMatch(/^[0-9a-f-]{36}$/);

    const partner = cloud.oidc.clients.find((c) => c.clientSecret);
    const ok = await stackToken(
      { grant_type: 'client_credentials', scope: 'skillcert/verify' },
      `${partner?.clientId}:${partner?.clientSecret}`,
    );
    expect(ok.status).toBe(200);
    expect((await me(ok.body.access_token)).body).toMatchObject({
      groups: [],
      scopes: ['skillcert/verify'],
      clientId: partner?.clientId,
    });
    expect(await me()).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });

  it('leaves public routes open and answers unknown routes 404', async () => {
    expect((await fetch(`${cloud.endpoints.api}/.well-known/did.json`)).status).toBe(200);
    const missing = await fetch(`${cloud.endpoints.api}/nowhere`);
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
  });

  it('publishes keys that verify a JWS signed through the Signer port, independently of our code', async () => {
    const key = cloud.model.signingKeys.find((k) => k.keySpec === 'ECC_NIST_P256');
    const signer = new LocalSigner(cloud.keysDir, key?.keyId as string);
    const did = 'did:web:neijiang.skillcert.example';
    const jws = await signCompactJws(signer, did, { hello: '内江' }, 'vc+jwt');

    const jwks = (await (await fetch(`${cloud.endpoints.api}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg: string }[];
    };
    // The ES256 key, then the Ed25519 key of the Data Integrity proofs.
    expect(jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'EdDSA']);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: jwks.keys[0]?.kid, typ: 'vc+jwt' });
    const { payload } = await compactVerify(jws, createLocalJWKSet(jwks as never));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ hello: '内江' });

    const didDocument = (await (await fetch(`${cloud.endpoints.api}/.well-known/did.json`)).json()) as {
      id: string;
      assertionMethod: string[];
    };
    expect(didDocument.id).toBe(did);
    expect(didDocument.assertionMethod).toEqual(jwks.keys.map((k) => k.kid));
  });
});
