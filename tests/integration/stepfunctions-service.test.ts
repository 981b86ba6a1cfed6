// The local Step Functions service on its own, through the real @aws-sdk/client-sfn: every Task
// integration performed for real (DynamoDB Local, an in-test bus and Lambda stand-in), Retry with its
// backoff, names, errors, history, context object, and a waiting task surviving a restart.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  InvokeOutcome,
  LambdaInvoker,
  LocalEventBusPort,
  PutEventsEntry,
  PutEventsResult,
  RecordedEvent,
} from '../../local/contracts.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import {
  type StepFunctionsServiceOptions,
  startStepFunctionsService,
} from '../../local/stepfunctions/index.js';
import { finishedExecution } from '../support/executions.js';

const REGION = 'eu-west-2';
const ACCOUNT = '000000000000';
const TABLE = 'sfn-test';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

/** A small Lambda stand-in: each function is a plain async function; calls are recorded. */
class TestLambda implements LambdaInvoker {
  readonly calls: { name: string; payload: unknown; at: number }[] = [];
  readonly tokens = new Map<string, string>();
  private readonly flaky = new Map<string, number>();
  /** Keys whose `gate` function lets calls through; closed gates fail with GateClosed. */
  readonly open = new Set<string>();

  async invoke(nameOrArn: string, payload: unknown): Promise<InvokeOutcome> {
    const name = nameOrArn.split(':').pop() ?? nameOrArn;
    this.calls.push({ name, payload, at: Date.now() });
    const p = (payload ?? {}) as Record<string, unknown>;
    switch (name) {
      case 'echo':
        return { ok: true, payload: { echoed: payload } };
      case 'handOut':
        this.tokens.set(String(p.key), String(p.token));
        return { ok: true, payload: { handedOut: true } };
      case 'flaky': {
        const attempt = (this.flaky.get(String(p.key)) ?? 0) + 1;
        this.flaky.set(String(p.key), attempt);
        return attempt < 3
          ? { ok: false, errorType: 'FlakyError', errorMessage: `attempt ${attempt}`, trace: ['at flaky'] }
          : { ok: true, payload: { attempts: attempt } };
      }
      case 'hang':
        return new Promise(() => {});
      case 'gate':
        return this.open.has(String(p.key))
          ? { ok: true, payload: { passed: p.key } }
          : { ok: false, errorType: 'GateClosed', errorMessage: `gate ${String(p.key)} is closed` };
      default: {
        const error = new Error(`Function not found: ${nameOrArn}`);
        error.name = 'ResourceNotFoundException';
        throw error;
      }
    }
  }

