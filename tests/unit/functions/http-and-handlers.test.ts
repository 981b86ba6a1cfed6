import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maximum, minLength, number, object, string } from 'zod/mini';
import { cancelledByCondition } from '../../../functions/adapters/dynamodb-table.js';
import { ConfigurationError, loadConfig } from '../../../functions/shared/config.js';
import { badRequest, errorResponse, HttpError, jsonBody } from '../../../functions/shared/http.js';

const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;

function event(rawPath: string, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `GET ${rawPath}`,
    rawPath,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { requestId: 'r', http: { method: 'GET', path: rawPath } } as never,
    ...extra,
  };
}

describe('loadConfig', () => {
  it('names the missing variable instead of failing later', () => {
    const schema = object({ SIGNING_KEY_ID: string().check(minLength(1)) });
    expect(() => loadConfig(schema, {})).toThrow(ConfigurationError);
    expect(() => loadConfig(schema, {})).toThrow('environment variable SIGNING_KEY_ID is not set');
    expect(() => loadConfig(schema, { SIGNING_KEY_ID: '' })).toThrow(
      /environment variable SIGNING_KEY_ID is invalid/,
    );
    expect(loadConfig(schema, { SIGNING_KEY_ID: 'k', OTHER: 'x' })).toEqual({ SIGNING_KEY_ID: 'k' });
  });
});

describe('HTTP errors', () => {
  it('gives clear 4xx answers and opaque 500s', () => {
    expect(
      errorResponse(badRequest({ en: 'answers must be an object', zh: 'answers 须为对象' }), 'req-1'),
    ).toMatchObject({
      statusCode: 400,
      body: JSON.stringify({
        error: 'BadRequest',
        message: 'answers must be an object',
        messageZh: 'answers 须为对象',
      }),
    });
    const crash = errorResponse(new Error('connect ECONNREFUSED 10.0.0.1:443 table=secret'), 'req-1');
    expect(crash.statusCode).toBe(500);
    expect(crash.body).not.toMatch(/ECONNREFUSED|secret|stack/);
    expect(JSON.parse(crash.body as string)).toEqual({
      error: 'InternalError',
      message: 'Something went wrong on our side',
      messageZh: '系统内部出错，请稍后再试；如需联系我们，请提供 requestId',
      requestId: 'req-1',
    });
  });

  it('answers DynamoDB’s "not now" (a transaction conflict) with 503 and Retry-After in both languages', () => {
    const cancelled = new TransactionCanceledException({
      $metadata: {},
      message: 'Transaction cancelled',
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    const conflict = new TransactionConflictException({ $metadata: {}, message: 'Transaction is ongoing' });
    for (const error of [cancelled, conflict]) {
      const answer = errorResponse(error, 'req-9');
      expect(answer.statusCode).toBe(503);
      expect(answer.headers).toMatchObject({ 'retry-after': '1' });
      expect(JSON.parse(answer.body as string)).toMatchObject({
        error: 'Busy',
        message: expect.stringMatching(/try again/),
        messageZh: expect.stringMatching(/重试/),
      });
    }
    // A failed condition is a "no", not "not now": it stays whatever the caller makes of it.
    const refused = new TransactionCanceledException({
      $metadata: {},
      message: 'Transaction cancelled',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'TransactionConflict' }],
    });
    expect(cancelledByCondition(refused)).toBe(true);
    expect(cancelledByCondition(cancelled)).toBe(false);
    expect(errorResponse(refused, 'req-9').statusCode).toBe(500);
  });

  it('shows a 5xx message only when we wrote it for the caller (a partner region that is unreachable)', () => {
    const answer = errorResponse(
      new HttpError(
        502,
        'PartnerUnreachable',
        { en: 'The key set of Zigong (zigong) could not be read', zh: '无法读取自贡（zigong）的公钥集' },
        undefined,
        true,
      ),
      'req-3',
    );
    expect(answer.statusCode).toBe(502);
    expect(JSON.parse(answer.body as string)).toEqual({
      error: 'PartnerUnreachable',
      message: 'The key set of Zigong (zigong) could not be read',
      messageZh: '无法读取自贡（zigong）的公钥集',
    });
  });

  it('keeps the message of a deliberate 5xx out of the body too', () => {
    const answer = errorResponse(
      new HttpError(503, 'Unavailable', { en: 'KMS key arn:aws:kms:… is disabled', zh: 'KMS 密钥已停用' }),
      'req-2',
    );
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body as string)).toEqual({
      error: 'InternalError',
      message: 'Something went wrong on our side',
      messageZh: '系统内部出错，请稍后再试；如需联系我们，请提供 requestId',
      requestId: 'req-2',
    });
  });

  it('maps validation failures to 400 naming each field and why, in English and Chinese', () => {
    const parsed = object({ score: number().check(maximum(100)) }).safeParse({ score: 101 });
    const answer = errorResponse(parsed.error, 'req-1');
    expect(answer.statusCode).toBe(400);
    const body = JSON.parse(answer.body as string);
    expect(body).toMatchObject({ message: 'score must be at most 100', messageZh: 'score 不能大于 100' });
    expect(body.details).toEqual([
      { field: 'score', message: 'must be at most 100', messageZh: '不能大于 100' },
    ]);
  });

  it('treats malformed JSON as the caller’s mistake', () => {
    expect(() => jsonBody(event('/x', { body: '{"a":' }))).toThrow(/not valid JSON/);
    expect(
      jsonBody(event('/x', { body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true })),
    ).toEqual({
      a: 1,
    });
  });
});

