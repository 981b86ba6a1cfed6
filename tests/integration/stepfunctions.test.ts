// Step Functions semantics the certification workflow relies on, through the real SFN client: callback
// timeouts and heartbeats, failure routing, stopping, and tasks the local cloud cannot run.
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeOutcome, LambdaInvoker } from '../../local/contracts.js';
import { startEventBus } from '../../local/event-bus.js';
import { startStepFunctionsService } from '../../local/stepfunctions/index.js';
import { finishedExecution } from '../support/executions.js';

const REGION = 'ap-southeast-1';
const ACCOUNT = '000000000000';
const tokens = new Map<string, string>();

/** A stand-in for the Lambda runtime: "hand out" stores the token it receives under a key. */
const lambda: LambdaInvoker = {
  async invoke(name: string, payload: unknown): Promise<InvokeOutcome> {
    const p = payload as { key?: string; token?: string };
    if (name.endsWith(':handOut') && p.key && p.token) {
      tokens.set(p.key, p.token);
      return { ok: true, payload: { handedOut: true } };
    }
    if (name.endsWith(':fails'))
      return { ok: false, errorType: 'MarkOutOfRange', errorMessage: 'mark 120 > 100' };
    throw Object.assign(new Error(`Function not found: ${name}`), { name: 'ResourceNotFoundException' });
  },
};

const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

function callback(overrides: Record<string, unknown>, next: Record<string, unknown> = { End: true }) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: { FunctionName: fn('handOut'), Payload: { 'key.$': '$.key', 'token.$': '$$.Task.Token' } },
    ...overrides,
    ...next,
  };
}

const machines = {
  TimeoutCaught: {
    StartAt: 'Wait',
    States: {
      Wait: callback(
        {
          TimeoutSeconds: 1,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Escalate' }],
        },
        { End: true },
      ),
      Escalate: { Type: 'Pass', Result: 'escalated', ResultPath: '$.outcome', End: true },
    },
  },
  TaskFailedDoesNotCatchTimeout: {
    StartAt: 'Wait',
    States: {
      Wait: callback({ TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }] }),
      Caught: { Type: 'Succeed' },
    },
  },
  Heartbeat: {
    StartAt: 'Wait',
    States: { Wait: callback({ TimeoutSeconds: 30, HeartbeatSeconds: 1 }) },
  },
  HeartbeatCaughtAsTimeout: {
    StartAt: 'Wait',
    States: {
      Wait: callback({
        TimeoutSeconds: 30,
        HeartbeatSeconds: 1,
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.caught', Next: 'Caught' }],
      }),
      Caught: { Type: 'Pass', End: true },
    },
  },
  HeartbeatNotTaskFailed: {
    StartAt: 'Wait',
    States: {
      Wait: callback({
        TimeoutSeconds: 30,
        HeartbeatSeconds: 1,
        Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
      }),
      Caught: { Type: 'Succeed' },
    },
  },
  FailureRouted: {
    StartAt: 'Wait',
    States: {
      Wait: callback({
        Catch: [{ ErrorEquals: ['Marking.Returned'], ResultPath: '$.returned', Next: 'Returned' }],
      }),
      Returned: { Type: 'Pass', End: true },
    },
  },
  FunctionError: {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: fn('fails'), Payload: {} },
        Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    },
  },
  Unsupported: {
    StartAt: 'Queue',
    States: {
      Queue: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'https://sqs.example/q', MessageBody: 'x' },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Swallowed' }],
        End: true,
      },
      Swallowed: { Type: 'Succeed' },
    },
  },
};

let sfn: SFNClient;
let stop: () => Promise<void>;
let stopBus: () => Promise<void>;

async function start(machine: keyof typeof machines, key: string) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn(machine),
      name: key,
      input: JSON.stringify({ key }),
    }),
  );
  return executionArn as string;
}

const finished = (executionArn: string) => finishedExecution(sfn, executionArn);

