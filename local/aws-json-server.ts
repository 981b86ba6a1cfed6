// A tiny server for AWS's JSON protocols (awsJson1_0 / awsJson1_1): POST /, the operation in the
// X-Amz-Target header, a JSON body. Errors go back in AWS's shape so the real SDK raises exceptions
// whose `name` is the AWS error name. Used by the local Step Functions and EventBridge services.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SignedRequest } from './iam/sigv4.js';

/** An error the client caused, reported with AWS's error name (e.g. ExecutionDoesNotExist). */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export type Operation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

export interface AwsJsonServerOptions {
  /** e.g. "AWSStepFunctions" or "AWSEvents": the part of X-Amz-Target before the dot. */
  targetPrefix: string;
  /** "1.0" or "1.1": the JSON protocol version, echoed in the content type. */
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, Operation>;
  port?: number;
  logger?: (line: string) => void;
  /** Largest accepted request body; AWS APIs cap payloads at 256 KB–1 MB. */
  maxBodyBytes?: number;
  /**
   * Runs before each operation with the signed request (local/iam): throws an AwsServiceError
   * (AccessDeniedException…) to refuse the call.
   */
  authorize?: (operation: string, input: Record<string, unknown>, request: SignedRequest) => unknown;
}

function send(response: ServerResponse, status: number, body: unknown, jsonVersion: string) {
  const text = JSON.stringify(body ?? {});
  response.writeHead(status, {
    'content-type': `application/x-amz-json-${jsonVersion}`,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  response.end(text);
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AwsServiceError('SerializationException', `Request body larger than ${limit} bytes`, 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startAwsJsonServer(
  options: AwsJsonServerOptions,
): Promise<{ server: Server; endpoint: string; stop(): Promise<void> }> {
  const log = options.logger ?? (() => {});
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const server = createServer(async (request, response) => {
    try {
      if (request.method !== 'POST')
        throw new AwsServiceError('UnknownOperationException', 'Only POST is supported');
      const target = String(request.headers['x-amz-target'] ?? '');
      const [prefix, operationName] = target.split('.');
      const operation =
        prefix === options.targetPrefix && operationName ? options.operations[operationName] : undefined;
      if (!operation) throw new AwsServiceError('UnknownOperationException', `Unknown operation '${target}'`);
      const text = await readBody(request, limit);
      let input: unknown;
      try {
        input = text ? JSON.parse(text) : {};
      } catch {
        throw new AwsServiceError('SerializationException', 'Request body is not valid JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new AwsServiceError('SerializationException', 'Request body must be a JSON object');
      }
      if (options.authorize) {
        await options.authorize(operationName as string, input as Record<string, unknown>, {
          method: request.method ?? 'POST',
          url: request.url ?? '/',
          headers: request.headers,
          body: text,
        });
      }
      const output = await operation(input as Record<string, unknown>);
      send(response, 200, output, options.jsonVersion);
    } catch (error) {
      if (error instanceof AwsServiceError) {
        send(response, error.statusCode, { __type: error.code, message: error.message }, options.jsonVersion);
      } else {
        log(`${options.targetPrefix} internal error: ${(error as Error).stack ?? String(error)}`);
        send(response, 500, { __type: 'InternalFailure', message: 'Internal failure' }, options.jsonVersion);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Reads a required string member of a request, or raises the AWS validation error. */
export function requiredString(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
