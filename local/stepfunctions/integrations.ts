// The one place every Task resource runs on the local cloud. Each supported integration is performed for
// real against the local services; anything else fails the task loudly and never reaches AWS.
import { randomUUID } from 'node:crypto';
import * as DynamoDB from '@aws-sdk/client-dynamodb';
import type { LambdaInvoker, LocalEventBusPort, PutEventsEntry } from '../contracts.js';

/** A task failure as Step Functions reports it: Error and Cause, matched by Retry and Catch. */
export class TaskError extends Error {
  /** Read by the engine: a States.Runtime failure cannot be retried or caught, as in AWS. */
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;
  constructor(error: string, cause: string, options: { fatal?: boolean } = {}) {
    super(cause);
    this.name = error;
    this.isRetryable = !options.fatal;
    this.isCatchable = !options.fatal;
  }
}

export interface TaskIntegrations {
  lambda: LambdaInvoker;
  dynamodbEndpoint: string;
  eventBus: LocalEventBusPort;
  /** The state machine's role (local/iam): its credentials, and AWS's refusal message when it may not act. */
  identity?: TaskIdentity;
}

export interface TaskIdentity {
  credentials(stateMachineArn: string): {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  };
  /** Undefined when the role may do `action` on `resource`, else the AccessDenied message. */
  refusal(stateMachineArn: string, action: string, resource: string): string | undefined;
}

/** What a finished child execution looks like to a states:startExecution.sync task. */
export interface ChildExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate: number;
}

export interface IntegrationContext {
  region: string;
  /** StartExecution on this same service, for the states:startExecution integration. */
  startExecution(input: { StateMachineArn?: unknown; Input?: unknown; Name?: unknown }): Promise<{
    ExecutionArn: string;
    StartDate: Date;
  }>;
  /** Resolves when an execution of this service has finished. */
  executionFinished(executionArn: string): Promise<ChildExecution>;
}

/** request-response; callback = .waitForTaskToken; sync/sync2 = .sync and .sync:2 (job run). */
export type WaitMode = 'request-response' | 'callback' | 'sync' | 'sync2';

export interface ParsedResource {
  kind: 'lambda-arn' | 'lambda-invoke' | 'dynamodb' | 'aws-sdk' | 'events-put' | 'states-start';
  service?: string;
  action?: string;
  mode: WaitMode;
}

const SUFFIXES: [string, WaitMode][] = [
  ['.waitForTaskToken', 'callback'],
  ['.sync:2', 'sync2'],
  ['.sync', 'sync'],
];

/** Classifies a Task's Resource ARN; undefined means the local cloud cannot run it. */
export function parseResource(resource: string): ParsedResource | undefined {
  if (/^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/.test(resource)) {
    return { kind: 'lambda-arn', mode: 'request-response' };
  }
  const match = /^arn:aws:states:::(.+)$/.exec(resource);
  if (!match?.[1]) return undefined;
  let rest = match[1];
  let mode: WaitMode = 'request-response';
  for (const [suffix, suffixMode] of SUFFIXES) {
    if (rest.endsWith(suffix)) {
      rest = rest.slice(0, -suffix.length);
      mode = suffixMode;
      break;
    }
  }
  // Only states:startExecution has a job-run (.sync) pattern among the integrations we run.
  if (rest === 'states:startExecution') return { kind: 'states-start', mode };
  if (mode === 'sync' || mode === 'sync2') return undefined;
  if (rest === 'lambda:invoke') return { kind: 'lambda-invoke', mode };
  if (rest === 'events:putEvents') return { kind: 'events-put', mode };
  const optimized = /^dynamodb:(putItem|getItem|updateItem|deleteItem)$/.exec(rest);
  if (optimized?.[1] && mode === 'request-response') return { kind: 'dynamodb', action: optimized[1], mode };
  const sdk = /^aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/.exec(rest);
  if (sdk?.[1] === 'dynamodb' && sdk[2])
    return { kind: 'aws-sdk', service: 'dynamodb', action: sdk[2], mode };
  return undefined;
}

