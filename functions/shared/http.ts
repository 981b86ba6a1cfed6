// HTTP answers for API Gateway payload 2.0. Clients get clear 4xx messages; a 5xx carries only a request
// id to quote, never an internal message or stack.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { core, ZodMiniType } from 'zod/mini';
import { $ZodError } from 'zod/v4/core';
import { isTransientDynamoDbError } from '../adapters/dynamodb-table.js';
import { type FieldProblem, fieldProblems } from '../api/issues.js';
import { InvalidPageToken } from '../ports.js';
import { logger } from './logger.js';

export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

/** A message a person reads, in both languages: the body carries `message` (en) and `messageZh`. */
export interface Bilingual {
  en: string;
  zh: string;
}

export class HttpError extends Error {
  override name = 'HttpError';
  readonly messageZh: string;
  constructor(
    readonly statusCode: number,
    readonly code: string,
    /** Every message a person may read is in both languages; a 5xx that is not exposed is only logged. */
    message: Bilingual,
    readonly details?: unknown,
    /** A 5xx whose message we wrote for the caller (which partner was unreachable), shown in the body. */
    readonly expose = statusCode < 500,
    /** Seconds a client should wait before asking again (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message.en);
    this.messageZh = message.zh;
  }
}

/** A request without a verified caller. */
export const SIGN_IN_FIRST: Bilingual = { en: 'Sign in first', zh: '请先登录' };

export const badRequest = (message: Bilingual, details?: unknown) =>
  new HttpError(400, 'BadRequest', message, details);
export const forbidden = (message: Bilingual = { en: 'You may not do this', zh: '您无权执行此操作' }) =>
  new HttpError(403, 'Forbidden', message);
export const notFound = (message: Bilingual = { en: 'Not found', zh: '未找到' }) =>
  new HttpError(404, 'NotFound', message);
export const conflict = (message: Bilingual) => new HttpError(409, 'Conflict', message);
/** A request bigger than what we can store: refused before anything is written. */
export const tooLarge = (message: Bilingual, details?: unknown) =>
  new HttpError(413, 'TooLarge', message, details);
/** Too many at once on one record (a session's seats at the start of an exam): ask again shortly. */
export const busy = (message: Bilingual, retryAfterSeconds = 1) =>
  new HttpError(503, 'Busy', message, undefined, true, retryAfterSeconds);

/** How many entries a list route returns per page when the caller does not say, and at most. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `?limit=` and `?nextToken=` of a list route (docs/certification.md, "Lists"). */
export interface PageRequest {
  limit: number;
  nextToken?: string;
}

export function pageRequest(
  event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>,
  defaultLimit = DEFAULT_PAGE_SIZE,
): PageRequest {
  const query = event.queryStringParameters ?? {};
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE))
    throw badRequest({
      en: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      zh: `limit 必须是 1 到 ${MAX_PAGE_SIZE} 之间的整数`,
    });
  const token = query.nextToken;
  if (token !== undefined && !(token.length > 0 && token.length <= 2048 && /^[A-Za-z0-9_-]+$/.test(token)))
    throw badRequest(PAGE_TOKEN_REFUSED);
  return { limit, ...(token !== undefined ? { nextToken: token } : {}) };
}

const DYNAMODB_BUSY: Bilingual = {
  en: 'Someone else is changing the same record right now; nothing was saved, please try again',
  zh: '他人正在修改同一记录；本次未保存任何内容，请重试',
};