async function tokenOf(key: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const token = tokens.get(key);
    if (token) return token;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no token for ${key}`);
}

beforeAll(async () => {
  const bus = await startEventBus({ buses: [] });
  stopBus = bus.stop;
  const service = await startStepFunctionsService({
    region: REGION,
    account: ACCOUNT,
    stateMachines: Object.entries(machines).map(([name, definition]) => ({
      logicalId: name,
      name,
      arn: machineArn(name),
      type: 'STANDARD' as const,
      definition,
    })),
    // Nothing here talks to DynamoDB; a closed port makes any attempt fail loudly.
    integrations: { lambda, dynamodbEndpoint: 'http://127.0.0.1:9', eventBus: bus },
    store: { kind: 'memory' },
  });
  stop = service.stop;
  sfn = new SFNClient({
    endpoint: service.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  await stop?.();
  await stopBus?.();
});

describe('callback tasks', () => {
  it('time out after TimeoutSeconds into a Catch on States.Timeout; the late answer is refused', async () => {
    const arn = await start('TimeoutCaught', 'timeout-1');
    const token = await tokenOf('timeout-1');
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toMatchObject({
      outcome: 'escalated',
      error: { Error: 'States.Timeout' },
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('are not caught by States.TaskFailed when they time out, as in AWS', async () => {
    const done = await finished(await start('TaskFailedDoesNotCatchTimeout', 'timeout-2'));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('stay alive while heartbeats arrive, and fail with States.HeartbeatTimeout when they stop', async () => {
    const arn = await start('Heartbeat', 'beat-1');
    const token = await tokenOf('beat-1');
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"marked":true}' }));
    expect(await finished(arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"marked":true}' });

    const silent = await finished(await start('Heartbeat', 'beat-2'));
    expect(silent).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('report a heartbeat timeout as States.HeartbeatTimeout, caught by States.Timeout but not States.TaskFailed', async () => {
    // AWS: "States.Timeout — a Task state ran longer than TimeoutSeconds or failed to send a heartbeat
    // for longer than HeartbeatSeconds"; States.TaskFailed matches everything except timeouts.
    const caught = await finished(await start('HeartbeatCaughtAsTimeout', 'beat-3'));
    expect(caught.status).toBe('SUCCEEDED');
    expect(JSON.parse(caught.output as string).caught).toMatchObject({ Error: 'States.HeartbeatTimeout' });
    const uncaught = await finished(await start('HeartbeatNotTaskFailed', 'beat-4'));
    expect(uncaught).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('route SendTaskFailure by its error name, and a used token cannot be used again', async () => {
    const arn = await start('FailureRouted', 'fail-1');
    const token = await tokenOf('fail-1');
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: 'Marking.Returned',
        cause: 'evidence unreadable',
      }),
    );
    const done = await finished(arn);
    expect(JSON.parse(done.output as string).returned).toEqual({
      Error: 'Marking.Returned',
      Cause: 'evidence unreadable',
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('refuse output that is not JSON, leaving the task waiting', async () => {
    const arn = await start('FailureRouted', 'fail-2');
    const token = await tokenOf('fail-2');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{oops' })),
    ).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":1}' }));
    expect((await finished(arn)).status).toBe('SUCCEEDED');
  });

  it('end with StopExecution, which invalidates the waiting token', async () => {
    const arn = await start('FailureRouted', 'stop-1');
    const token = await tokenOf('stop-1');
    await sfn.send(
      new StopExecutionCommand({ executionArn: arn, error: 'Withdrawn', cause: 'candidate withdrew' }),
    );
    expect(await finished(arn)).toMatchObject({
      status: 'ABORTED',
      error: 'Withdrawn',
      cause: 'candidate withdrew',
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });
});

describe('listing', () => {
  it('lists executions newest first, filtered by status, a page at a time', async () => {
    const arn = machineArn('Heartbeat');
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'FAILED' }),
    );
    expect(failed.executions?.map((e) => e.name)).toEqual(['beat-2']);
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
    expect(first.executions?.map((e) => e.name)).toEqual(['beat-2']);
    expect(first.nextToken).toBeDefined();
    const second = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1, nextToken: first.nextToken }),
    );
    expect(second.executions?.map((e) => e.name)).toEqual(['beat-1']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('task failures', () => {
  it('name a function error after its type with Lambda’s error document as Cause', async () => {
    const done = await finished(await start('FunctionError', 'fn-1'));
    const { error } = JSON.parse(done.output as string);
    expect(error.Error).toBe('MarkOutOfRange');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'MarkOutOfRange',
      errorMessage: 'mark 120 > 100',
    });
  });

  it('fail loudly, uncatchably, on a resource the local cloud has no implementation for', async () => {
    const done = await finished(await start('Unsupported', 'sqs-1'));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Runtime');
    expect(done.cause).toMatch(/no implementation for Task resource arn:aws:states:::sqs:sendMessage/);
  });
});
