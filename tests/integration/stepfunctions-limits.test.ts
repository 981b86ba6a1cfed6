// Step Functions' quotas, applied locally as AWS applies them (docs/local-cloud.md, "Where the local cloud
// is as strict as AWS"): 256 KiB for a state's input and output and a task's result — the terminal
// States.DataLimitExceeded, which no Catch handles, not even States.ALL —, SendTaskSuccess/Failure's own
// field limits, and the 25,000-event history. Through the real @aws-sdk/client-sfn.
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeOutcome, LambdaInvoker, LocalEventBusPort } from '../../local/contracts.js';
import { startStepFunctionsService } from '../../local/stepfunctions/index.js';
import { eventually } from '../support/eventually.js';
import { executionHistory, finishedExecution } from '../support/executions.js';

const REGION = 'eu-west-2';
const ACCOUNT = '000000000000';
const QUOTA = 262_144;
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

/** Functions that answer with `bytes` characters of text, or hand out a task token. */
class TestLambda implements LambdaInvoker {
  readonly tokens = new Map<string, string>();
  async invoke(nameOrArn: string, payload: unknown): Promise<InvokeOutcome> {
    const p = (payload ?? {}) as { bytes?: number; key?: string; token?: string };
    if (nameOrArn.endsWith(':big')) return { ok: true, payload: { text: 'x'.repeat(p.bytes ?? 0) } };
    if (nameOrArn.endsWith(':handOut')) {
      this.tokens.set(String(p.key), String(p.token));
      return { ok: true, payload: null };
    }
    return { ok: false, errorType: 'Unknown', errorMessage: nameOrArn };
  }
  tokenOf(key: string): Promise<string> {
    return eventually(async () => this.tokens.get(key), `the task token for ${key}`, 4_000, 20);
  }
}

const noBus: LocalEventBusPort = {
  putEvents: async () => ({ FailedEntryCount: 0, Entries: [] }),
  recorded: () => [],
};

const catchAll = { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Caught' }] };

const machines: Record<string, Record<string, unknown>> = {
  TaskResult: {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: fn('big'),
        Parameters: { 'bytes.$': '$.bytes' },
        ResultPath: '$.result',
        // A Retry on States.ALL does not retry it either.
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }],
        ...catchAll,
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  },
  StateOutput: {
    StartAt: 'Grow',
    States: {
      // The input is under the quota; with the Pass state's result added, its output is over it.
      Grow: { Type: 'Pass', Result: { more: 'y'.repeat(100_000) }, ResultPath: '$.extra', Next: 'After' },
      After: { Type: 'Pass', End: true },
    },
  },
  Callback: {
    StartAt: 'Wait',
    States: {
      Wait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: fn('handOut'),
          Payload: { 'key.$': '$.key', 'token.$': '$$.Task.Token' },
        },
        ResultPath: '$.answer',
        ...catchAll,
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  },
  Forever: {
    StartAt: 'Tick',
    States: {
      Tick: { Type: 'Pass', Next: 'Again' },
      Again: {
        Type: 'Choice',
        Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
        Default: 'Tick',
      },
      Done: { Type: 'Succeed' },
    },
  },
};

let lambda: TestLambda;
let service: { endpoint: string; stop(): Promise<void> };
let sfn: SFNClient;

async function start(machine: string, name: string, input: Record<string, unknown>) {
  const out = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machineArn(machine), name, input: JSON.stringify(input) }),
  );
  return out.executionArn as string;
}

const finished = (executionArn: string, waitMs?: number) => finishedExecution(sfn, executionArn, waitMs);
const historyOf = (executionArn: string) => executionHistory(sfn, executionArn);

beforeAll(async () => {
  lambda = new TestLambda();
  service = await startStepFunctionsService({
    region: REGION,
    account: ACCOUNT,
    stateMachines: Object.entries(machines).map(([name, definition]) => ({
      logicalId: name,
      name,
      arn: machineArn(name),
      type: 'STANDARD' as const,
      definition,
    })),
    integrations: { lambda, dynamodbEndpoint: 'http://127.0.0.1:9', eventBus: noBus },
    store: { kind: 'memory' },
  });
  sfn = new SFNClient({
    endpoint: service.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await service?.stop();
});

describe('the 256 KiB payload quota', () => {
  it('fails a task whose result is over it with States.DataLimitExceeded, which States.ALL neither retries nor catches', async () => {
    const under = await finished(await start('TaskResult', 'result-under', { bytes: 200_000 }));
    expect(under.status).toBe('SUCCEEDED');
    expect(JSON.parse(under.output as string).caught).toBeUndefined();

    const started = Date.now();
    const over = await finished(await start('TaskResult', 'result-over', { bytes: 300_000 }));
    expect(over).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(over.cause).toMatch(/result of task Call has 300\d{3} bytes, over the 262144-byte payload quota/);
    // Not retried: the retrier's 1-second interval never ran.
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('ends the execution when a state’s output grows over it', async () => {
    const input = { padding: 'z'.repeat(QUOTA - 50_000) };
    const done = await finished(await start('StateOutput', 'output-over', input));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(done.cause).toMatch(/output of state Grow/);
    const history = await historyOf(done.executionArn as string);
    expect(history.at(-1)?.type).toBe('ExecutionFailed');
    expect(history.some((e) => e.stateEnteredEventDetails?.name === 'After')).toBe(false);
  });

  it('refuses SendTaskSuccess output and SendTaskFailure fields over their limits, leaving the task waiting', async () => {
    const arn = await start('Callback', 'callback-over', { key: 'callback-over' });
    const taskToken = await lambda.tokenOf('callback-over');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ t: 'x'.repeat(QUOTA) }) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/'output'.*262144/),
    });
    await expect(
      sfn.send(new SendTaskFailureCommand({ taskToken, error: 'E'.repeat(257), cause: 'c' })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/'error'.*256/) });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"marked":true}' }));
    expect(await finished(arn)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('the 25,000-event history quota', () => {
  it('fails an execution whose 25,000th event would not close it, with ExecutionFailed as that event', async () => {
    const done = await finished(await start('Forever', 'forever-1', {}), 50_000);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(done.cause).toMatch(/maximum number of history events \(25000\)/);
    const history = await historyOf(done.executionArn as string);
    expect(history).toHaveLength(25_000);
    expect(history.at(-1)).toMatchObject({ id: 25_000, type: 'ExecutionFailed' });
  });
});
