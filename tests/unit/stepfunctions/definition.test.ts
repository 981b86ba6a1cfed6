import { describe, expect, it, vi } from 'vitest';
import {
  AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
  ENGINE_SAFE_TIMEOUT_SECONDS,
  ENVELOPE_MARKER,
  engineContext,
  fillPlaceholders,
  InvalidPathValueError,
  longTimeout,
  prepareDefinition,
  STATE_ENTERED_TIME_PLACEHOLDER,
  STATE_RETRY_COUNT_PLACEHOLDER,
  startingAt,
  TASK_TOKEN_PLACEHOLDER,
  UnsupportedDefinitionError,
  unwrapTaskInput,
} from '../../../local/stepfunctions/definition.js';
import { parseResource } from '../../../local/stepfunctions/integrations.js';

const definition = {
  StartAt: 'Assign',
  States: {
    Assign: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: 'f',
        Payload: {
          'token.$': '$$.Task.Token',
          'input.$': '$$.Execution.Input.attemptId',
          'started.$': '$$.Execution.StartTime',
        },
      },
      TimeoutSeconds: 3_000_000,
      HeartbeatSeconds: 60,
      Next: 'Marks',
    },
    Marks: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'Mark',
        States: { Mark: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', End: true } },
      },
      End: true,
    },
  },
};

describe('prepareDefinition', () => {
  const prepared = prepareDefinition(definition);
  const assign = prepared.engineDefinition.States.Assign as Record<string, unknown>;

  it('takes task timeouts away from the engine and keeps them for the adapter', () => {
    expect(assign.TimeoutSeconds).toBe(ENGINE_SAFE_TIMEOUT_SECONDS);
    expect(assign).not.toHaveProperty('HeartbeatSeconds');
    expect(prepared.tasks.get('Assign')).toEqual({
      resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      timeoutSeconds: 3_000_000,
      heartbeatSeconds: 60,
    });
  });

  it('gives nested tasks without a timeout the AWS default, not the engine’s 60 s', () => {
    expect(prepared.tasks.get('Mark')?.timeoutSeconds).toBe(AWS_DEFAULT_TASK_TIMEOUT_SECONDS);
    const mark = (
      prepared.engineDefinition.States.Marks as unknown as {
        ItemProcessor: { States: Record<string, { TimeoutSeconds: number }> };
      }
    ).ItemProcessor.States.Mark;
    expect(mark?.TimeoutSeconds).toBe(ENGINE_SAFE_TIMEOUT_SECONDS);
  });

  it('replaces $$.Task.Token with the placeholder and redirects the fields the engine overwrites', () => {
    expect((assign.Parameters as { Payload: unknown }).Payload).toEqual({
      token: TASK_TOKEN_PLACEHOLDER,
      'input.$': '$$.Execution.OriginalInput.attemptId',
      'started.$': '$$.Execution.OriginalStartTime',
    });
  });

  it('drops ResultPath "$", which the engine misreads, keeping its meaning', () => {
    const replaced = prepareDefinition({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          ResultPath: '$',
          Catch: [
            { ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'B' },
            { ErrorEquals: ['X'], ResultPath: '$.error', Next: 'B' },
          ],
          End: true,
        },
        B: { Type: 'Pass', ResultPath: '$.kept', End: true },
      },
    }).engineDefinition.States;
    expect(replaced.A).not.toHaveProperty('ResultPath');
    expect(replaced.A?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Next: 'B' },
      { ErrorEquals: ['X'], ResultPath: '$.error', Next: 'B' },
    ]);
    expect(replaced.B?.ResultPath).toBe('$.kept');
  });

  it('takes the execution timeout away from the engine too', () => {
    const withTimeout = prepareDefinition({ ...definition, TimeoutSeconds: 7_776_000 });
    expect(withTimeout.executionTimeoutSeconds).toBe(7_776_000);
    expect(withTimeout.engineDefinition).not.toHaveProperty('TimeoutSeconds');
    expect(prepared.executionTimeoutSeconds).toBeUndefined();
  });

  it('knows the top-level states an execution can resume from', () => {
    expect([...prepared.topLevelStates]).toEqual(['Assign', 'Marks']);
    expect(startingAt(prepared.engineDefinition, 'Marks').StartAt).toBe('Marks');
    expect(() => startingAt(prepared.engineDefinition, 'Mark')).toThrow(UnsupportedDefinitionError);
  });

  it('knows which Map or Parallel states enclose each task, outermost first', () => {
    expect([...prepared.enclosing]).toEqual([['Mark', ['Marks']]]);
    const nested = prepareDefinition({
      StartAt: 'Outer',
      States: {
        Outer: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Inner',
              States: {
                Inner: {
                  Type: 'Map',
                  ItemProcessor: {
                    StartAt: 'Deep',
                    States: {
                      Deep: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', End: true },
                    },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    });
    expect(nested.enclosing.get('Deep')).toEqual(['Outer', 'Inner']);
  });

  it('gives the engine the ceiling it is asked for, so the service can refresh runs before it fires', () => {
    const ceiling = prepareDefinition(definition, { engineTimeoutSeconds: 2 }).engineDefinition.States.Assign;
    expect(ceiling?.TimeoutSeconds).toBe(2);
  });
});

describe('TimeoutSecondsPath and HeartbeatSecondsPath', () => {
  const prepared = prepareDefinition({
    StartAt: 'A',
    States: {
      A: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'f', 'Payload.$': '$.payload' },
        TimeoutSecondsPath: '$.limits.timeout',
        HeartbeatSecondsPath: '$.limits.heartbeat',
        End: true,
      },
      B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSecondsPath: '$.t', End: true },
    },
  });
  const a = prepared.engineDefinition.States.A as Record<string, unknown>;

  it('moves the paths into an envelope around Parameters and takes them off the engine', () => {
    expect(a).not.toHaveProperty('TimeoutSecondsPath');
    expect(a).not.toHaveProperty('HeartbeatSecondsPath');
    expect(a.TimeoutSeconds).toBe(ENGINE_SAFE_TIMEOUT_SECONDS);
    expect(a.Parameters).toEqual({
      [ENVELOPE_MARKER]: true,
      parameters: { FunctionName: 'f', 'Payload.$': '$.payload' },
      'timeoutSeconds.$': '$.limits.timeout',
      'heartbeatSeconds.$': '$.limits.heartbeat',
    });
    expect(prepared.tasks.get('A')?.enveloped).toBe(true);
  });

  it('passes the whole effective input when the Task has no Parameters', () => {
    expect((prepared.engineDefinition.States.B as Record<string, unknown>).Parameters).toEqual({
      [ENVELOPE_MARKER]: true,
      'parameters.$': '$',
      'timeoutSeconds.$': '$.t',
    });
  });

  it('unwraps the envelope into the real input and the resolved values', () => {
    const settings = prepared.tasks.get('A');
    if (!settings) throw new Error('no settings');
    expect(
      unwrapTaskInput(
        { parameters: { FunctionName: 'f' }, timeoutSeconds: 30, heartbeatSeconds: 5 },
        settings,
      ),
    ).toEqual({ input: { FunctionName: 'f' }, timeoutSeconds: 30, heartbeatSeconds: 5 });
  });

  it.each([0, -1, 1.5, '30', null])('refuses a path that selects %s (States.Runtime in AWS)', (value) => {
    const settings = prepared.tasks.get('A');
    if (!settings) throw new Error('no settings');
    expect(() => unwrapTaskInput({ parameters: {}, timeoutSeconds: value }, settings)).toThrow(
      InvalidPathValueError,
    );
  });

  it('leaves tasks without paths alone', () => {
    expect(unwrapTaskInput({ x: 1 }, { resource: 'r', timeoutSeconds: 9 })).toEqual({
      input: { x: 1 },
      timeoutSeconds: 9,
    });
  });
});

