// The OpenAPI 3.1 document of the HTTP API, built from the route table (routes.ts) and the very zod
// schemas the handlers parse (z.toJSONSchema, as input: what a client may send). scripts/openapi.ts
// writes it to docs/api/openapi.json; tests/infra/openapi.test.ts checks it is current, valid, and names
// exactly the template's routes.
import { toJSONSchema } from 'zod/mini';
import { VERDICT_STATUS_ZH } from '../domain/verification.js';
import { ROUTES, type RouteDoc } from './routes.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad input: `message` names the first field and why, `details` every problem ({ field, message, messageZh }); nothing changed',
  401: 'No valid token',
  403: 'Not allowed for this caller (group, scope or partner)',
  404: 'Not found',
  409: 'Conflicts with the current state (said why); nothing changed',
  413: 'Larger than what can be stored; nothing changed',
  422: 'Understood but refused by a rule (the rule is named)',
  429: 'Throttled: ask again later',
  500: 'Our fault: the body carries only a request id to quote',
  502: 'A partner region could not be reached (named)',
  503: 'Busy or not ready yet: ask again after Retry-After seconds',
};

const pathParams = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

function operationId(route: RouteDoc): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}.]/g, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase()));
  return [route.method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join('');
}

function security(route: RouteDoc) {
  switch (route.access.kind) {
    case 'public':
      return [];
    case 'user':
      return [{ bearer: [] }];
    case 'scopes':
      return [{ partnerClient: route.access.scopes }];
  }
}

function operation(route: RouteDoc) {
  const errors = [400, ...(route.access.kind === 'public' ? [] : [401, 403]), ...(route.errors ?? []), 500];
  const ok = route.ok.contentType
    ? { content: { [route.ok.contentType]: { schema: { type: 'string' } } } }
    : {
        content: {
          'application/json': {
            schema: route.ok.schema
              ? { $ref: `#/components/schemas/${route.ok.schema}` }
              : { type: 'object' },
          },
        },
      };
  return {
    operationId: operationId(route),
    summary: route.summary,
    description:
      route.body === 'none'
        ? `${route.summaryZh}\n\nTakes no request body: one is refused with 400, field "(body)". 不接受请求体：发送请求体将返回 400（字段 "(body)"）。`
        : route.summaryZh,
    ...(route.access.kind === 'user' && route.access.group
      ? { 'x-skillcert-group': route.access.group }
      : {}),
    security: security(route),
    parameters: [
      ...pathParams(route.path).map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 128 },
      })),
      ...(route.paged
        ? [
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 100 },
            },
            {
              name: 'nextToken',
              in: 'query',
              required: false,
              schema: { type: 'string', maxLength: 2048, pattern: '^[A-Za-z0-9_-]+$' },
            },
          ]
        : []),
      ...(route.query ?? []).map((q) => ({
        name: q.name,
        in: 'query',
        required: q.required,
        schema: { type: 'string', enum: [...q.values] },
      })),
    ],
    ...(route.form
      ? {
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': { schema: { type: 'object' } },
              'application/x-www-form-urlencoded': { schema: { type: 'object' } },
            },
          },
        }
      : {}),
    ...(route.body && route.body !== 'none'
      ? {
          requestBody: {
            required: !route.body._zod.optin,
            content: {
              'application/json': { schema: bodySchema(route.body) },
            },
          },
        }
      : {}),
    responses: {
      [String(route.ok.status)]: { description: route.ok.description, ...ok },
      ...Object.fromEntries(
        [...new Set(errors)].map((status) => [
          String(status),
          {
            description: STATUS_TEXT[status] ?? 'Error',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}

function bodySchema(schema: Exclude<RouteDoc['body'], 'none' | undefined>) {
  const { $schema: _s, ...json } = toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return json;
}

/** What POST /credentials/verify and GET /verify/{number} answer (handlers/verification-api.ts's answer). */
const VERDICT_SCHEMA = {
  type: 'object',
  required: ['verified', 'status', 'reasons', 'reasonsZh', 'checkedAt'],
  properties: {
    verified: { type: 'boolean', description: 'status is valid' },
    status: { type: 'string', enum: Object.keys(VERDICT_STATUS_ZH) },
    reasons: {
      type: 'array',
      items: { type: 'string' },
      description: 'Why, in English, in the order the checks ran',
    },
    reasonsZh: {
      type: 'array',
      items: { type: 'string' },
      description:
        'The same reasons in Chinese, same length and order as reasons (dates, DIDs, key ids as they are). 与 reasons 逐条对应的中文说明。',
    },
    certificate: { type: 'object', description: 'The certificate’s public facts; never an ID number' },
    issuerRegion: { type: 'string' },
    statusDetail: {
      type: 'object',
      properties: { since: { type: 'string' }, reason: { type: 'string' } },
      description: 'Since when and why it is revoked or suspended, the reason as the issuer wrote it',
    },
    checkedAt: { type: 'string', format: 'date-time' },
  },
};

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'skillcert HTTP API',
      version,
      description:
        'Vocational skill certification (职业技能等级认定): exams, marking, signed certificates, verification and recognition between regions. Every error body is { error, message, messageZh?, details? }. Generated from functions/api/ by `npm run openapi`; do not edit by hand.',
    },
    servers: [{ url: 'http://127.0.0.1:4100', description: 'npm start (Neijiang)' }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token of the region’s OpenID provider; the handler checks the group (x-skillcert-group).',
        },
        partnerClient: {
          type: 'oauth2',
          description: "A partner region's machine client (client credentials)",
          flows: {
            clientCredentials: {
              tokenUrl: '/oauth2/token',
              scopes: { 'skillcert/recognize': 'Ask this region to recognise certificates' },
            },
          },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message', 'messageZh'],
          properties: {
            error: { type: 'string' },
            message: { type: 'string', description: 'English' },
            messageZh: { type: 'string', description: '中文' },
            requestId: { type: 'string' },
            details: {},
          },
        },
        Verdict: VERDICT_SCHEMA,
      },
    },
  };
}
