import { describe, expect, it } from 'vitest';
import { type ChildExecution, childOutcome, TaskError } from '../../../local/stepfunctions/integrations.js';
import {
  describeExecutionOutput,
  detailsMember,
  executionArnOf,
  historyEventToAws,
  isValidExecutionName,
  notRedrivableReason,
  paginate,
  resourceParts,
  SFN_ERROR_NAMESPACE,
  sfnError,
} from '../../../local/stepfunctions/protocol.js';
import type { ExecutionRecord } from '../../../local/stepfunctions/store.js';

describe('sfnError', () => {
  it('puts the AWS namespace in __type and answers 400', () => {
    const error = sfnError('ExecutionAlreadyExists', 'taken');
    expect(error.code).toBe(`${SFN_ERROR_NAMESPACE}#ExecutionAlreadyExists`);
    expect(error.code).toBe('com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists');
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('taken');
  });
});

describe('isValidExecutionName', () => {
  it.each(['a', 'attempt-1_2', 'attempt.2026-01-01', 'prüfung', 'x'.repeat(80)])('accepts %s', (name) => {
    expect(isValidExecutionName(name)).toBe(true);
  });

  it.each([
    '',
    'x'.repeat(81),
    'has space',
    'a/b',
    'a:b',
    'a{b}',
    'a[b]',
    'a<b',
    'a?b',
    'a*b',
    'a"b',
    'a#b',
    'a%b',
    'a\\b',
    'a^b',
    'a|b',
    'a~b',
    'a`b',
    'a$b',
    'a&b',
    'a,b',
    'a;b',
    'tab\there',
    'ctl\u0001',
    'ctl\u0085',
  ])('refuses %j', (name) => {
    expect(isValidExecutionName(name)).toBe(false);
  });

  it('refuses what is not a string', () => {
    expect(isValidExecutionName(42)).toBe(false);
  });
});

describe('paginate', () => {
  const items = Array.from({ length: 5 }, (_, i) => i);

  it('pages with an opaque token until the end', () => {
    const first = paginate(items, { maxResults: 2 });
    expect(first.page).toEqual([0, 1]);
    const second = paginate(items, { maxResults: 2, nextToken: first.nextToken });
    expect(second.page).toEqual([2, 3]);
    const third = paginate(items, { maxResults: 2, nextToken: second.nextToken });
    expect(third).toEqual({ page: [4] });
  });

  it('treats 0 or no maxResults as 100', () => {
    const many = Array.from({ length: 150 }, (_, i) => i);
    expect(paginate(many, { maxResults: 0 }).page).toHaveLength(100);
    expect(paginate(many, {}).page).toHaveLength(100);
  });

  it('refuses a token it did not issue and a maxResults above 1000', () => {
    expect(() => paginate(items, { nextToken: 'garbage' })).toThrow(
      expect.objectContaining({ code: `${SFN_ERROR_NAMESPACE}#InvalidToken` }),
    );
    expect(() => paginate(items, { maxResults: 1001 })).toThrow(
      expect.objectContaining({ code: `${SFN_ERROR_NAMESPACE}#ValidationException` }),
    );
  });
});

describe('history events', () => {
  it.each([
    ['TaskStateEntered', 'stateEnteredEventDetails'],
    ['MapStateExited', 'stateExitedEventDetails'],
    ['ExecutionStarted', 'executionStartedEventDetails'],
    ['TaskScheduled', 'taskScheduledEventDetails'],
    ['TaskSubmitted', 'taskSubmittedEventDetails'],
    ['TaskTimedOut', 'taskTimedOutEventDetails'],
    ['LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails'],
    ['MapIterationStarted', 'mapIterationStartedEventDetails'],
    ['ExecutionAborted', 'executionAbortedEventDetails'],
  ])('%s carries its details in %s', (type, member) => {
    expect(detailsMember(type)).toBe(member);
  });

  it('renders a stored event in the API shape, timestamps in epoch seconds', () => {
    expect(
      historyEventToAws({
        id: 3,
        previousEventId: 2,
        timestamp: 1_700_000_000_123,
        type: 'TaskSucceeded',
        details: { resourceType: 'lambda', resource: 'invoke', output: '{}' },
      }),
    ).toEqual({
      id: 3,
      previousEventId: 2,
      timestamp: 1_700_000_000.123,
      type: 'TaskSucceeded',
      taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' },
    });
    expect(
      historyEventToAws({ id: 1, previousEventId: 0, timestamp: 0, type: 'LambdaFunctionStarted' }),
    ).toEqual({ id: 1, previousEventId: 0, timestamp: 0, type: 'LambdaFunctionStarted' });
  });

  it.each([
    ['arn:aws:states:::lambda:invoke', 'lambda', 'invoke'],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'lambda', 'invoke.waitForTaskToken'],
    [
      'arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken',
      'aws-sdk:dynamodb',
      'updateItem.waitForTaskToken',
    ],
    ['arn:aws:states:::dynamodb:putItem', 'dynamodb', 'putItem'],
    ['arn:aws:states:::events:putEvents', 'events', 'putEvents'],
    ['arn:aws:states:::states:startExecution.sync:2', 'states', 'startExecution.sync:2'],
  ])('%s is resourceType %s, resource %s', (arn, resourceType, resource) => {
    expect(resourceParts(arn)).toEqual({ resourceType, resource });
  });
});

