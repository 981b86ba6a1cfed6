// Route-level throttling as API Gateway HTTP APIs do it: each route key has its own token bucket, with
// the stage's RouteSettings for that route or else its DefaultRouteSettings; no bucket is shared
// between routes or split by caller. The clock is injected, so nothing here depends on timing.
import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaInvoker } from '../../../local/contracts.js';
import { type LocalHttpApiServer, RouteThrottles, startHttpApi } from '../../../local/http-api.js';
import type { LocalFunction, LocalHttpApi } from '../../../local/model.js';

const takes = (throttles: RouteThrottles, routeKey: string, count: number) =>
  Array.from({ length: count }, () => throttles.take(routeKey));

describe('RouteThrottles', () => {
  it('gives every route its own bucket with the stage’s default limits', () => {
    let now = 0;
    const throttles = new RouteThrottles({ throttle: { burstLimit: 2, rateLimit: 1 } }, () => now);
    expect(takes(throttles, 'GET /me', 3)).toEqual([true, true, false]);
    // Another route still has its whole burst: the default limits are per route, not per API.
    expect(takes(throttles, 'GET /exams', 3)).toEqual([true, true, false]);
    now = 1000;
    expect(takes(throttles, 'GET /me', 2)).toEqual([true, false]);
    expect(takes(throttles, 'GET /exams', 2)).toEqual([true, false]);
  });

  it('holds a route with its own settings to its own limits, and the others to the default', () => {
    let now = 0;
    const throttles = new RouteThrottles(
      {
        throttle: { burstLimit: 1, rateLimit: 1 },
        routeThrottles: { 'GET /verify/{number}': { burstLimit: 3, rateLimit: 0.5 } },
      },
      () => now,
    );
    expect(takes(throttles, 'GET /verify/{number}', 4)).toEqual([true, true, true, false]);
    expect(takes(throttles, 'GET /me', 2)).toEqual([true, false]);
    now = 1000; // half a token for /verify at 0.5 per second, a whole one for /me
    expect(throttles.take('GET /verify/{number}')).toBe(false);
    expect(throttles.take('GET /me')).toBe(true);
    now = 2000;
    expect(takes(throttles, 'GET /verify/{number}', 2)).toEqual([true, false]);
  });

  it('throttles only the routes that have limits when the stage sets no default', () => {
    const throttles = new RouteThrottles(
      { routeThrottles: { 'POST /attempts': { burstLimit: 1, rateLimit: 0 } } },
      () => 0,
    );
    expect(takes(throttles, 'POST /attempts', 2)).toEqual([true, false]);
    expect(takes(throttles, 'GET /me', 50).every(Boolean)).toBe(true);
  });

  it('blocks a route whose limits are zero, as API Gateway does', () => {
    const throttles = new RouteThrottles(
      { routeThrottles: { $default: { burstLimit: 0, rateLimit: 0 } } },
      () => 0,
    );
    expect(throttles.take('$default')).toBe(false);
  });
});

describe('startHttpApi throttles per route', () => {
  const fn: LocalFunction = {
    logicalId: 'Echo',
    functionName: 'skillcert-echo',
    arn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:skillcert-echo',
    handler: 'index.handler',
    assetDir: '/nowhere',
    runtime: 'nodejs24.x',
    timeoutSeconds: 3,
    memoryMb: 128,
    environment: {},
  };
  const none = { type: 'NONE' as const };
  const api: LocalHttpApi = {
    logicalId: 'HttpApi',
    apiId: 'abc123',
    routes: [
      { routeKey: 'GET /verify/{number}', functionLogicalId: 'Echo', authorization: none },
      { routeKey: 'GET /public/{name}', functionLogicalId: 'Echo', authorization: none },
      { routeKey: 'GET /jwks', functionLogicalId: 'Echo', authorization: none },
    ],
    throttle: { burstLimit: 2, rateLimit: 1 },
    routeThrottles: { 'GET /verify/{number}': { burstLimit: 1, rateLimit: 1 } },
  };
  let server: LocalHttpApiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function start(now: () => number) {
    const invoked: string[] = [];
    const logLines: string[] = [];
    const invoker: LambdaInvoker = {
      async invoke(_name, payload) {
        const { routeKey } = payload as { routeKey: string };
        invoked.push(routeKey);
        return { ok: true, payload: { statusCode: 200, body: routeKey } };
      },
    };
    server = await startHttpApi({
      api,
      functions: [fn],
      invoker,
      region: 'ap-southeast-1',
      account: '000000000000',
      logger: (line) => logLines.push(line),
      now,
    });
    const url = server.url;
    const get = async (path: string) => {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, text: await response.text() };
    };
    return { get, invoked, logLines };
  }

  it('answers 429 on a throttled route while other routes still answer', async () => {
    let now = 0;
    const { get, invoked, logLines } = await start(() => now);
    // GET /verify/{number} has its own burst of 1 …
    expect(await get('/verify/1')).toEqual({ status: 200, text: 'GET /verify/{number}' });
    expect(await get('/verify/2')).toEqual({ status: 429, text: '{"message":"Too Many Requests"}' });
    // … and the other routes their own default burst of 2 each, untouched by /verify's.
    expect((await get('/public/a')).status).toBe(200);
    expect((await get('/jwks')).status).toBe(200);
    expect((await get('/public/b')).status).toBe(200);
    expect((await get('/public/c')).status).toBe(429);
    expect((await get('/jwks')).status).toBe(200);
    expect((await get('/jwks')).status).toBe(429);
    // A throttled request never reaches the function; the log names the route.
    expect(invoked).toEqual([
      'GET /verify/{number}',
      'GET /public/{name}',
      'GET /jwks',
      'GET /public/{name}',
      'GET /jwks',
    ]);
    expect(logLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GET \/verify\/2 429 \d+ms \(GET \/verify\/\{number\}\) — throttled$/),
      ]),
    );
    // A path no route takes has no bucket: still a 404, not a 429.
    expect((await get('/nowhere')).status).toBe(404);
    // Each bucket refills at its own rate.
    now = 1000;
    expect((await get('/verify/3')).status).toBe(200);
    expect((await get('/verify/4')).status).toBe(429);
    expect((await get('/public/d')).status).toBe(200);
  });
});
