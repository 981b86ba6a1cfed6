// Route selection as API Gateway HTTP APIs do it: exact beats {param} beats {proxy+} beats $default.
import { describe, expect, it } from 'vitest';
import { matchRoute, matchRouteKey, routeSpecificity } from '../../../local/http-api.js';
import type { LocalRoute } from '../../../local/model.js';

const route = (routeKey: string): LocalRoute => ({
  routeKey,
  functionLogicalId: routeKey,
  authorization: { type: 'NONE' },
});

describe('matchRoute', () => {
  const routes = [
    route('GET /attempts/{attemptId}'),
    route('GET /attempts/mine'),
    route('ANY /attempts/{attemptId}/answers'),
    route('PUT /attempts/{attemptId}/answers'),
    route('ANY /admin/{proxy+}'),
    route('GET /admin/{section}/{proxy+}'),
    route('POST /attempts'),
    route('GET /'),
    route('$default'),
  ];
  it.each([
    // exact beats {param}
    ['GET', '/attempts/mine', 'GET /attempts/mine', {}],
    ['GET', '/attempts/a-1', 'GET /attempts/{attemptId}', { attemptId: 'a-1' }],
    // path parameters are decoded; the raw path stays in the event
    ['GET', '/attempts/%E5%86%85%E6%B1%9F', 'GET /attempts/{attemptId}', { attemptId: '内江' }],
    // a malformed escape is passed on as written, never a crash
    ['GET', '/attempts/%E5', 'GET /attempts/{attemptId}', { attemptId: '%E5' }],
    // a named method beats ANY on the same path
    ['PUT', '/attempts/a-1/answers', 'PUT /attempts/{attemptId}/answers', { attemptId: 'a-1' }],
    ['PATCH', '/attempts/a-1/answers', 'ANY /attempts/{attemptId}/answers', { attemptId: 'a-1' }],
    // greedy takes one or more segments
    ['DELETE', '/admin/exams', 'ANY /admin/{proxy+}', { proxy: 'exams' }],
    // more literal/param segments before the greedy one are more specific
    [
      'GET',
      '/admin/exams/e-1/items',
      'GET /admin/{section}/{proxy+}',
      { section: 'exams', proxy: 'e-1/items' },
    ],
    ['POST', '/admin/exams/e-1/items', 'ANY /admin/{proxy+}', { proxy: 'exams/e-1/items' }],
    ['POST', '/attempts', 'POST /attempts', {}],
    ['GET', '/', 'GET /', {}],
    // a trailing slash is the same path
    ['POST', '/attempts/', 'POST /attempts', {}],
    // methods are matched in upper case
    ['post', '/attempts', 'POST /attempts', {}],
    // nothing else fits → $default
    ['PUT', '/attempts', '$default', {}],
    ['GET', '/attempts/a-1/extra', '$default', {}],
    ['GET', '/admin', '$default', {}],
  ])('%s %s → %s', (method, path, routeKey, pathParameters) => {
    expect(matchRoute(routes, method, path)).toEqual({ route: route(routeKey), pathParameters });
  });

  it.each([
    [[route('GET /me')], 'GET', '/you'],
    [[route('GET /me')], 'POST', '/me'],
    [[route('ANY /admin/{proxy+}')], 'GET', '/admin'],
    [[route('GET /a/{b}')], 'GET', '/a'],
    [[route('GET /a/{b}')], 'GET', '/a/b/c'],
    [[], 'GET', '/'],
  ])('finds nothing without a $default route: %j %s %s', (routes, method, path) => {
    expect(matchRoute(routes, method, path)).toBeUndefined();
  });
});

describe('matchRoute on encoded and dot segments (never resolved into another route)', () => {
  const routes = [
    route('GET /assessor/reviews'),
    route('GET /assessor/reviews/{attemptId}/{slot}'),
    route('POST /assessor/reviews/{attemptId}/{slot}/marks'),
  ];
  it.each([
    ['/assessor/reviews/a-1/%2e%2e', { attemptId: 'a-1', slot: '..' }],
    ['/assessor/reviews/a-1/%2E%2E', { attemptId: 'a-1', slot: '..' }],
    ['/assessor/reviews/a-1/..', { attemptId: 'a-1', slot: '..' }],
    ['/assessor/reviews/a-1/.', { attemptId: 'a-1', slot: '.' }],
    ['/assessor/reviews/%2e%2e/%2e%2e', { attemptId: '..', slot: '..' }],
    // decoded once for matching, once more for the parameter (as API Gateway does)
    ['/assessor/reviews/a-1/%252e%252e', { attemptId: 'a-1', slot: '..' }],
    ['/assessor/reviews/a%252Fb/1', { attemptId: 'a/b', slot: '1' }],
    // %2F is a separator once decoded, so this is the same review as /a-1/1 (never another route)
    ['/assessor/reviews/a-1%2F1', { attemptId: 'a-1', slot: '1' }],
  ])('GET %s stays on the {attemptId}/{slot} route', (path, pathParameters) => {
    expect(matchRoute(routes, 'GET', path)).toEqual({
      route: route('GET /assessor/reviews/{attemptId}/{slot}'),
      pathParameters,
    });
  });

  it.each([
    // %2F separates segments once decoded: one segment too many, and no route takes it
    ['GET', '/assessor/reviews/a-1/1%2Fx'],
    ['GET', '/assessor/reviews/a-1/1/..'],
    // `marks/..` is not the review: dot-segments are not resolved
    ['POST', '/assessor/reviews/a-1/1/marks/..'],
    ['POST', '/assessor/reviews/a-1/1/marks/%2e%2e'],
  ])('%s %s reaches no route', (method, path) => {
    expect(matchRoute(routes, method, path)).toBeUndefined();
  });
});

describe('matchRouteKey', () => {
  it.each([
    ['GET /a/{x}/c', 'GET', '/a/1/c', { x: '1' }],
    ['GET /a/{x}/c', 'GET', '/a/1/d', undefined],
    ['ANY /{proxy+}', 'HEAD', '/any/thing', { proxy: 'any/thing' }],
    ['ANY /{proxy+}', 'GET', '/', undefined],
    ['$default', 'GET', '/whatever', {}],
  ])('%s against %s %s', (routeKey, method, path, expected) => {
    expect(matchRouteKey(routeKey, method, path)).toEqual(expected);
  });
});

describe('routeSpecificity', () => {
  it('orders keys as API Gateway prefers them', () => {
    const keys = ['$default', 'ANY /{proxy+}', 'GET /a/{proxy+}', 'GET /a/{b}', 'ANY /a/b', 'GET /a/b'];
    const sorted = [...keys].sort((x, y) => {
      const a = routeSpecificity(x);
      const b = routeSpecificity(y);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = (b[i] ?? -1) - (a[i] ?? -1);
        if (d !== 0) return d;
      }
      return 0;
    });
    expect(sorted).toEqual([
      'GET /a/b',
      'ANY /a/b',
      'GET /a/{b}',
      'GET /a/{proxy+}',
      'ANY /{proxy+}',
      '$default',
    ]);
  });
});
