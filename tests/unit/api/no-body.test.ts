// Routes that take no body (api/routes.ts `body: 'none'`) refuse one with a 400 in both languages, the
// same form as parseBody's problems, before anything is read or written: the handlers run here with
// their real wiring, and the AWS clients record every command (none may be sent).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROUTES } from '../../../functions/api/routes.js';
import { errorResponse, HttpError, type HttpResult, refuseBody } from '../../../functions/shared/http.js';

const NO_BODY = {
  field: '(body)',
  message: 'must be empty: this request takes no body',
  messageZh: '须为空：此请求不接受请求体',
};

const withBody = (body: string | undefined, isBase64Encoded = false) =>
  ({ ...(body === undefined ? {} : { body }), isBase64Encoded }) as APIGatewayProxyEventV2;

describe('refuseBody', () => {
  it('lets a request without a body (or with an empty one) through', () => {
    expect(() => refuseBody(withBody(undefined))).not.toThrow();
    expect(() => refuseBody(withBody(''))).not.toThrow();
  });

  it.each([
    ['an empty object', '{}'],
    ['null', 'null'],
    ['a field the client thinks counts', '{"sessionId":"s-2"}'],
    ['text that is not JSON', 'resume please'],
    ['whitespace', ' '],
  ])('refuses %s with a 400 naming the body, in English and Chinese', (_, body) => {
    const error = (() => {
      try {
        refuseBody(withBody(body));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(HttpError);
    const answer = errorResponse(error, 'req-1');
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body as string)).toEqual({
      error: 'BadRequest',
      message: '(body) must be empty: this request takes no body',
      messageZh: '(body) 须为空：此请求不接受请求体',
      details: [NO_BODY],
    });
  });

  it('refuses a base64-encoded body too', () => {
    expect(() => refuseBody(withBody(Buffer.from('{}').toString('base64'), true))).toThrow(HttpError);
  });
});

// ---- the handlers, as deployed ----

const dynamodb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let keysDir: string;
const context = { awsRequestId: 'req-1', functionName: 'f' } as unknown as Context;

beforeAll(async () => {
  keysDir = await mkdtemp(join(tmpdir(), 'no-body-'));
  for (const [name, value] of Object.entries({
    AWS_REGION: 'ap-southeast-1',
    TABLE_NAME: 'table',
    REGION_CODE: 'neijiang',
    REGION_PREFIX: 'NJ',
    REGION_NAME_ZH: '内江',
    REGION_NAME_EN: 'Neijiang',
    ISSUER_DID: 'did:web:certs.neijiang.example',
    PUBLIC_URL: 'https://certs.neijiang.example',
    REGION_TIME_ZONE: 'Asia/Shanghai',
    SIGNING_KEY_ID: 'no-body-key',
    SIGNING_KEY_GENERATION: '1',
    DOCUMENTS_BUCKET: 'documents',
    STATE_MACHINE_ARN: 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:certification',
    DEADLINE_STATE_MACHINE_ARN: 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:deadline',
    SKILLCERT_LOCAL_KEYS_DIR: keysDir,
  }))
    vi.stubEnv(name, value);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  dynamodb.restore();
  sfn.restore();
  await rm(keysDir, { recursive: true, force: true });
});
beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  // Anything that reaches the table finds nothing: the refusal must come before that matters.
  dynamodb.onAnyCommand().resolves({});
});

function call(routeKey: string, pathParameters: Record<string, string>, group: string, body?: string) {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    routeKey,
    rawPath: path,
    pathParameters,
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body }),
    requestContext: {
      requestId: 'r',
      http: { method, path },
      authorizer: { jwt: { claims: { sub: 'person-1', 'cognito:groups': `[${group}]` }, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2;
}

const BODYLESS: {
  routeKey: string;
  params: Record<string, string>;
  group: string;
  handler: () => Promise<{
    handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
  }>;
}[] = [
  {
    routeKey: 'POST /sessions/{sessionId}/attempts',
    params: { sessionId: 'session-1' },
    group: 'candidates',
    handler: () => import('../../../functions/handlers/candidate-api.js'),
  },
  {
    routeKey: 'POST /admin/attempts/{attemptId}/resume',
    params: { attemptId: 'attempt-1' },
    group: 'admins',
    handler: () => import('../../../functions/handlers/admin-api.js'),
  },
  {
    routeKey: 'POST /me/certificates/{number}/share',
    params: { number: 'NJ-2027-000001-X' },
    group: 'candidates',
    handler: () => import('../../../functions/handlers/paper-api.js'),
  },
];

describe('the routes that take no body', () => {
  it('are the ones this test runs', () => {
    expect(
      ROUTES.filter((r) => r.body === 'none')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(BODYLESS.map((r) => r.routeKey).sort());
  });

  it.each(BODYLESS)('$routeKey refuses a body before it reads or writes anything', async (route) => {
    const { handler } = await route.handler();
    const answer = await handler(
      call(route.routeKey, route.params, route.group, '{"reason":"retry"}'),
      context,
    );
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body as string)).toMatchObject({
      message: '(body) must be empty: this request takes no body',
      messageZh: '(body) 须为空：此请求不接受请求体',
      details: [NO_BODY],
    });
    expect(dynamodb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);

    // Without the body the same request goes on to the records (here empty: not found).
    const plain = await handler(call(route.routeKey, route.params, route.group), context);
    expect(plain.statusCode).toBe(404);
    expect(dynamodb.calls().length).toBeGreaterThan(0);
  });
});