describe('handlers', () => {
  let keysDir: string;
  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'handler-keys-'));
    process.env.SKILLCERT_LOCAL_KEYS_DIR = keysDir;
    process.env.SIGNING_KEY_ID = 'test-key';
    process.env.ISSUER_DID = 'did:web:neijiang.skillcert.example';
  });
  afterAll(async () => {
    await rm(keysDir, { recursive: true, force: true });
  });

  it('public-keys serves a cacheable JWKS and a DID document naming the same key', async () => {
    // The environment's handler needs the table (the key ledger): the same routes on an in-memory ledger.
    const { publicKeysHandler } = await import('../../../functions/handlers/public-keys.js');
    const { RegionSigningKeys } = await import('../../../functions/shared/signing-keys.js');
    const { LocalSigner } = await import('../../../functions/adapters/local-signer.js');
    const records = new Map<string, never>();
    const ledger = {
      get: async (t: string) => records.get(t),
      list: async () => [...records.values()],
      recordFirstUse: async (plan: { record: { thumbprint: string } }) => {
        records.set(plan.record.thumbprint, plan.record as never);
        return 'recorded' as const;
      },
      closeWindows: async () => {},
      putIfAbsent: async () => false,
      markCompromised: async () => false,
    };
    const issuerDid = 'did:web:neijiang.skillcert.example';
    const handler = publicKeysHandler(
      () => new RegionSigningKeys({ signer: new LocalSigner(keysDir, 'test-key'), ledger, issuerDid }),
      () => issuerDid,
    );
    const jwks = await handler(event('/.well-known/jwks.json'), context);
    const did = await handler(event('/.well-known/did.json'), context);
    expect(jwks.statusCode).toBe(200);
    expect(jwks.headers).toMatchObject({
      'cache-control': 'public, max-age=300',
      'content-type': 'application/jwk-set+json',
    });
    const [key] = JSON.parse(jwks.body as string).keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
    expect(JSON.parse(did.body as string).assertionMethod).toEqual([key.kid]);
    expect((await handler(event('/.well-known/other'), context)).statusCode).toBe(404);
  });

  it('who-am-i reads the verified claims, including API Gateway’s flattened groups', async () => {
    const { handler } = await import('../../../functions/handlers/who-am-i.js');
    const answer = await handler(
      event('/me', {
        requestContext: {
          requestId: 'r',
          http: { method: 'GET', path: '/me' },
          authorizer: {
            jwt: {
              claims: {
                sub: 's-1',
                username: 'wangfang',
                'cognito:groups': '[assessors admins]',
                client_id: 'c',
              },
              scopes: [],
            },
          },
        } as never,
      }),
      context,
    );
    expect(JSON.parse(answer.body as string)).toEqual({
      sub: 's-1',
      username: 'wangfang',
      groups: ['assessors', 'admins'],
      scopes: [],
      clientId: 'c',
    });
  });

  it('who-am-i reports a partner machine client by its client id and scopes', async () => {
    const { handler } = await import('../../../functions/handlers/who-am-i.js');
    const answer = await handler(
      event('/me', {
        requestContext: {
          requestId: 'r',
          http: { method: 'GET', path: '/me' },
          authorizer: {
            jwt: {
              claims: { sub: 'partner-zigong', client_id: 'partner-zigong', scope: 'skillcert/verify' },
            },
          },
        } as never,
      }),
      context,
    );
    expect(JSON.parse(answer.body as string)).toEqual({
      sub: 'partner-zigong',
      username: 'partner-zigong',
      groups: [],
      scopes: ['skillcert/verify'],
      clientId: 'partner-zigong',
    });
  });

  it('who-am-i answers 401, not 500, if a request arrives without verified claims', async () => {
    const { handler } = await import('../../../functions/handlers/who-am-i.js');
    const answer = await handler(event('/me'), context);
    expect(answer.statusCode).toBe(401);
  });
});
