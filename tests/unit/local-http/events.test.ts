// Payload format 2.0 events, and API Gateway's mapping of a function's answer back to HTTP.
import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  corsHeadersFor,
  gatewayAnswer,
  isTextual,
  MalformedResponseError,
  type RawRequest,
  requestTime,
  stringifyClaims,
  TokenBucket,
  toHttpAnswer,
} from '../../../local/http-api.js';
import type { LocalRoute } from '../../../local/model.js';

const route = (routeKey: string): LocalRoute => ({
  routeKey,
  functionLogicalId: 'Fn',
  authorization: { type: 'NONE' },
});

const request = (over: Partial<RawRequest> = {}): RawRequest => ({
  method: 'GET',
  url: '/',
  headers: {},
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
  ...over,
});

const context = { apiId: 'api1', account: '000000000000', region: 'ap-southeast-1', requestId: 'req-1' };

describe('buildEvent', () => {
  it('builds a payload 2.0 event as API Gateway does', () => {
    const now = new Date(Date.UTC(2020, 2, 12, 19, 3, 58));
    const event = buildEvent(
      request({
        method: 'POST',
        url: '/attempts/a%2D1/answers?draft=1&tag=a&tag=b&name=%E5%BC%A0%E4%BC%9F',
        headers: {
          host: 'localhost:4100',
          'Content-Type': 'application/json',
          cookie: ['a=1; b=2', 'c=3'],
          'x-many': ['1', '2'],
          'user-agent': 'curl/8',
        },
        body: Buffer.from('{"item":"q1"}'),
      }),
      { route: route('POST /attempts/{attemptId}/answers'), pathParameters: { attemptId: 'a-1' } },
      {
        ...context,
        now,
        authorizer: {
          claims: { sub: 's', 'cognito:groups': ['candidates', 'assessors'], exp: 1700000000, x: { y: 1 } },
          scopes: ['openid'],
        },
      },
    );
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /attempts/{attemptId}/answers',
      rawPath: '/attempts/a%2D1/answers',
      rawQueryString: 'draft=1&tag=a&tag=b&name=%E5%BC%A0%E4%BC%9F',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: {
        host: 'localhost:4100',
        'content-type': 'application/json',
        'x-many': '1,2',
        'user-agent': 'curl/8',
      },
      queryStringParameters: { draft: '1', tag: 'a,b', name: '张伟' },
      pathParameters: { attemptId: 'a-1' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'api1',
        domainName: 'localhost:4100',
        domainPrefix: 'localhost:4100',
        http: {
          method: 'POST',
          path: '/attempts/a%2D1/answers',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: 'POST /attempts/{attemptId}/answers',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: now.getTime(),
        authorizer: {
          jwt: {
            claims: { sub: 's', 'cognito:groups': '[candidates assessors]', exp: '1700000000', x: '{"y":1}' },
            scopes: ['openid'],
          },
        },
      },
      body: '{"item":"q1"}',
      isBase64Encoded: false,
    });
  });

  it('leaves out what a bare request does not have', () => {
    const event = buildEvent(
      request({ url: '/health' }),
      { route: route('GET /health'), pathParameters: {} },
      context,
    );
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('body');
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event).toMatchObject({ rawQueryString: '', isBase64Encoded: false, headers: {} });
  });

  it.each([
    ['application/json', '{"a":1}', '{"a":1}', false],
    ['application/json; charset=utf-8', '{"a":1}', '{"a":1}', false],
    ['text/csv', 'a,b', 'a,b', false],
    ['application/x-www-form-urlencoded', 'a=1', 'YT0x', true],
    ['application/ld+json', '{}', 'e30=', true],
    ['', 'plain', 'cGxhaW4=', true],
    ['image/png', Buffer.from([0, 255]), 'AP8=', true],
    ['application/pdf', Buffer.from('%PDF'), 'JVBERg==', true],
    ['application/octet-stream', Buffer.from([1]), 'AQ==', true],
  ])('a %s body travels as %s (base64: %s)', (type, body, expected, base64) => {
    const event = buildEvent(
      request({ method: 'POST', headers: type ? { 'content-type': type } : {}, body: Buffer.from(body) }),
      { route: route('POST /'), pathParameters: {} },
      context,
    );
    expect([event.body, event.isBase64Encoded]).toEqual([expected, base64]);
  });
});

