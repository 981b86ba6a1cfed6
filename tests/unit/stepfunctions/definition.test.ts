import { describe, expect, it } from 'vitest';
import {
  AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
  ENGINE_SAFE_TIMEOUT_SECONDS,
  longTimeout,
  prepareDefinition,
  startingAt,
  TASK_TOKEN_PLACEHOLDER,
  UnsupportedDefinitionError,
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

  it('refuses what it cannot honour locally rather than behave differently', () => {
    const withPath = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSecondsPath: '$.t', End: true },
      },
    };
    expect(() => prepareDefinition(withPath)).toThrow(/TimeoutSecondsPath is not supported/);
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
  ])('%s → %s (%s)', (resource, kind, mode) => {
    expect(parseResource(resource)).toMatchObject({ kind, mode });
  });

  it.each([
    'arn:aws:states:::sqs:sendMessage',
    'arn:aws:states:::aws-sdk:s3:getObject',
    'arn:aws:states:::dynamodb:putItem.sync',
    'arn:aws:states:::ecs:runTask.sync',
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

  it('fires short delays', async () => {
    const fired = await new Promise<boolean>((resolve) => longTimeout(5, () => resolve(true)));
    expect(fired).toBe(true);
  });
});