describe('context object', () => {
  const prepared = prepareDefinition({
    StartAt: 'Notify',
    States: {
      Notify: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          'state.$': '$$.State.Name',
          'entered.$': '$$.State.EnteredTime',
          'attempt.$': '$$.State.RetryCount',
          'label.$': "States.Format('{}/{}', $$.Execution.Input.id, $$.Task.Token)",
        },
        End: true,
      },
    },
  });
  const parameters = (prepared.engineDefinition.States.Notify as Record<string, unknown>).Parameters;

  it('turns $$.State.Name into the literal state name and redirects Execution.Input inside intrinsics', () => {
    expect(parameters).toEqual({
      state: 'Notify',
      'entered.$': '$$.State.EnteredTime',
      'attempt.$': '$$.State.RetryCount',
      'label.$': "States.Format('{}/{}', $$.Execution.OriginalInput.id, $$.Task.Token)",
    });
  });

  it('hands the engine placeholders for what only the adapter knows', () => {
    const context = engineContext({
      executionArn: 'arn:x',
      executionName: 'n',
      roleArn: 'arn:role',
      originalInput: { id: 7 },
      startTime: '2026-01-01T00:00:00.000Z',
      stateMachineArn: 'arn:sm',
      stateMachineName: 'sm',
    });
    expect(context).toMatchObject({
      Execution: { Id: 'arn:x', Name: 'n', OriginalInput: { id: 7 }, RedriveCount: 0 },
      StateMachine: { Id: 'arn:sm', Name: 'sm' },
      Task: { Token: TASK_TOKEN_PLACEHOLDER },
      State: { EnteredTime: STATE_ENTERED_TIME_PLACEHOLDER, RetryCount: STATE_RETRY_COUNT_PLACEHOLDER },
    });
  });

  it('carries how often and when the execution was redriven', () => {
    const context = engineContext({
      executionArn: 'arn:x',
      executionName: 'n',
      roleArn: 'arn:role',
      originalInput: {},
      startTime: '2026-01-01T00:00:00.000Z',
      stateMachineArn: 'arn:sm',
      stateMachineName: 'sm',
      redriveCount: 2,
      redriveTime: '2026-01-02T00:00:00.000Z',
    });
    expect(context.Execution).toMatchObject({ RedriveCount: 2, RedriveTime: '2026-01-02T00:00:00.000Z' });
  });

  it('fills the placeholders: numbers stay numbers, strings built by intrinsics get the value inside', () => {
    const filled = fillPlaceholders(
      {
        entered: STATE_ENTERED_TIME_PLACEHOLDER,
        attempt: STATE_RETRY_COUNT_PLACEHOLDER,
        label: `7/${TASK_TOKEN_PLACEHOLDER}`,
        nested: [{ token: TASK_TOKEN_PLACEHOLDER }],
      },
      { stateName: 'Notify', enteredTime: '2026-01-01T00:00:01.000Z', retryCount: 2, token: 'tok' },
    );
    expect(filled).toEqual({
      entered: '2026-01-01T00:00:01.000Z',
      attempt: 2,
      label: '7/tok',
      nested: [{ token: 'tok' }],
    });
  });

  it('leaves the token placeholder for a task that gets no token', () => {
    expect(
      fillPlaceholders(TASK_TOKEN_PLACEHOLDER, { stateName: 's', enteredTime: 't', retryCount: 0 }),
    ).toBe(TASK_TOKEN_PLACEHOLDER);
  });
});

