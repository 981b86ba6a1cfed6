// Pure mapping between our execution records and the Step Functions JSON 1.0 wire shapes: error
// documents, name and ARN validation, paging, and history events. Kept free of I/O so it is unit-tested
// on its own (tests/unit/stepfunctions/protocol.test.ts).
import { AwsServiceError } from '../aws-json-server.js';
import type { ExecutionRecord, HistoryEvent } from './store.js';

/** The namespace AWS puts in front of Step Functions error names in `__type`. */
export const SFN_ERROR_NAMESPACE = 'com.amazonaws.swf.service.v2.model';

export type SfnErrorName =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionNotRedrivable'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException';

/**
 * An error in AWS's JSON shape: `{"__type":"com.amazonaws.swf.service.v2.model#Name","message":…}`, HTTP 400.
 * The SDK strips the namespace, so the exception it raises has `.name === Name`.
 */
export function sfnError(name: SfnErrorName, message: string): AwsServiceError {
  return new AwsServiceError(`${SFN_ERROR_NAMESPACE}#${name}`, message);
}

/**
 * AWS execution names: 1–80 characters, none of whitespace, brackets `< > { } [ ]`, wildcards `? *`,
 * the characters `" # % \ ^ | ~ \` $ & , ; : /`, or control characters (U+0000–U+001F, U+007F–U+009F).
 * Dots, dashes, underscores and non-ASCII letters are allowed, as in AWS.
 */
export function isValidExecutionName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const length = [...name].length;
  if (length < 1 || length > 80) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what AWS forbids
  return !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u.test(name);
}

export const EXECUTION_ARN = /^arn:aws:states:([a-z0-9-]+):(\d{12}):execution:([^:]+):([^:]+)$/;
export const STATE_MACHINE_ARN = /^arn:aws:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)$/;

export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Seconds since the epoch with milliseconds: how awsJson1_0 carries timestamps. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** AWS-style paging: maxResults (0 or absent = 100, at most 1000) and an opaque nextToken. */
export function paginate<T>(items: T[], input: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const requested = input.maxResults === undefined ? 0 : Number(input.maxResults);
  if (!Number.isInteger(requested) || requested < 0 || requested > 1000) {
    throw sfnError(
      'ValidationException',
      `1 validation error detected: Value '${String(input.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  const max = requested === 0 ? 100 : requested;
  let start = 0;
  if (input.nextToken !== undefined && input.nextToken !== null) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(String(input.nextToken), 'base64url').toString());
    if (!decoded?.[1]) throw sfnError('InvalidToken', `Invalid Token: '${String(input.nextToken)}'`);
    start = Number(decoded[1]);
  }
  const page = items.slice(start, start + max);
  return start + max < items.length
    ? { page, nextToken: Buffer.from(`o${start + max}`).toString('base64url') }
    : { page };
}

/** The member of a HistoryEvent that carries an event type's details, as the Step Functions API names it. */
export function detailsMember(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
}

/** One stored event in the API's HistoryEvent shape. */
export function historyEventToAws(event: HistoryEvent): Record<string, unknown> {
  return {
    id: event.id,
    previousEventId: event.previousEventId,
    timestamp: epochSeconds(event.timestamp),
    type: event.type,
    ...(event.details ? { [detailsMember(event.type)]: event.details } : {}),
  };
}

/** resourceType/resource as the history shows them: "lambda"/"invoke", "aws-sdk:dynamodb"/"updateItem.waitForTaskToken". */
export function resourceParts(resource: string): { resourceType: string; resource: string } {
  const m = /^arn:aws:states:::(aws-sdk:[^:]+|[^:]+):(.+)$/.exec(resource);
  if (m?.[1] && m[2]) return { resourceType: m[1], resource: m[2] };
  return { resourceType: 'lambda', resource };
}

/** The event type that ends an execution in a given status. */
export function closingEventType(status: ExecutionRecord['status']): string {
  switch (status) {
    case 'SUCCEEDED':
      return 'ExecutionSucceeded';
    case 'FAILED':
      return 'ExecutionFailed';
    case 'TIMED_OUT':
      return 'ExecutionTimedOut';
    case 'ABORTED':
      return 'ExecutionAborted';
    default:
      return 'ExecutionStarted';
  }
}

/** ExecutionListItem (ListExecutions) for a record. */
export function executionListItem(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate !== undefined ? { stopDate: epochSeconds(record.stopDate) } : {}),
    redriveCount: record.redriveCount ?? 0,
    ...(record.redriveDate !== undefined ? { redriveDate: epochSeconds(record.redriveDate) } : {}),
  };
}

/** How long after it closed an unsuccessful execution may be redriven (AWS: 14 days). */
export const REDRIVABLE_PERIOD_MS = 14 * 24 * 3600 * 1000;
/** A Standard execution's longest life (a year); past it, AWS refuses a redrive. */
export const MAX_EXECUTION_TIME_MS = 365 * 24 * 3600 * 1000;
/** AWS stops an execution's history at 25,000 events; one that reached it cannot be redriven. */
export const HISTORY_EVENT_LIMIT = 25_000;
/** Client tokens of successful redrives answer idempotently for 15 minutes (the last ten). */
export const REDRIVE_TOKEN_MS = 15 * 60 * 1000;

/**
 * Why RedriveExecution would refuse this execution (AWS's redriveStatusReason wording), or undefined
 * when it may be redriven: only FAILED, TIMED_OUT and ABORTED executions of Standard workflows, within
 * 14 days of closing, within a year of starting, under the history limit.
 */
export function notRedrivableReason(
  record: ExecutionRecord,
  machineType: 'STANDARD' | 'EXPRESS',
  now: number,
): string | undefined {
  if (machineType !== 'STANDARD') return 'Execution of an EXPRESS state machine cannot be redriven';
  if (record.status === 'RUNNING' || record.status === 'SUCCEEDED')
    return `Execution is ${record.status} and cannot be redriven`;
  if (record.history.length >= HISTORY_EVENT_LIMIT) return 'Execution history event limit exceeded';
  if (now - record.startDate > MAX_EXECUTION_TIME_MS) return 'Execution has exceeded the max execution time';
  if (now - (record.stopDate ?? now) > REDRIVABLE_PERIOD_MS) return 'Execution redrivable period exceeded';
  return undefined;
}

/** DescribeExecution's answer for a record. */
export function describeExecutionOutput(
  record: ExecutionRecord,
  machineType: 'STANDARD' | 'EXPRESS' = 'STANDARD',
  now = Date.now(),
): Record<string, unknown> {
  const reason = notRedrivableReason(record, machineType, now);
  return {
    ...executionListItem(record),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    redriveStatus: reason === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    ...(reason !== undefined ? { redriveStatusReason: reason } : {}),
  };
}