  async tokenOf(key: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const token = this.tokens.get(key);
      if (token) return token;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no token handed out for ${key}`);
  }
}

/** A small event bus: records entries, refuses an entry without Source like EventBridge. */
class TestBus implements LocalEventBusPort {
  private readonly events: RecordedEvent[] = [];
  async putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult> {
    const results = entries.map((entry, i) => {
      if (!entry.Source)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' };
      const id = `event-${this.events.length + i}`;
      this.events.push({
        id,
        eventBusName: entry.EventBusName ?? 'default',
        source: entry.Source,
        detailType: entry.DetailType ?? '',
        detail: JSON.parse(entry.Detail ?? '{}'),
        resources: entry.Resources ?? [],
        time: new Date().toISOString(),
      });
      return { EventId: id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }
  recorded(): RecordedEvent[] {
    return [...this.events];
  }
}

const callbackTask = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: fn('handOut'), Payload: { 'key.$': '$.key', 'token.$': '$$.Task.Token' } },
  ResultPath: '$.answer',
  ...extra,
});

const key = (id: string) => ({ pk: { S: 'run' }, sk: { S: id } });

const machines: Record<string, Record<string, unknown>> = {
  Integrations: {
    StartAt: 'Put',
    States: {
      Put: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: {
          TableName: TABLE,
          Item: { pk: { S: 'run' }, 'sk.$': "States.Format('{}', $.key)", status: { S: 'started' } },
        },
        ResultPath: null,
        Next: 'Get',
      },
      Get: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:getItem',
        Parameters: { TableName: TABLE, Key: { pk: { S: 'run' }, 'sk.$': '$.sk' } },
        ResultSelector: { 'status.$': '$.Item.status.S' },
        ResultPath: '$.got',
        Next: 'GuardedUpdate',
      },
      GuardedUpdate: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: TABLE,
          Key: { pk: { S: 'run' }, 'sk.$': '$.sk' },
          UpdateExpression: 'SET #s = :done',
          ConditionExpression: '#s = :never',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':done': { S: 'done' }, ':never': { S: 'never' } },
        },
        Catch: [
          {
            ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
            ResultPath: '$.optimizedError',
            Next: 'SdkGet',
          },
        ],
        Next: 'SdkGet',
      },
      SdkGet: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
        Parameters: { TableName: TABLE, Key: { pk: { S: 'run' }, 'sk.$': '$.sk' } },
        ResultSelector: { 'status.$': '$.Item.status.S' },
        ResultPath: '$.sdkGot',
        Next: 'SdkGuardedDelete',
      },
      SdkGuardedDelete: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:deleteItem',
        Parameters: {
          TableName: TABLE,
          Key: { pk: { S: 'run' }, 'sk.$': '$.sk' },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
        Catch: [
          {
            ErrorEquals: ['DynamoDb.ConditionalCheckFailedException'],
            ResultPath: '$.sdkError',
            Next: 'Invoke',
          },
        ],
        Next: 'Invoke',
      },
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: fn('echo'), Payload: { 'key.$': '$.key' } },
        ResultSelector: {
          'Payload.$': '$.Payload',
          'StatusCode.$': '$.StatusCode',
          'ExecutedVersion.$': '$.ExecutedVersion',
        },
        ResultPath: '$.invoked',
        Next: 'PlainArn',
      },
      PlainArn: {
        Type: 'Task',
        Resource: fn('echo'),
        Parameters: { 'plain.$': '$.key' },
        ResultPath: '$.plain',
        Next: 'Announce',
      },
      Announce: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: {
          Entries: [{ Source: 'skillcert.test', DetailType: 'Announced', Detail: { 'key.$': '$.key' } }],
        },
        ResultPath: '$.announced',
        Next: 'Child',
      },
      Child: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: {
          StateMachineArn: machineArn('Child'),
          'Name.$': "States.Format('{}-child', $.key)",
          Input: { 'value.$': '$.key' },
        },
        ResultSelector: { 'Output.$': '$.Output', 'Status.$': '$.Status' },
        ResultPath: '$.child',
        Next: 'Delete',
      },
      Delete: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:deleteItem',
        Parameters: { TableName: TABLE, Key: { pk: { S: 'run' }, 'sk.$': '$.sk' } },
        ResultPath: null,
        End: true,
      },
    },
  },
  Child: {
    StartAt: 'Double',
    States: {
      Double: {
        Type: 'Pass',
        Parameters: { 'doubled.$': "States.Format('{}{}', $.value, $.value)" },
        End: true,
      },
    },
  },
  SdkCallback: {
    StartAt: 'Park',
    States: {
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
        Parameters: {
          TableName: TABLE,
          Item: { pk: { S: 'run' }, 'sk.$': '$.key', token: { 'S.$': '$$.Task.Token' } },
        },
        ResultPath: '$.answer',
        End: true,
      },
    },
  },
  EventCallback: {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
        Parameters: {
          Entries: [{ Source: 'skillcert.test', DetailType: 'Ask', Detail: { 'token.$': '$$.Task.Token' } }],
        },
        End: true,
      },
    },
  },
  Retrying: {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: fn('flaky'),
          Payload: { 'key.$': '$.key', 'attempt.$': '$$.State.RetryCount', 'state.$': '$$.State.Name' },
        },
        OutputPath: '$.Payload',
        Retry: [{ ErrorEquals: ['FlakyError'], IntervalSeconds: 1, BackoffRate: 1.5, MaxAttempts: 2 }],
        End: true,
      },
    },
  },
  Timeouts: {
    StartAt: 'Hang',
    States: {
      Hang: {
        Type: 'Task',
        Resource: fn('hang'),
        TimeoutSeconds: 1,
        Catch: [
          { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.wrong', Next: 'Done' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Done' },
        ],
        End: true,
      },
      Done: { Type: 'Pass', End: true },
    },
  },
  PathTimeout: {
    StartAt: 'Wait',
    States: { Wait: callbackTask({ TimeoutSecondsPath: '$.limit', End: true }) },
  },
  Unsupported: {
    StartAt: 'Queue',
    States: {
      Queue: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'https://sqs.example/q', MessageBody: 'x' },
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Swallowed' }],
        End: true,
      },
      Swallowed: { Type: 'Succeed' },
    },
  },
  Context: {
    StartAt: 'Items',
    States: {
      Items: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          StartAt: 'Look',
          States: {
            Look: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: {
                FunctionName: fn('echo'),
                Payload: {
                  'executionInput.$': '$$.Execution.Input',
                  'executionName.$': '$$.Execution.Name',
                  'executionId.$': '$$.Execution.Id',
                  'startTime.$': '$$.Execution.StartTime',
                  'roleArn.$': '$$.Execution.RoleArn',
                  'machine.$': '$$.StateMachine.Name',
                  'state.$': '$$.State.Name',
                  'entered.$': '$$.State.EnteredTime',
                  'item.$': '$',
                },
              },
              OutputPath: '$.Payload.echoed',
              End: true,
            },
          },
        },
        End: true,
      },
    },
  },
  ExecutionTimeout: {
    TimeoutSeconds: 1,
    StartAt: 'Wait',
    States: { Wait: callbackTask({ End: true }) },
  },
  Redrivable: {
    StartAt: 'Before',
    States: {
      Before: {
        Type: 'Task',
        Resource: fn('echo'),
        Parameters: { 'key.$': '$.key' },
        ResultPath: '$.before',
        Next: 'Gate',
      },
      Gate: {
        Type: 'Task',
        Resource: fn('gate'),
        Parameters: { 'key.$': '$.key' },
        ResultPath: '$.gate',
        Retry: [{ ErrorEquals: ['GateClosed'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Next: 'After',
      },
      After: {
        Type: 'Pass',
        Parameters: { 'gate.$': '$.gate', 'redriveCount.$': '$$.Execution.RedriveCount' },
        End: true,
      },
    },
  },
  RedriveMap: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.keys',
        ItemSelector: { 'key.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          StartAt: 'Open',
          States: {
            Open: { Type: 'Task', Resource: fn('gate'), Parameters: { 'key.$': '$.key' }, End: true },
          },
        },
        End: true,
      },
    },
  },
  MapSiblings: {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          StartAt: 'Which',
          States: {
            Which: {
              Type: 'Choice',
              Choices: [{ Variable: '$.wait', BooleanEquals: true, Next: 'Park' }],
              Default: 'Pause',
            },
            Park: callbackTask({ End: true }),
            // The waiting iteration has its token before the other one fails.
            Pause: { Type: 'Wait', Seconds: 1, Next: 'Shut' },
            Shut: { Type: 'Task', Resource: fn('gate'), Parameters: { 'key.$': '$.key' }, End: true },
          },
        },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Caught' }],
        End: true,
      },
      // Still running a while after the Map failed: its dead tokens must not be answerable meanwhile.
      Caught: { Type: 'Wait', Seconds: 3, End: true },
    },
  },
  Restartable: {
    StartAt: 'Before',
    States: {
      Before: { Type: 'Pass', Result: 'before', ResultPath: '$.before', Next: 'Wait' },
      Wait: callbackTask({ TimeoutSeconds: 4, Next: 'After' }),
      After: {
        Type: 'Pass',
        Parameters: { 'original.$': '$$.Execution.Input', 'answer.$': '$.answer', 'before.$': '$.before' },
        End: true,
      },
    },
  },
};

let dynamo: { endpoint: string; stop(): Promise<void> };
let lambda: TestLambda;
let bus: TestBus;
let service: { endpoint: string; stop(): Promise<void> };
let sfn: SFNClient;

function serviceOptions(overrides: Partial<StepFunctionsServiceOptions> = {}): StepFunctionsServiceOptions {
  return {
    region: REGION,
    account: ACCOUNT,
    stateMachines: Object.entries(machines).map(([name, definition]) => ({
      logicalId: name,
      name,
      arn: machineArn(name),
      type: 'STANDARD' as const,
      definition,
    })),
    integrations: { lambda, dynamodbEndpoint: dynamo.endpoint, eventBus: bus },
    store: { kind: 'memory' },
    ...overrides,
  };
}

function clientFor(endpoint: string) {
  return new SFNClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
}

async function start(machine: string, name: string, input: Record<string, unknown>, client = sfn) {
  const out = await client.send(
    new StartExecutionCommand({ stateMachineArn: machineArn(machine), name, input: JSON.stringify(input) }),
  );
  return out.executionArn as string;
}

const finished = (executionArn: string, client = sfn) => finishedExecution(client, executionArn);

async function historyOf(executionArn: string, client = sfn): Promise<HistoryEvent[]> {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ inMemory: true });
  await new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials }).send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  lambda = new TestLambda();
  bus = new TestBus();
  service = await startStepFunctionsService(serviceOptions());
  sfn = clientFor(service.endpoint);
});

afterAll(async () => {
  await service?.stop();
  await dynamo?.stop();
});

describe('task integrations', () => {
  it('runs DynamoDB (optimized and aws-sdk), Lambda (invoke and ARN), EventBridge and a child execution for real', async () => {
    const arn = await start('Integrations', 'all-1', { key: 'all-1', sk: 'all-1' });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output as string);
    expect(output.got).toEqual({ status: 'started' });
    expect(output.optimizedError.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(output.sdkGot).toEqual({ status: 'started' });
    expect(output.sdkError.Error).toBe('DynamoDb.ConditionalCheckFailedException');
    expect(output.invoked).toEqual({
      Payload: { echoed: { key: 'all-1' } },
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
    });
    expect(output.plain).toEqual({ echoed: { plain: 'all-1' } });
    expect(output.announced).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(output.child).toEqual({ Output: { doubled: 'all-1all-1' }, Status: 'SUCCEEDED' });
    expect(bus.recorded()).toContainEqual(
      expect.objectContaining({
        source: 'skillcert.test',
        detailType: 'Announced',
        detail: { key: 'all-1' },
      }),
    );
    // The last task deleted the item in DynamoDB Local.
    const read = await new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials }).send(
      new GetItemCommand({ TableName: TABLE, Key: key('all-1') }),
    );
    expect(read.Item).toBeUndefined();
  });

  it('hands the token out through an aws-sdk:dynamodb call and through EventBridge, and completes with it', async () => {
    const ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials });
    const parked = await start('SdkCallback', 'park-1', { key: 'park-1' });
    let token: string | undefined;
    for (let i = 0; i < 100 && !token; i++) {
      token = (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: key('park-1') }))).Item?.token?.S;
      if (!token) await new Promise((r) => setTimeout(r, 20));
    }
    expect(token).toMatch(/^[A-Za-z0-9_-]{64}$/);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"marked":1}' }));
    expect(JSON.parse((await finished(parked)).output as string).answer).toEqual({ marked: 1 });

    const asked = await start('EventCallback', 'ask-1', {});
    let event: RecordedEvent | undefined;
    for (let i = 0; i < 100 && !event; i++) {
      event = bus.recorded().find((e) => e.detailType === 'Ask');
      if (!event) await new Promise((r) => setTimeout(r, 20));
    }
    const eventToken = (event?.detail as { token?: string } | undefined)?.token;
    expect(eventToken).toMatch(/^[A-Za-z0-9_-]{64}$/);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: eventToken, output: '"yes"' }));
    expect(await finished(asked)).toMatchObject({ status: 'SUCCEEDED', output: '"yes"' });
  });

  it('retries with the backoff of the Retry field and gives the task $$.State.RetryCount', async () => {
    const arn = await start('Retrying', 'retry-1', { key: 'retry-1' });
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ attempts: 3 });
    const attempts = lambda.calls.filter(
      (c) => c.name === 'flaky' && (c.payload as { key: string }).key === 'retry-1',
    );
    expect(attempts.map((c) => c.payload)).toEqual(
      [0, 1, 2].map((attempt) => ({ key: 'retry-1', attempt, state: 'Flaky' })),
    );
    const [first, second, third] = attempts.map((c) => c.at);
    // IntervalSeconds 1, BackoffRate 1.5: about 1 s, then about 1.5 s.
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(950);
    expect((second as number) - (first as number)).toBeLessThan(1400);
    expect((third as number) - (second as number)).toBeGreaterThanOrEqual(1450);
    const types = (await historyOf(arn)).map((e) => e.type);
    expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(2);
    expect(types.filter((t) => t === 'TaskScheduled')).toHaveLength(3);
  });

  it('times a task out after TimeoutSeconds: States.TaskFailed does not match States.Timeout, States.ALL does', async () => {
    const done = await finished(await start('Timeouts', 'timeout-1', {}));
    const output = JSON.parse(done.output as string);
    expect(output).not.toHaveProperty('wrong');
    expect(output.caught).toEqual({ Error: 'States.Timeout', Cause: expect.any(String) });
  });

  it('reads TimeoutSecondsPath from the input', async () => {
    const started = Date.now();
    const done = await finished(await start('PathTimeout', 'path-1', { key: 'path-1', limit: 1 }));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(Date.now() - started).toBeLessThan(3000);
    const bad = await finished(await start('PathTimeout', 'path-2', { key: 'path-2', limit: 'soon' }));
    expect(bad).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('fails a resource it cannot run loudly: no Retry, no Catch, nothing leaves the machine', async () => {
    const done = await finished(await start('Unsupported', 'sqs-1', {}));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(done.cause).toBe(
      'skillcert local cloud has no implementation for Task resource arn:aws:states:::sqs:sendMessage',
    );
    const types = (await historyOf(done.executionArn as string)).map((e) => e.type);
    expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(1);
  });
});

describe('execution TimeoutSeconds', () => {
  it('ends the execution TIMED_OUT, records ExecutionTimedOut and kills its token', async () => {
    const arn = await start('ExecutionTimeout', 'exec-timeout-1', { key: 'exec-timeout-1' });
    const token = await lambda.tokenOf('exec-timeout-1');
    const done = await finished(arn);
    expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect((await historyOf(arn)).at(-1)?.type).toBe('ExecutionTimedOut');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});

describe('context object', () => {
  it('gives tasks inside a Map the execution’s own input, ids, start time and state', async () => {
    const input = { items: ['a', 'b'], tag: 'ctx' };
    const arn = await start('Context', 'ctx-1', input);
    const done = await finished(arn);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    const seen = JSON.parse(done.output as string) as Record<string, unknown>[];
    expect(seen).toHaveLength(2);
    for (const [i, item] of ['a', 'b'].entries()) {
      expect(seen[i]).toMatchObject({
        executionInput: input,
        executionName: 'ctx-1',
        executionId: arn,
        startTime: described.startDate?.toISOString(),
        roleArn: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
        machine: 'Context',
        state: 'Look',
        item,
      });
      expect(Date.parse(String(seen[i]?.entered))).toBeGreaterThanOrEqual(
        described.startDate?.getTime() ?? 0,
      );
    }
    const types = (await historyOf(arn)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'MapStateEntered',
        'MapStateStarted',
        'MapIterationStarted',
        'MapIterationSucceeded',
        'MapStateSucceeded',
        'MapStateExited',
      ]),
    );
  });
});

describe('history', () => {
  it('is AWS-shaped: ordered ids, previousEventId, details members, reverseOrder and paging', async () => {
    const arn = await start('Retrying', 'history-1', { key: 'history-1' });
    await finished(arn);
    const events = await historyOf(arn);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 5)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
    ]);
    expect(types.slice(-5)).toEqual([
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    events.forEach((e, i) => {
      expect(e.id).toBe(i + 1);
      expect(e.previousEventId).toBe(i);
      const previous = events[i - 1]?.timestamp;
      if (previous) expect(e.timestamp?.getTime()).toBeGreaterThanOrEqual(previous.getTime());
    });
    expect(events[0]?.executionStartedEventDetails).toMatchObject({ input: '{"key":"history-1"}' });
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({
      name: 'Flaky',
      input: '{"key":"history-1"}',
    });
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: REGION,
    });
    expect(JSON.parse(events[2]?.taskScheduledEventDetails?.parameters as string)).toMatchObject({
      FunctionName: fn('flaky'),
    });
    expect(events[4]?.taskFailedEventDetails).toMatchObject({ error: 'FlakyError' });
    expect(JSON.parse(events[4]?.taskFailedEventDetails?.cause as string)).toEqual({
      errorType: 'FlakyError',
      errorMessage: 'attempt 1',
      trace: ['at flaky'],
    });
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe('{"attempts":3}');

    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true, maxResults: 2 }),
    );
    expect(reversed.events?.map((e) => e.id)).toEqual([events.length, events.length - 1]);
    const next = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: arn,
        reverseOrder: true,
        maxResults: 2,
        nextToken: reversed.nextToken,
      }),
    );
    expect(next.events?.map((e) => e.id)).toEqual([events.length - 2, events.length - 3]);
  });

  it('lists the state machines', async () => {
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.name)).toEqual(Object.keys(machines));
  });
});

describe('engine timer ceiling', () => {
  it('refreshes the engine run before its own task timer fires, keeping the token', async () => {
    // The engine's Task timer is capped at 1 s here (24.8 days in real use); the task may wait 10 s.
    const capped = await startStepFunctionsService(serviceOptions({ engineTimeoutCeilingSeconds: 1 }));
    try {
      const client = clientFor(capped.endpoint);
      const arn = await start('Restartable', 'ceiling-1', { key: 'ceiling-1' }, client);
      const token = await lambda.tokenOf('ceiling-1');
      await new Promise((r) => setTimeout(r, 2200));
      expect((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"late":"but fine"}' }));
      const done = await finished(arn, client);
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.output as string).answer).toEqual({ late: 'but fine' });
      expect(lambda.calls.filter((c) => (c.payload as { key?: string }).key === 'ceiling-1')).toHaveLength(1);
    } finally {
      await capped.stop();
    }
  });
});

describe('a restart', () => {
  it('keeps a waiting task, its token and its absolute deadline; stop() is prompt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sfn-store-'));
    try {
      const first = await startStepFunctionsService(serviceOptions({ store: { kind: 'file', dir } }));
      const client1 = clientFor(first.endpoint);
      const waiting = await start('Restartable', 'restart-1', { key: 'restart-1' }, client1);
      const token = await lambda.tokenOf('restart-1');
      const timingOut = await start('Restartable', 'restart-2', { key: 'restart-2' }, client1);
      const startedAt = Date.now();
      await lambda.tokenOf('restart-2');
      const stopping = Date.now();
      await first.stop();
      expect(Date.now() - stopping).toBeLessThan(1000);
      // Written atomically: only complete JSON files, no temp files left behind.
      const files = await readdir(dir);
      expect(files.every((f) => f.endsWith('.json'))).toBe(true);
      for (const f of files) JSON.parse(await readFile(join(dir, f), 'utf8'));
      await new Promise((r) => setTimeout(r, 1000));

      const second = await startStepFunctionsService(serviceOptions({ store: { kind: 'file', dir } }));
      try {
        const client2 = clientFor(second.endpoint);
        expect((await client2.send(new DescribeExecutionCommand({ executionArn: waiting }))).status).toBe(
          'RUNNING',
        );
        await client2.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"after":"restart"}' }));
        const done = await finished(waiting, client2);
        expect(done.status).toBe('SUCCEEDED');
        expect(JSON.parse(done.output as string)).toEqual({
          original: { key: 'restart-1' },
          answer: { after: 'restart' },
          before: 'before',
        });
        // The hand-out call was not repeated: the token is the old one.
        expect(lambda.calls.filter((c) => (c.payload as { key?: string }).key === 'restart-1')).toHaveLength(
          1,
        );
        const types = (await historyOf(waiting, client2)).map((e) => e.type);
        expect(types.filter((t) => t === 'TaskStateEntered')).toHaveLength(1);

        // TimeoutSeconds 4 counted from the first start, not from the restart (that would be ~5 s).
        const timedOut = await finished(timingOut, client2);
        expect(timedOut).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
        expect(Date.now() - startedAt).toBeLessThan(4800);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('RedriveExecution', () => {
  const redrive = (executionArn: string, clientToken?: string) =>
    sfn.send(new RedriveExecutionCommand({ executionArn, ...(clientToken ? { clientToken } : {}) }));
  const describeIt = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
  const callsOf = (name: string, key: string) =>
    lambda.calls.filter((c) => c.name === name && (c.payload as { key?: string }).key === key);

  it('continues a failed execution from the state that failed, with the same input and ARN, once per client token', async () => {
    const arn = await start('Redrivable', 'redrive-1', { key: 'redrive-1' });
    const failed = await finished(arn);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'GateClosed', redriveCount: 0 });
    expect(failed.redriveStatus).toBe('REDRIVABLE');
    expect(callsOf('gate', 'redrive-1')).toHaveLength(2);

    lambda.open.add('redrive-1');
    const first = await redrive(arn, 'resume-1');
    expect(first.redriveDate).toBeInstanceOf(Date);
    // The same client token is the same redrive, not a second one (AWS keeps the last ten for 15 minutes).
    const again = await redrive(arn, 'resume-1');
    expect(again.redriveDate).toEqual(first.redriveDate);
    const done = await finished(arn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, executionArn: arn });
    expect(done.redriveDate).toEqual(first.redriveDate);
    expect(done.redriveStatus).toBe('NOT_REDRIVABLE');
    expect(done.redriveStatusReason).toBe('Execution is SUCCEEDED and cannot be redriven');
    expect(JSON.parse(done.output as string)).toEqual({ gate: { passed: 'redrive-1' }, redriveCount: 1 });
    // The step that had succeeded was not run again; the failed one was (retries counted afresh).
    expect(callsOf('echo', 'redrive-1')).toHaveLength(1);
    expect(callsOf('gate', 'redrive-1')).toHaveLength(3);

    const history = await historyOf(arn);
    const types = history.map((e) => e.type);
    const redriven = history.find((e) => e.type === 'ExecutionRedriven');
    expect(redriven?.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(types.indexOf('ExecutionRedriven')).toBe(types.indexOf('ExecutionFailed') + 1);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));

    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn('Redrivable'), redriveFilter: 'REDRIVEN' }),
    );
    expect(listed.executions?.map((e) => [e.name, e.redriveCount])).toEqual([['redrive-1', 1]]);
  });

  it('refuses what AWS refuses: a running or succeeded execution, an unknown one, a malformed ARN', async () => {
    const running = await start('Restartable', 'redrive-running', { key: 'redrive-running' });
    await lambda.tokenOf('redrive-running');
    await expect(redrive(running)).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: expect.stringContaining('RUNNING'),
    });
    expect((await describeIt(running)).redriveStatusReason).toBe(
      'Execution is RUNNING and cannot be redriven',
    );
    const ok = await finished(await start('Child', 'redrive-ok', { value: 'x' }));
    await expect(redrive(ok.executionArn as string)).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
    await expect(
      redrive(`${machineArn('Child').replace(':stateMachine:', ':execution:')}:nobody`),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(redrive('arn:nonsense')).rejects.toMatchObject({ name: 'InvalidArn' });
    await sfn.send(new StopExecutionCommand({ executionArn: running }));
  });

  it('redrives only the Map iterations that failed', async () => {
    lambda.open.add('map-ok');
    const arn = await start('RedriveMap', 'redrive-map', { keys: ['map-ok', 'map-shut'] });
    expect(await finished(arn)).toMatchObject({ status: 'FAILED', error: 'GateClosed' });
    expect(callsOf('gate', 'map-ok')).toHaveLength(1);
    lambda.open.add('map-shut');
    await redrive(arn);
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual([{ passed: 'map-ok' }, { passed: 'map-shut' }]);
    expect(callsOf('gate', 'map-ok')).toHaveLength(1);
    expect(callsOf('gate', 'map-shut')).toHaveLength(2);
  });

  it('gives an aborted execution’s waiting task a new token; the old one is dead', async () => {
    const arn = await start('Restartable', 'redrive-aborted', { key: 'redrive-aborted' });
    const oldToken = await lambda.tokenOf('redrive-aborted');
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Operator', cause: 'test' }));
    expect((await describeIt(arn)).redriveStatus).toBe('REDRIVABLE');
    lambda.tokens.delete('redrive-aborted');
    await redrive(arn);
    const newToken = await lambda.tokenOf('redrive-aborted');
    expect(newToken).not.toBe(oldToken);
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: newToken, output: '{"late":1}' }));
    expect(await finished(arn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });
});

describe('a Map whose iteration fails', () => {
  it('closes the token its other iteration was waiting with, as AWS does', async () => {
    const arn = await start('MapSiblings', 'siblings-1', {
      items: [
        { key: 'siblings-wait', wait: true },
        { key: 'siblings-shut', wait: false },
      ],
    });
    const token = await lambda.tokenOf('siblings-wait');
    for (let i = 0; i < 200; i++) {
      if ((await historyOf(arn)).some((e) => e.stateEnteredEventDetails?.name === 'Caught')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(await finished(arn)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('execution names', () => {
  it('are idempotent for the same input while running, taken otherwise, and validated as AWS does', async () => {
    const input = { key: 'name-1' };
    const first = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn('Restartable'),
        name: 'name-1',
        input: JSON.stringify(input),
      }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn('Restartable'),
        name: 'name-1',
        input: JSON.stringify(input),
      }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn('Restartable'),
          name: 'name-1',
          input: '{"key":"other"}',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists', $metadata: { httpStatusCode: 400 } });
    // Once closed, even the same input is refused.
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    await expect(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn('Restartable'),
          name: 'name-1',
          input: JSON.stringify(input),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    // Dots are fine in AWS names; slashes and spaces are not.
    const dotted = await start('Child', 'attempt.2026-01-01', { value: 'x' });
    expect(dotted).toMatch(/:execution:Child:attempt\.2026-01-01$/);
    for (const name of ['a/b', 'has space', 'x'.repeat(81)]) {
      await expect(
        sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Child'), name, input: '{}' })),
      ).rejects.toMatchObject({ name: 'InvalidName' });
    }
  });
});

describe('bad calls', () => {
  it('get AWS error names through the SDK and change nothing', async () => {
    const missing = `arn:aws:states:${REGION}:${ACCOUNT}:execution:Child:nope`;
    const cases: [Promise<unknown>, string][] = [
      [
        sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Nope'), input: '{}' })),
        'StateMachineDoesNotExist',
      ],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn', input: '{}' })), 'InvalidArn'],
      [
        sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('Child'), input: '{oops' })),
        'InvalidExecutionInput',
      ],
      [sfn.send(new DescribeExecutionCommand({ executionArn: missing })), 'ExecutionDoesNotExist'],
      [sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:nope' })), 'InvalidArn'],
      [sfn.send(new GetExecutionHistoryCommand({ executionArn: missing })), 'ExecutionDoesNotExist'],
      [sfn.send(new StopExecutionCommand({ executionArn: missing })), 'ExecutionDoesNotExist'],
      [sfn.send(new SendTaskSuccessCommand({ taskToken: 'never-issued', output: '{}' })), 'InvalidToken'],
      [sfn.send(new SendTaskFailureCommand({ taskToken: 'never-issued' })), 'InvalidToken'],
      [sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'never-issued' })), 'InvalidToken'],
      [
        sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Child'), nextToken: 'forged' })),
        'InvalidToken',
      ],
    ];
    for (const [call, name] of cases) await expect(call).rejects.toMatchObject({ name });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Child') }));
    expect(listed.executions?.some((e) => e.name === 'nope')).toBe(false);
  });

  it('answer raw protocol mistakes with a clear 400 in AWS’s JSON error shape', async () => {
    const post = (target: string, body: string) =>
      fetch(service.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
        body,
      });
    const namespaced = await post('AWSStepFunctions.DescribeExecution', '{"executionArn":"arn:nope"}');
    expect(namespaced.status).toBe(400);
    expect(await namespaced.json()).toEqual({
      __type: 'com.amazonaws.swf.service.v2.model#InvalidArn',
      message: expect.stringContaining('arn:nope'),
    });
    const unknown = await post('AWSStepFunctions.CreateActivity', '{}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toMatch(/UnknownOperationException$/);
    for (const body of ['{not json', '[1,2]', '"text"']) {
      const malformed = await post('AWSStepFunctions.StartExecution', body);
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { __type: string }).__type).toMatch(/SerializationException$/);
    }
    // Still serving afterwards.
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.length).toBeGreaterThan(0);
  });
});
