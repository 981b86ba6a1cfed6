import { createServer } from 'node:http';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeOutcome, LambdaInvoker } from '../../../local/contracts.js';
import { dynamoDbError, Faults } from '../../../local/faults.js';
import type { LocalFunction } from '../../../local/model.js';

const decide = {
  logicalId: 'CertificationDecideResultFunctionABC123',
  functionName: 'Skillcert-neijiang-DecideResult',
  arn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:Skillcert-neijiang-DecideResult',
} as LocalFunction;
const grade = {
  logicalId: 'CertificationGradeAttemptFunctionDEF456',
  functionName: 'Skillcert-neijiang-Grade',
  arn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:Skillcert-neijiang-Grade',
} as LocalFunction;

class Counting implements LambdaInvoker {
  calls: string[] = [];
  async invoke(name: string): Promise<InvokeOutcome> {
    this.calls.push(name);
    return { ok: true, payload: { ran: name } };
  }
}

describe('Lambda faults', () => {
  it('fails the next matching invocations before the function runs, as a Lambda service error', async () => {
    const faults = new Faults();
    const inner = new Counting();
    const invoker = faults.lambdaInvoker(inner, [decide, grade]);
    const fault = faults.inject(
      { service: 'lambda', function: 'CertificationDecideResult', at: 'before', error: 'ServiceException' },
      2,
    );
    await expect(invoker.invoke(decide.arn, {})).rejects.toMatchObject({ name: 'ServiceException' });
    await expect(invoker.invoke(`${decide.arn}:$LATEST`, {})).rejects.toMatchObject({
      name: 'ServiceException',
    });
    await expect(invoker.invoke(decide.arn, {})).resolves.toMatchObject({ ok: true });
    expect(await invoker.invoke(grade.functionName, {})).toMatchObject({ ok: true });
    expect(fault.hits()).toBe(2);
    expect(inner.calls).toEqual([decide.arn, grade.functionName]);
  });

  it('lets the function finish and then replaces its answer, as a timeout after the last write', async () => {
    const faults = new Faults();
    const inner = new Counting();
    const invoker = faults.lambdaInvoker(inner, [decide]);
    faults.inject({
      service: 'lambda',
      function: decide.functionName,
      at: 'after',
      error: 'Sandbox.Timedout',
    });
    expect(await invoker.invoke(decide.functionName, {})).toEqual({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Injected Sandbox.Timedout after the function finished',
    });
    expect(inner.calls).toHaveLength(1);
    expect(await invoker.invoke(decide.functionName, {})).toMatchObject({ ok: true });
  });

  it('hits only invocations whose payload contains its match', async () => {
    const faults = new Faults();
    const invoker = faults.lambdaInvoker(new Counting(), [decide]);
    const fault = faults.inject({
      service: 'lambda',
      function: decide.functionName,
      at: 'before',
      error: 'ServiceException',
      match: 'attempt-2',
    });
    expect(await invoker.invoke(decide.functionName, { attemptId: 'attempt-1' })).toMatchObject({ ok: true });
    await expect(invoker.invoke(decide.functionName, { attemptId: 'attempt-2' })).rejects.toThrow();
    expect(fault.hits()).toBe(1);
  });
});

describe('Step Functions API faults', () => {
  it('delays or fails the named operation only, as often as asked', async () => {
    const faults = new Faults();
    faults.inject({
      service: 'stepfunctions',
      operation: 'SendTaskSuccess',
      delayMs: 30,
      error: 'ServiceUnavailable',
    });
    await expect(faults.beforeStepFunctionsOperation('DescribeExecution')).resolves.toBeUndefined();
    const started = Date.now();
    await expect(faults.beforeStepFunctionsOperation('SendTaskSuccess')).rejects.toMatchObject({
      code: 'ServiceUnavailable',
      statusCode: 500,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    await expect(faults.beforeStepFunctionsOperation('SendTaskSuccess')).resolves.toBeUndefined();
  });
});

describe('DynamoDB faults', () => {
  it('cancels a transaction with TransactionConflict for every item, in DynamoDB’s shape', () => {
    const answer = dynamoDbError('TransactionConflict', JSON.stringify({ TransactItems: [{}, {}, {}] }));
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('com.amazonaws.dynamodb.v20120810#TransactionCanceledException');
    expect(answer.body.CancellationReasons).toHaveLength(3);
    expect(dynamoDbError('InternalServerError', '{}').status).toBe(500);
    expect(dynamoDbError('ThrottlingException', '{}').body.__type).toBe(
      'com.amazonaws.dynamodb.v20120810#ThrottlingException',
    );
  });

  describe('through the proxy', () => {
    const received: string[] = [];
    let upstream: ReturnType<typeof createServer>;
    let proxy: { endpoint: string; stop(): Promise<void> };
    const faults = new Faults();
    let client: DynamoDBClient;

    beforeAll(async () => {
      // Stands in for DynamoDB Local: answers every call with an empty success and remembers it.
      upstream = createServer((req, res) => {
        const target = String(req.headers['x-amz-target'] ?? '');
        req.resume();
        req.on('end', () => {
          received.push(target.split('.')[1] ?? '');
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end('{}');
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
      const address = upstream.address() as { port: number };
      proxy = await faults.dynamoDbProxy(`http://127.0.0.1:${address.port}`);
      client = new DynamoDBClient({
        endpoint: proxy.endpoint,
        region: 'ap-southeast-1',
        credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
        maxAttempts: 1,
      });
    });

    afterAll(async () => {
      client?.destroy();
      await proxy?.stop();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    });

    it('forwards what it does not fault and fails what matches, before or after forwarding', async () => {
      const put = (pk: string) =>
        new PutItemCommand({ TableName: 't', Item: { pk: { S: pk }, sk: { S: 's' } } });
      faults.inject({
        service: 'dynamodb',
        operation: 'PutItem',
        match: 'COUNTER#',
        error: 'ThrottlingException',
      });
      await expect(client.send(put('COUNTER#x'))).rejects.toMatchObject({ name: 'ThrottlingException' });
      await client.send(put('OTHER#x'));
      await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      expect(received).toEqual(['PutItem', 'GetItem']);

      faults.inject({
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        error: 'TransactionConflict',
        at: 'after',
      });
      const error = await client
        .send(
          new TransactWriteItemsCommand({
            TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'b' } } } }],
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionCanceledException);
      expect((error as TransactionCanceledException).CancellationReasons?.[0]?.Code).toBe(
        'TransactionConflict',
      );
      // `after`: the write reached DynamoDB; only its answer was lost.
      expect(received.at(-1)).toBe('TransactWriteItems');
    });
  });
});