describe('helpers', () => {
  it.each([
    ['text/html', true],
    ['text/plain; charset=utf-8', true],
    ['APPLICATION/JSON', true],
    ['application/json; charset=utf-8', true],
    ['application/xml', true],
    ['application/javascript', true],
    // As HTTP APIs do: a form post, a missing type and a +json type arrive base64-encoded.
    ['application/x-www-form-urlencoded', false],
    ['', false],
    ['application/vnd.api+json', false],
    ['application/ld+json', false],
    ['multipart/form-data; boundary=x', false],
    ['image/jpeg', false],
  ])('isTextual(%s) = %s', (type, textual) => {
    expect(isTextual(type)).toBe(textual);
  });

  it('stringifies claims as API Gateway hands them over', () => {
    expect(stringifyClaims({ a: 1, b: true, c: ['x', 'y'], d: 'z' })).toEqual({
      a: '1',
      b: 'true',
      c: '[x y]',
      d: 'z',
    });
  });

  it('writes the request time in API Gateway’s format', () => {
    expect(requestTime(new Date(Date.UTC(2024, 0, 5, 3, 4, 5)))).toBe('05/Jan/2024:03:04:05 +0000');
  });
});

describe('toHttpAnswer', () => {
  it.each([
    [
      'a structured result',
      {
        statusCode: 201,
        headers: { 'Content-Type': 'application/json', 'X-N': 1 },
        body: '{"ok":true}',
        cookies: ['s=1'],
      },
      {
        statusCode: 201,
        headers: { 'content-type': 'application/json', 'x-n': '1' },
        cookies: ['s=1'],
        body: '{"ok":true}',
      },
    ],
    [
      'a base64 body',
      { statusCode: 200, headers: { 'content-type': 'image/png' }, body: 'AP8=', isBase64Encoded: true },
      { statusCode: 200, headers: { 'content-type': 'image/png' }, cookies: [], body: '\u0000\u00ff' },
    ],
    ['no body', { statusCode: 204 }, { statusCode: 204, headers: {}, cookies: [], body: '' }],
    [
      'a plain object',
      { attemptId: 'a-1' },
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: '{"attemptId":"a-1"}',
      },
    ],
    [
      'a string',
      'Hello from Lambda!',
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: 'Hello from Lambda!',
      },
    ],
    [
      'null',
      null,
      { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: 'null' },
    ],
    [
      'an array',
      [1, 2],
      { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: '[1,2]' },
    ],
  ])('maps %s', (_name, result, expected) => {
    const answer = toHttpAnswer(result);
    expect({ ...answer, body: answer.body.toString('latin1') }).toEqual(expected);
  });

  it.each([
    ['a status that is not one', { statusCode: 'abc' }],
    ['a status out of range', { statusCode: 700 }],
    ['a body that is not a string', { statusCode: 200, body: { a: 1 } }],
    ['headers that are not an object', { statusCode: 200, headers: 'x' }],
  ])('refuses %s (→ 500)', (_name, result) => {
    expect(() => toHttpAnswer(result)).toThrow(MalformedResponseError);
  });

  it('makes the gateway’s own answers', () => {
    const answer = gatewayAnswer(404, 'Not Found');
    expect([answer.statusCode, answer.body.toString()]).toEqual([404, '{"message":"Not Found"}']);
  });
});

describe('corsHeadersFor', () => {
  const cors = {
    allowOrigins: ['https://exam.example'],
    allowMethods: ['GET'],
    allowHeaders: ['authorization'],
  };
  it.each([
    [cors, 'https://exam.example', { 'access-control-allow-origin': 'https://exam.example', vary: 'origin' }],
    [cors, 'https://evil.example', {}],
    [cors, undefined, {}],
    [{ ...cors, allowOrigins: ['*'] }, 'https://any.example', { 'access-control-allow-origin': '*' }],
    [undefined, 'https://exam.example', {}],
  ])('%j from %s', (config, origin, expected) => {
    expect(corsHeadersFor(config, origin)).toEqual(expected);
  });
});

describe('TokenBucket', () => {
  it('allows the burst, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    now = 500;
    expect(bucket.take()).toBe(false);
    now = 1000;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now = 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});