describe('executions', () => {
  it('derives the execution ARN from the state machine ARN and the name', () => {
    expect(executionArnOf('arn:aws:states:ap-southeast-1:000000000000:stateMachine:Flow', 'run-1')).toBe(
      'arn:aws:states:ap-southeast-1:000000000000:execution:Flow:run-1',
    );
  });

  it('describes a finished execution with output only when it has one', () => {
    const record: ExecutionRecord = {
      executionArn: 'arn:aws:states:r:000000000000:execution:F:n',
      stateMachineArn: 'arn:aws:states:r:000000000000:stateMachine:F',
      name: 'n',
      input: '{"a":1}',
      status: 'FAILED',
      startDate: 1000,
      stopDate: 2500,
      error: 'Boom',
      cause: 'because',
      history: [],
      pending: [],
      memo: [],
      closedTokens: {},
    };
    const described = describeExecutionOutput(record, 'STANDARD', 3000);
    expect(described).toMatchObject({
      status: 'FAILED',
      startDate: 1,
      stopDate: 2.5,
      input: '{"a":1}',
      error: 'Boom',
      cause: 'because',
    });
    expect(described).not.toHaveProperty('output');
    expect(described).toMatchObject({ redriveCount: 0, redriveStatus: 'REDRIVABLE' });
    expect(described).not.toHaveProperty('redriveDate');
  });
});

describe('redrive eligibility', () => {
  const DAY = 24 * 3600 * 1000;
  const record = (fields: Partial<ExecutionRecord>): ExecutionRecord => ({
    executionArn: 'arn:aws:states:r:000000000000:execution:F:n',
    stateMachineArn: 'arn:aws:states:r:000000000000:stateMachine:F',
    name: 'n',
    input: '{}',
    status: 'FAILED',
    startDate: 0,
    stopDate: DAY,
    history: [],
    pending: [],
    memo: [],
    closedTokens: {},
    ...fields,
  });

  it('lets FAILED, TIMED_OUT and ABORTED Standard executions be redriven for 14 days after they closed', () => {
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const)
      expect(notRedrivableReason(record({ status }), 'STANDARD', 14 * DAY)).toBeUndefined();
    expect(notRedrivableReason(record({}), 'STANDARD', 16 * DAY)).toBe(
      'Execution redrivable period exceeded',
    );
  });

  it('says why the others cannot, in AWS’s words', () => {
    expect(notRedrivableReason(record({ status: 'RUNNING' }), 'STANDARD', DAY)).toBe(
      'Execution is RUNNING and cannot be redriven',
    );
    expect(notRedrivableReason(record({ status: 'SUCCEEDED' }), 'STANDARD', DAY)).toBe(
      'Execution is SUCCEEDED and cannot be redriven',
    );
    expect(notRedrivableReason(record({}), 'EXPRESS', DAY)).toMatch(/EXPRESS/);
    const longHistory = Array.from({ length: 25_000 }, (_, i) => ({
      id: i + 1,
      previousEventId: i,
      timestamp: 0,
      type: 'PassStateEntered',
    }));
    expect(notRedrivableReason(record({ history: longHistory }), 'STANDARD', DAY)).toBe(
      'Execution history event limit exceeded',
    );
    expect(notRedrivableReason(record({ stopDate: 366 * DAY }), 'STANDARD', 367 * DAY)).toBe(
      'Execution has exceeded the max execution time',
    );
  });

  it('describes a redriven execution with its count, date and status reason', () => {
    const described = describeExecutionOutput(
      record({ status: 'SUCCEEDED', redriveCount: 2, redriveDate: 3000 }),
      'STANDARD',
      5000,
    );
    expect(described).toMatchObject({
      redriveCount: 2,
      redriveDate: 3,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
  });
});

describe('states:startExecution.sync outcome', () => {
  const child: ChildExecution = {
    executionArn: 'arn:child',
    stateMachineArn: 'arn:sm',
    name: 'child',
    status: 'SUCCEEDED',
    input: '{"x":1}',
    output: '{"y":2}',
    startDate: 1,
    stopDate: 2,
  };

  it('gives JSON for .sync:2 and strings for .sync', () => {
    expect(childOutcome(child, true)).toMatchObject({
      Input: { x: 1 },
      Output: { y: 2 },
      Status: 'SUCCEEDED',
    });
    expect(childOutcome(child, false)).toMatchObject({ Input: '{"x":1}', Output: '{"y":2}' });
  });

  it('fails the task with States.TaskFailed and the child document as Cause', () => {
    let thrown: unknown;
    try {
      childOutcome({ ...child, status: 'FAILED', output: undefined, error: 'E', cause: 'C' }, true);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TaskError);
    expect((thrown as TaskError).name).toBe('States.TaskFailed');
    expect(JSON.parse((thrown as TaskError).message)).toMatchObject({
      Status: 'FAILED',
      Error: 'E',
      Cause: 'C',
    });
  });
});
