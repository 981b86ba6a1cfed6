import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeOutcome, LambdaInvoker } from '../../../local/contracts.js';
import { buildEvent, matchRoute, startHttpApi, toHttpAnswer } from '../../../local/http-api.js';
import type { LocalFunction, LocalRoute } from '../../../local/model.js';

const route = (routeKey: string): LocalRoute => ({
  routeKey,
  functionLogicalId: routeKey,
  authorization: { type: 'NONE' },
});

describe('matchRoute', () => {
  const routes = [
    route('GET /attempts/{attemptId}'),
    route('GET /attempts/mine'),
    route('ANY /admin/{proxy+}'),
    route('POST /attempts'),
    route('$default'),
  ];
  it.each([
    ['GET', '/attempts/mine', 'GET /attempts/mine', {}],
    ['GET', '/attempts/a-1', 'GET /attempts/{attemptId}', { attemptId: 'a-1' }],
    ['GET', '/attempts/%E5%86%85', 'GET /attempts/{attemptId}', { attemptId: '内' }],
    ['DELETE', '/admin/exams/e-1/items', 'ANY /admin/{proxy+}', { proxy: 'exams/e-1/items' }],
    ['POST', '/attempts', 'POST /attempts', {}],
    ['PUT', '/attempts', '$default', {}],
    ['GET', '/attempts/a-1/extra', '$default', {}],
  ])('%s %s → %s', (method, path, routeKey, pathParameters) => {
    expect(matchRoute(routes, method, path)).toEqual({ route: route(routeKey), pathParameters });
  });

  it('finds nothing without a $default route', () => {
    expect(matchRoute([route('GET /me')], 'GET', '/you')).toBeUndefined();
    expect(matchRoute([route('ANY /admin/{proxy+}')], 'GET', '/admin')).toBeUndefined();
  });
});

describe('buildEvent', () => {
  it('builds a payload 2.0 event as API Gateway does', () => {
    const event = buildEvent(
      {
        method: 'POST',
        url: '/attempts/a-1/answers?draft=1&tag=a&tag=b',
        headers: {
          host: 'localhost:4100',
          'content-type': 'application/json',
          cookie: 'a=1; b=2',
          'x-many': ['1', '2'],
        },
        body: Buffer.from('{"item":"q1"}'),
        sourceIp: '127.0.0.1',
      },
      { route: route('POST /attempts/{attemptId}/answers'), pathParameters: { attemptId: 'a-1' } },
      {
        apiId: 'api',
        account: '000000000000',
        region: 'ap-southeast-1',
        authorizer: { claims: { sub: 's', 'cognito:groups': ['candidates'] }, scopes: [] },
      },
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /attempts/{attemptId}/answers',
      rawPath: '/attempts/a-1/answers',
      rawQueryString: 'draft=1&tag=a&tag=b',
      cookies: ['a=1', 'b=2'],
      headers: { 'content-type': 'application/json', 'x-many': '1,2' },
      queryStringParameters: { draft: '1', tag: 'a,b' },
      pathParameters: { attemptId: 'a-1' },
      body: '{"item":"q1"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/attempts/a-1/answers', sourceIp: '127.0.0.1' },
        stage: '$default',
        authorizer: { jwt: { claims: { sub: 's', 'cognito:groups': '[candidates]' }, scopes: [] } },
      },
    });
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('base64-encodes binary bodies', () => {
    const event = buildEvent(
      {
        method: 'POST',
        url: '/upload',
        headers: { 'content-type': 'image/png' },
        body: Buffer.from([0, 255]),
        sourceIp: '::1',
      },
      { route: route('POST /upload'), pathParameters: {} },
      { apiId: 'api', account: '0', region: 'r' },
    );
    expect(event).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
  });
});

describe('toHttpAnswer', () => {
  it('passes a structured result through', () => {
    const answer = toHttpAnswer({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json' },
      body: '{"ok":true}',
      cookies: ['s=1'],
    });
    expect(answer).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      cookies: ['s=1'],
      body: Buffer.from('{"ok":true}'),
    });
  });
  it('turns any other value into a 200 JSON body', () => {
    expect(toHttpAnswer({ attemptId: 'a-1' })).toMatchObject({
      statusCode: 200,
      body: Buffer.from('{"attemptId":"a-1"}'),
    });
    expect(toHttpAnswer(null)).toMatchObject({ statusCode: 200, body: Buffer.from('null') });
  });
});

describe('the HTTP API server', () => {
  const calls: unknown[] = [];
  const invoker: LambdaInvoker = {
    async invoke(name, payload): Promise<InvokeOutcome> {
      calls.push(payload);
      if (name === 'fn-crash')
        return { ok: false, errorType: 'TypeError', errorMessage: 'x is undefined at /var/task/secret.js' };
      return { ok: true, payload: { statusCode: 200, body: 'hi' } };
    },
  };
  const fn = (id: string): LocalFunction => ({
    logicalId: id,
    functionName: `fn-${id}`,
    arn: `arn:aws:lambda:r:0:function:fn-${id}`,
    handler: 'index.handler',
    assetDir: '/nowhere',
    runtime: 'nodejs24.x',
    timeoutSeconds: 3,
    memoryMb: 128,
    environment: {},
  });
  let url: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const api = await startHttpApi({
      api: {
        logicalId: 'Api',
        apiId: 'api',
        routes: [
          { routeKey: 'GET /hello', functionLogicalId: 'hello', authorization: { type: 'NONE' } },
          { routeKey: 'GET /crash', functionLogicalId: 'crash', authorization: { type: 'NONE' } },
        ],
        cors: {
          allowOrigins: ['https://exam.example'],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['authorization'],
          maxAge: 600,
        },
        throttle: { burstLimit: 3, rateLimit: 0.001 },
      },
      functions: [fn('hello'), fn('crash')],
      invoker,
      region: 'r',
      account: '0',
    });
    url = api.url;
    stop = api.stop;
  });
  afterAll(() => stop());

  it('answers CORS preflight for allowed origins only, without invoking anything', async () => {
    const allowed = await fetch(`${url}/hello`, {
      method: 'OPTIONS',
      headers: { origin: 'https://exam.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://exam.example');
    expect(allowed.headers.get('access-control-max-age')).toBe('600');
    const refused = await fetch(`${url}/hello`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(calls).toHaveLength(0);
  });

  it('hides function errors behind a plain 500, then throttles past the burst', async () => {
    const crash = await fetch(`${url}/crash`);
    expect(crash.status).toBe(500);
    expect(await crash.text()).toBe('{"message":"Internal Server Error"}');
    const ok = await fetch(`${url}/hello`);
    expect([ok.status, await ok.text()]).toEqual([200, 'hi']);
    // A burst of three, refilled almost never: /crash and /hello took two, one is left. Preflights don't count.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${url}/hello`)).status);
    expect(statuses).toEqual([200, 429, 429]);
  });
});
