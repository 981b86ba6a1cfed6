// HTTP answers for API Gateway payload 2.0. Clients get clear 4xx messages; a 5xx carries only a request
// id to quote, never an internal message or stack.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { $ZodError } from 'zod/v4/core';
import { logger } from './logger.js';

export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** A 5xx whose message we wrote for the caller (which partner was unreachable), shown in the body. */
    readonly expose = statusCode < 500,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, 'BadRequest', message, details);
export const forbidden = (message = 'You may not do this') => new HttpError(403, 'Forbidden', message);
export const notFound = (message = 'Not found') => new HttpError(404, 'NotFound', message);
export const conflict = (message: string) => new HttpError(409, 'Conflict', message);

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
    return json(error.statusCode, {
      error: error.code,
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
    });
  }
  if (error instanceof $ZodError) {
    return json(400, {
      error: 'BadRequest',
      message: 'The request does not match what this route accepts',
      details: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  logger.error('Unhandled error', { error: error as Error, requestId });
  // Even a deliberate 5xx (an HttpError of 500 or more) keeps its message in the log, not the body.
  const statusCode = error instanceof HttpError ? error.statusCode : 500;
  return json(statusCode, { error: 'InternalError', message: 'Something went wrong on our side', requestId });
}

/** The body as text, base64 undone; undefined when there is none. */
export function textBody(event: APIGatewayProxyEventV2): string | undefined {
  if (!event.body) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Parses a JSON body; malformed JSON is the caller's mistake (400), not ours. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const text = textBody(event);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON');
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
