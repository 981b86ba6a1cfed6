// Injectable faults for tests of the local cloud: what real AWS does now and then and DynamoDB Local, the
// local Lambda runtime and the local Step Functions service never do on their own — a Lambda that did
// its work but timed out before answering, a Lambda service error, a DynamoDB transaction conflict or
// throttle, a Step Functions call that is lost or arrives late. A test injects a fault for a number of
// matching calls; every other call passes untouched. Nothing here is used by `npm start`.
import { createServer, type Server } from 'node:http';
import { AwsServiceError } from './aws-json-server.js';
import type { InvokeOptions, InvokeOutcome, LambdaInvoker } from './contracts.js';
import { dynamoDbForwarder, readDynamoDbRequest } from './dynamodb-proxy.js';
import type { LocalFunction } from './model.js';

export type Fault =
  | {
      service: 'lambda';
      /** The function's logical id, name or ARN, or a prefix of its logical id ("DecideResultFunction"). */
      function: string;
      /**
       * `before`: the invocation never reaches the function (a Lambda service error: `Lambda.<name>` in
       * Step Functions). `after`: the function runs to the end, then its answer is replaced by a function
       * error — as when it times out just after its last write.
       */
      at: 'before' | 'after';
      error: string;
      message?: string;
      /** Only invocations whose JSON payload contains this text (an attempt id). */
      match?: string;
    }
  | {
      service: 'dynamodb';
      /** The API operation, e.g. TransactWriteItems, UpdateItem. */
      operation: string;
      /** Only requests whose JSON body contains this text (a key prefix such as "COUNTER#"). */
      match?: string;
      /**
       * `TransactionConflict` cancels a TransactWriteItems with that reason for every item;
       * `InternalServerError` is an HTTP 500; anything else (ProvisionedThroughputExceededException,
       * ThrottlingException, TransactionConflictException…) an HTTP 400 of that type.
       */
      error: string;
      /** `after`: DynamoDB does the write, then the answer is lost (replaced by the error). */
      at?: 'before' | 'after';
    }
  | {
      service: 'stepfunctions';
      /** The API operation, e.g. SendTaskSuccess. */
      operation: string;
      /** Holds the call this long before it reaches the service. */
      delayMs?: number;
      /** Then fails it with this error (HTTP 500 for ServiceUnavailable/InternalFailure, else 400). */
      error?: string;
    };

interface Armed {
  fault: Fault;
  left: number;
  hits: number;
}

export interface FaultHandle {
  /** How many calls this fault has hit so far. */
  hits(): number;
  remove(): void;
}

const DYNAMODB_ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

export class Faults {
  private armed: Armed[] = [];

  /** Arms a fault for the next `times` matching calls (default 1). */
  inject(fault: Fault, times = 1): FaultHandle {
    const armed: Armed = { fault, left: times, hits: 0 };
    this.armed.push(armed);
    return {
      hits: () => armed.hits,
      remove: () => {
        this.armed = this.armed.filter((a) => a !== armed);
      },
    };
  }

  clear(): void {
    this.armed = [];
  }

  private take<T extends Fault['service']>(
    service: T,
    matches: (fault: Extract<Fault, { service: T }>) => boolean,
  ): Extract<Fault, { service: T }> | undefined {
    const armed = this.armed.find(
      (a) => a.fault.service === service && a.left > 0 && matches(a.fault as Extract<Fault, { service: T }>),
    );
    if (!armed) return undefined;
    armed.left--;
    armed.hits++;
    return armed.fault as Extract<Fault, { service: T }>;
  }

  /** The Lambda invoker every part of the local cloud uses, with lambda faults applied. */
  lambdaInvoker(inner: LambdaInvoker, functions: LocalFunction[]): LambdaInvoker {
    const identify = (nameOrArn: string) => {
      const unqualified = nameOrArn.replace(/^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+):.+$/, '$1');
      return functions.find((f) => [f.logicalId, f.functionName, f.arn].includes(unqualified));
    };
    const hits = (
      fault: Extract<Fault, { service: 'lambda' }>,
      fn: LocalFunction | undefined,
      at: string,
      payload: string,
    ) =>
      fault.at === at &&
      fn !== undefined &&
      (fault.function === fn.functionName ||
        fault.function === fn.arn ||
        fn.logicalId.startsWith(fault.function)) &&
      (fault.match === undefined || payload.includes(fault.match));
    return {
      invoke: async (
        nameOrArn: string,
        payload: unknown,
        options?: InvokeOptions,
      ): Promise<InvokeOutcome> => {
        const fn = identify(nameOrArn);
        const text = JSON.stringify(payload ?? null);
        const before = this.take('lambda', (f) => hits(f, fn, 'before', text));
        if (before) {
          const error = new Error(before.message ?? `Injected ${before.error}`);
          error.name = before.error;
          throw error;
        }
        const outcome = await inner.invoke(nameOrArn, payload, options);
        const after = this.take('lambda', (f) => hits(f, fn, 'after', text));
        if (after)
          return {
            ok: false,
            errorType: after.error,
            errorMessage: after.message ?? `Injected ${after.error} after the function finished`,
          };
        return outcome;
      },
    };
  }

  /** Called by the local Step Functions service before each API operation. */
  async beforeStepFunctionsOperation(operation: string): Promise<void> {
    const fault = this.take('stepfunctions', (f) => f.operation === operation);
    if (!fault) return;
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.error) {
      const status = /ServiceUnavailable|InternalFailure|InternalServerError/.test(fault.error) ? 500 : 400;
      throw new AwsServiceError(fault.error, `Injected ${fault.error}`, status);
    }
  }

  /**
   * A proxy in front of DynamoDB Local that answers matching requests with the injected error, before or
   * after forwarding them. Every request it does not fault is forwarded byte for byte.
   */
  async dynamoDbProxy(target: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
    const forward = dynamoDbForwarder(target);
    const server: Server = createServer(async (req, res) => {
      const { body, headers, operation } = await readDynamoDbRequest(req);
      const fault = this.take(
        'dynamodb',
        (f) => f.operation === operation && (f.match === undefined || body.includes(f.match)),
      );
      try {
        if (fault?.at === 'after') await forward(headers, body);
        if (fault) {
          const answer = dynamoDbError(fault.error, body);
          res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify(answer.body));
          return;
        }
        const answer = await forward(headers, body);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: `${DYNAMODB_ERROR_NAMESPACE}#InternalServerError`,
            message: String(error),
          }),
        );
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }
}

/** The error document DynamoDB sends for an injected error. */
export function dynamoDbError(
  error: string,
  requestBody: string,
): { status: number; body: Record<string, unknown> } {
  if (error === 'TransactionConflict') {
    let items = 1;
    try {
      items = (JSON.parse(requestBody) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
    } catch {
      // an unreadable body is still cancelled
    }
    const reasons = Array.from({ length: items }, () => ({
      Code: 'TransactionConflict',
      Message: 'Transaction is ongoing for the item',
    }));
    return {
      status: 400,
      body: {
        __type: `${DYNAMODB_ERROR_NAMESPACE}#TransactionCanceledException`,
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      },
    };
  }
  return {
    status: error === 'InternalServerError' ? 500 : 400,
    body: { __type: `${DYNAMODB_ERROR_NAMESPACE}#${error}`, message: `Injected ${error}` },
  };
}
