// The local cloud running a synthesized stack whose workflow uses every Task integration, driven with
// the real AWS SDK clients: it runs to the end, its callback survives a restart, names are idempotent,
// and bad calls get AWS's error names.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeStack } from '../../local/synth.js';
import { buildIntegrationFixtureApp } from '../fixtures/integration-stack.js';
import { eventually } from '../support/eventually.js';

let root: string;
let stack: ReturnType<typeof synthesizeStack>;
let cloud: LocalCloud;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function up(): Promise<LocalCloud> {
  return startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'disk', dataDir: join(root, 'data') },
  });
}

function sfn(c: LocalCloud) {
  return new SFNClient({ endpoint: c.endpoints.stepFunctions, region: c.region, credentials });
}

function workflowArn(c: LocalCloud): string {
  const [machine] = c.model.stateMachines;
  if (!machine) throw new Error('fixture has no state machine');
  return machine.arn;
}

async function item(c: LocalCloud, runId: string, sk: string) {
  const table = c.model.tables[0]?.tableName;
  const out = await c.dynamoClient.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: `run#${runId}` }, sk: { S: sk } },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

async function tokenFor(c: LocalCloud, runId: string): Promise<string> {
  return eventually(async () => (await item(c, runId, 'token'))?.token?.S, `the task token of run ${runId}`);
}

async function finished(c: LocalCloud, executionArn: string) {
  return eventually(async () => {
    const out = await sfn(c).send(new DescribeExecutionCommand({ executionArn }));
    return out.status === 'RUNNING' ? undefined : out;
  }, `execution ${executionArn} to finish`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-cloud-'));
  stack = synthesizeStack(buildIntegrationFixtureApp(join(root, 'cdk.out')));
  cloud = await up();
});

afterAll(async () => {
  await cloud?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('a synthesized workflow on the local cloud', () => {
  it('runs every integration type to the end, with Retry and Catch as in AWS', async () => {
    const client = sfn(cloud);
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: workflowArn(cloud),
        name: 'run-1',
        input: '{"runId":"1"}',
      }),
    );
    const token = await tokenFor(cloud, '1');
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const done = await finished(cloud, executionArn as string);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({
      runId: '1',
      flaky: { attempts: 3 },
      approval: { approved: true },
      record: { status: 'started' },
      items: { count: 3 },
      caught: {
        Error: 'ScannerJammed',
        Cause: expect.stringContaining('"errorMessage":"the practical-work scanner is jammed"'),
      },
      recovery: { error: 'ScannerJammed' },
    });
    // DynamoDB updates really happened, the event really reached the bus.
    expect((await item(cloud, '1', 'run'))?.status?.S).toBe('completed');
    expect(cloud.eventBus.recorded()).toContainEqual(
      expect.objectContaining({
        source: 'skillcert.fixture',
        detailType: 'RunApproved',
        detail: { runId: '1' },
      }),
    );
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const types = (history.events ?? []).map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    // Two failed attempts and one success of the flaky task.
    expect(types.filter((t) => t === 'TaskFailed').length).toBeGreaterThanOrEqual(3); // 2 flaky + 1 broken
    expect(history.events?.find((e) => e.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name).toBe(
      'RecordRun',
    );
  });

  it('keeps execution names idempotent: same input returns the execution, other input is refused', async () => {
    const client = sfn(cloud);
    const first = await client.send(
      new StartExecutionCommand({
        stateMachineArn: workflowArn(cloud),
        name: 'run-2',
        input: '{"runId":"2"}',
      }),
    );
    const again = await client.send(
      new StartExecutionCommand({
        stateMachineArn: workflowArn(cloud),
        name: 'run-2',
        input: '{"runId":"2"}',
      }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    await expect(
      client.send(
        new StartExecutionCommand({
          stateMachineArn: workflowArn(cloud),
          name: 'run-2',
          input: '{"runId":"x"}',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('keeps a task waiting for its token across a restart, and completes it with the same token', async () => {
    const token = await tokenFor(cloud, '2');
    const attemptsBefore = (await item(cloud, '2', 'attempts'))?.attempts?.N;
    await cloud.stop();
    cloud = await up();
    const client = sfn(cloud);
    const executionArn = `arn:aws:states:${cloud.region}:000000000000:execution:${cloud.model.stateMachines[0]?.name}:run-2`;
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await eventually(async () => {
      try {
        await client.send(
          new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":"after restart"}' }),
        );
        return true;
      } catch (error) {
        // The resumed run registers its waiting task a moment after start-up.
        if ((error as Error).name === 'InvalidToken') return undefined;
        throw error;
      }
    }, 'the resumed task to accept its token');
    const done = await finished(cloud, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).approval).toEqual({ approved: 'after restart' });
    // The flaky step before the wait was not run again.
    expect((await item(cloud, '2', 'attempts'))?.attempts?.N).toBe(attemptsBefore);
  });

  it('answers bad calls with AWS error names and changes nothing', async () => {
    const client = sfn(cloud);
    const arn = workflowArn(cloud);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: `${arn}-nope`, input: '{}' })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn' })),
    ).rejects.toMatchObject({
      name: 'InvalidArn',
    });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'bad name!', input: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'bad-input', input: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(
      client.send(
        new DescribeExecutionCommand({
          executionArn: `${arn.replace(':stateMachine:', ':execution:')}:none`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'made-up', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    // None of the refused starts created an execution.
    await expect(
      client.send(
        new DescribeExecutionCommand({
          executionArn: `${arn.replace(':stateMachine:', ':execution:')}:bad-input`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