describe('parseResource', () => {
  it.each([
    ['arn:aws:lambda:ap-southeast-1:000000000000:function:grade', 'lambda-arn', 'request-response'],
    ['arn:aws:states:::lambda:invoke', 'lambda-invoke', 'request-response'],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'lambda-invoke', 'callback'],
    ['arn:aws:states:::dynamodb:updateItem', 'dynamodb', 'request-response'],
    ['arn:aws:states:::aws-sdk:dynamodb:transactWriteItems', 'aws-sdk', 'request-response'],
    ['arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken', 'aws-sdk', 'callback'],
    ['arn:aws:states:::events:putEvents', 'events-put', 'request-response'],
    ['arn:aws:states:::events:putEvents.waitForTaskToken', 'events-put', 'callback'],
    ['arn:aws:states:::states:startExecution', 'states-start', 'request-response'],
    ['arn:aws:states:::states:startExecution.sync', 'states-start', 'sync'],
    ['arn:aws:states:::states:startExecution.sync:2', 'states-start', 'sync2'],
    ['arn:aws:states:::states:startExecution.waitForTaskToken', 'states-start', 'callback'],
  ])('%s → %s (%s)', (resource, kind, mode) => {
    expect(parseResource(resource)).toMatchObject({ kind, mode });
  });

  it.each([
    'arn:aws:states:::sqs:sendMessage',
    'arn:aws:states:::aws-sdk:s3:getObject',
    'arn:aws:states:::dynamodb:putItem.sync',
    'arn:aws:states:::ecs:runTask.sync',
    'arn:aws:states:::lambda:invoke.sync',
    'arn:aws:states:::dynamodb:getItem.waitForTaskToken',
  ])('has no local implementation for %s', (resource) => {
    expect(parseResource(resource)).toBeUndefined();
  });
});

describe('longTimeout', () => {
  it('waits out delays beyond 2^31-1 ms instead of firing at once', async () => {
    let fired = false;
    const timer = longTimeout(2 ** 31 + 10_000, () => {
      fired = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).toBe(false);
    timer.clear();
  });

  it('chains timers: nothing at 2^31 ms, fires once the whole delay has passed', () => {
    vi.useFakeTimers();
    try {
      let fired = 0;
      longTimeout(2 ** 31 + 10_000, () => {
        fired++;
      });
      vi.advanceTimersByTime(2 ** 31);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(10_000);
      expect(fired).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fires short delays', async () => {
    const fired = await new Promise<boolean>((resolve) => longTimeout(5, () => resolve(true)));
    expect(fired).toBe(true);
  });
});