/**
 * The output of a states:startExecution.sync(:2) task: DescribeExecution's answer in PascalCase, with
 * Input/Output as JSON (.sync:2) or strings (.sync). A child that did not succeed fails the task with
 * States.TaskFailed and that document as Cause, as in AWS.
 */
export function childOutcome(child: ChildExecution, parseJson: boolean): Record<string, unknown> {
  const data = (text: string | undefined) =>
    text === undefined ? undefined : parseJson ? (JSON.parse(text) as unknown) : text;
  const document: Record<string, unknown> = {
    ExecutionArn: child.executionArn,
    Input: data(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    ...(child.output !== undefined ? { Output: data(child.output), OutputDetails: { Included: true } } : {}),
    StartDate: child.startDate,
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate,
    ...(child.error !== undefined ? { Error: child.error } : {}),
    ...(child.cause !== undefined ? { Cause: child.cause } : {}),
  };
  if (child.status !== 'SUCCEEDED') throw new TaskError('States.TaskFailed', JSON.stringify(document));
  return document;
}

type Command = new (input: never) => unknown;

function dynamoCommand(action: string): Command | undefined {
  const name = `${action[0]?.toUpperCase()}${action.slice(1)}Command`;
  const command = (DynamoDB as unknown as Record<string, unknown>)[name];
  return typeof command === 'function' ? (command as Command) : undefined;
}

function withoutMetadata(output: unknown): unknown {
  if (output && typeof output === 'object') {
    const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
    return rest;
  }
  return output;
}

export function createTaskRunner(integrations: TaskIntegrations, context: IntegrationContext) {
  // One DynamoDB client per state machine, signing with its role's credentials, as the service would.
  const dynamoClients = new Map<string, DynamoDB.DynamoDBClient>();
  const dynamoFor = (machineArn: string | undefined) => {
    const key = machineArn ?? '';
    let client = dynamoClients.get(key);
    if (!client) {
      client = new DynamoDB.DynamoDBClient({
        endpoint: integrations.dynamodbEndpoint,
        region: context.region,
        credentials:
          machineArn && integrations.identity
            ? integrations.identity.credentials(machineArn)
            : { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      dynamoClients.set(key, client);
    }
    return client;
  };
  const account = (machineArn: string | undefined) => machineArn?.split(':')[4] ?? '000000000000';
  /** Throws the task error AWS reports when the state machine's role may not do `action`. */
  function authorize(
    machineArn: string | undefined,
    action: string,
    resource: string,
    error: string,
    causeSuffix = '',
  ) {
    const refusal = machineArn ? integrations.identity?.refusal(machineArn, action, resource) : undefined;
    if (refusal) throw new TaskError(error, `${refusal}${causeSuffix}`);
  }

  async function invokeLambda(functionName: string, payload: unknown, machineArn?: string) {
    const functionArn = functionName.startsWith('arn:')
      ? functionName
      : `arn:aws:lambda:${context.region}:${account(machineArn)}:function:${functionName}`;
    // Step Functions' Lambda integration reports a refused invoke as Lambda's AccessDeniedException.
    authorize(
      machineArn,
      'lambda:InvokeFunction',
      functionArn,
      'Lambda.AWSLambdaException',
      ` (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: ${randomUUID()})`,
    );
    try {
      return await integrations.lambda.invoke(functionName, payload);
    } catch (error) {
      throw new TaskError(`Lambda.${(error as Error).name}`, (error as Error).message);
    }
  }

  function functionError(outcome: { errorType: string; errorMessage: string; trace?: string[] }): TaskError {
    // Step Functions names the failure after the function's error type and puts Lambda's error document in Cause.
    return new TaskError(
      outcome.errorType,
      // Same member order as the error document the Node.js runtime writes.
      JSON.stringify({
        errorType: outcome.errorType,
        errorMessage: outcome.errorMessage,
        trace: outcome.trace ?? [],
      }),
    );
  }

  async function callDynamo(action: string, input: unknown, errorPrefix: string, machineArn?: string) {
    const Command = dynamoCommand(action);
    if (!Command)
      throw new TaskError('States.Runtime', `DynamoDB has no action '${action}'`, { fatal: true });
    try {
      return withoutMetadata(await dynamoFor(machineArn).send(new Command(input as never) as never));
    } catch (error) {
      const e = error as Error;
      throw new TaskError(`${errorPrefix}.${e.name}`, e.message);
    }
  }

  /** Runs a Task's resource once. For callback tasks the caller then waits for the token. */
  async function run(resource: string, input: unknown, machineArn?: string): Promise<unknown> {
    const parsed = parseResource(resource);
    if (!parsed) {
      throw new TaskError(
        'States.Runtime',
        `skillcert local cloud has no implementation for Task resource ${resource}`,
        {
          fatal: true,
        },
      );
    }
    const params = (input ?? {}) as Record<string, unknown>;
    switch (parsed.kind) {
      case 'lambda-arn': {
        const outcome = await invokeLambda(resource, input, machineArn);
        if (!outcome.ok) throw functionError(outcome);
        return outcome.payload;
      }
      case 'lambda-invoke': {
        if (typeof params.FunctionName !== 'string') {
          throw new TaskError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName', {
            fatal: true,
          });
        }
        const outcome = await invokeLambda(params.FunctionName, params.Payload ?? {}, machineArn);
        if (!outcome.ok) throw functionError(outcome);
        const requestId = randomUUID();
        return {
          ExecutedVersion: '$LATEST',
          Payload: outcome.payload,
          SdkHttpMetadata: { HttpHeaders: { 'x-amzn-RequestId': requestId }, HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: requestId },
          StatusCode: 200,
        };
      }
      case 'dynamodb':
        return callDynamo(parsed.action as string, input, 'DynamoDB', machineArn);
      case 'aws-sdk':
        return callDynamo(parsed.action as string, input, 'DynamoDb', machineArn);
      case 'events-put': {
        const entries = ((params.Entries ?? []) as Record<string, unknown>[]).map(
          (e): PutEventsEntry => ({
            ...(e as PutEventsEntry),
            // The optimized integration takes Detail as JSON; the API wants a string.
            Detail: typeof e.Detail === 'string' ? e.Detail : JSON.stringify(e.Detail ?? {}),
          }),
        );
        for (const entry of entries) {
          const bus = entry.EventBusName ?? 'default';
          authorize(
            machineArn,
            'events:PutEvents',
            bus.startsWith('arn:')
              ? bus
              : `arn:aws:events:${context.region}:${account(machineArn)}:event-bus/${bus}`,
            'EventBridge.AccessDeniedException',
          );
        }
        let result: Awaited<ReturnType<LocalEventBusPort['putEvents']>>;
        try {
          result = await integrations.eventBus.putEvents(entries);
        } catch (error) {
          throw new TaskError(`EventBridge.${(error as Error).name}`, (error as Error).message);
        }
        if (result.FailedEntryCount > 0) {
          throw new TaskError('EventBridge.FailedEntry', JSON.stringify(result));
        }
        return result;
      }
      case 'states-start': {
        if (typeof params.StateMachineArn === 'string') {
          authorize(
            machineArn,
            'states:StartExecution',
            params.StateMachineArn,
            'StepFunctions.AccessDeniedException',
          );
        }
        let started: { ExecutionArn: string; StartDate: Date };
        try {
          started = await context.startExecution(params);
        } catch (error) {
          throw new TaskError(
            `StepFunctions.${(error as Error).name.split('#').pop()}`,
            (error as Error).message,
          );
        }
        if (parsed.mode !== 'sync' && parsed.mode !== 'sync2') {
          return { ExecutionArn: started.ExecutionArn, StartDate: started.StartDate.toISOString() };
        }
        return childOutcome(await context.executionFinished(started.ExecutionArn), parsed.mode === 'sync2');
      }
    }
  }

  return {
    run,
    parse: parseResource,
    destroy: () => {
      for (const client of dynamoClients.values()) client.destroy();
    },
  };
}

export type TaskRunner = ReturnType<typeof createTaskRunner>;