const PAGE_TOKEN_REFUSED: Bilingual = {
  en: 'nextToken is not one this list gave out; start again without it',
  zh: 'nextToken 无效（不是本列表给出的）；请不带 nextToken 重新开始',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** Maps anything thrown by a handler to a response; unknown errors become an opaque 500. */
export function errorResponse(error: unknown, requestId: string): HttpResult {
  if (error instanceof HttpError && error.expose) {
    if (error.statusCode >= 500)
      logger.warn('Dependency failure', { code: error.code, message: error.message, requestId });
    return json(
      error.statusCode,
      {
        error: error.code,
        message: error.message,
        messageZh: error.messageZh,
        ...(error.details !== undefined ? { details: error.details } : {}),
      },
      error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {},
    );
  }
  if (error instanceof InvalidPageToken) return errorResponse(badRequest(PAGE_TOKEN_REFUSED), requestId);
  // DynamoDB said "not now" (another transaction held an item, throttling): nothing was written, so the
  // same request can simply be sent again — a 503 with Retry-After, not an opaque 500.
  if (isTransientDynamoDbError(error)) {
    logger.warn('DynamoDB busy', { error: (error as Error).name, requestId });
    return errorResponse(new HttpError(503, 'Busy', DYNAMODB_BUSY, undefined, true, 1), requestId);
  }
  if (error instanceof $ZodError) return errorResponse(invalidInput(error.issues), requestId);
  logger.error('Unhandled error', { error: error as Error, requestId });
  // Even a deliberate 5xx (an HttpError of 500 or more) keeps its message in the log, not the body.
  const statusCode = error instanceof HttpError ? error.statusCode : 500;
  return json(statusCode, {
    error: 'InternalError',
    message: 'Something went wrong on our side',
    messageZh: '系统内部出错，请稍后再试；如需联系我们，请提供 requestId',
    requestId,
  });
}

/** The body as text, base64 undone; undefined when there is none. */
export function textBody(event: APIGatewayProxyEventV2): string | undefined {
  if (!event.body) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * A 400 for a body (or path or query) that does not match its schema: the first problem in the message,
 * every problem in `details` as { field, message, messageZh } (api/issues.ts).
 */
export function invalidInput(issues: readonly core.$ZodIssue[], where = ''): HttpError {
  const problems = fieldProblems(issues, where ? [where] : []);
  const first = problems[0] ?? { field: '(body)', message: 'is not accepted', messageZh: '不可接受' };
  const more = problems.length > 1 ? problems.length - 1 : 0;
  return badRequest(
    {
      en: `${first.field} ${first.message}${more ? ` (and ${more} more problem${more > 1 ? 's' : ''}: see details)` : ''}`,
      zh: `${first.field} ${first.messageZh}${more ? `（另有 ${more} 个问题，见 details）` : ''}`,
    },
    problems,
  );
}

/** The JSON body parsed by its schema (api/); a mismatch is a 400 naming each field and why. */
export function parseBody<T extends ZodMiniType>(schema: T, event: APIGatewayProxyEventV2): core.output<T> {
  // reportInput tells a missing field from a wrong one; the input itself never reaches the answer.
  const parsed = schema.safeParse(jsonBody(event), { reportInput: true });
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  return parsed.data;
}

/** What a route that takes no body answers to one: the same form as parseBody's problems. */
const NO_BODY: FieldProblem = {
  field: '(body)',
  message: 'must be empty: this request takes no body',
  messageZh: '须为空：此请求不接受请求体',
};

/**
 * For a route that takes no body (api/routes.ts, `body: 'none'`): any body, even `{}` or `null`, is a 400
 * before anything is read or written. A client that sends one expects it to count (a session id, a
 * reason); answering as if it did would hide its mistake.
 */
export function refuseBody(event: APIGatewayProxyEventV2): void {
  if (textBody(event) === undefined) return;
  throw badRequest(
    { en: `${NO_BODY.field} ${NO_BODY.message}`, zh: `${NO_BODY.field} ${NO_BODY.messageZh}` },
    [NO_BODY],
  );
}

/** A path parameter checked by its schema: a mismatch is a 400 naming the parameter. */
export function parsePathParam<T extends ZodMiniType>(
  schema: T,
  event: APIGatewayProxyEventV2,
  name: string,
): core.output<T> {
  const parsed = schema.safeParse(event.pathParameters?.[name], { reportInput: true });
  if (!parsed.success) throw invalidInput(parsed.error.issues, name);
  return parsed.data;
}

/**
 * The query string checked by its schema (unknown parameters aside: `limit` and `nextToken` are
 * pageRequest's): a mismatch is a 400 naming the parameter, as for a body's field.
 */
export function parseQuery<T extends ZodMiniType>(
  schema: T,
  event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>,
): core.output<T> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {}, { reportInput: true });
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  return parsed.data;
}

/** Parses a JSON body; malformed JSON is the caller's mistake (400), not ours. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const text = textBody(event);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest({ en: 'The request body is not valid JSON', zh: '请求体不是有效的 JSON' });
  }
}

/**
 * Wraps a payload-2.0 handler in middy: structured logs carry the request id, and every outcome,
 * including a crash, becomes a well-formed HTTP answer.
 */
export function httpHandler(fn: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>) {
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(injectLambdaContext(logger))
    .onError(async (request) => {
      request.response = errorResponse(request.error, request.context.awsRequestId);
    })
    .handler(fn);
}
