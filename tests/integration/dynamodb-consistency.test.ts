// The opt-in consistency proxy (local/dynamodb-consistency.ts) against DynamoDB Local, through the real
// DynamoDB client: index reads lag behind writes, transactions on one item conflict, as in DynamoDB.
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type GlobalSecondaryIndex,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsistencyProxy } from '../../local/dynamodb-consistency.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import type { LocalTable } from '../../local/model.js';

const TABLE: LocalTable = {
  logicalId: 'Table',
  tableName: 'consistency',
  arn: 'arn:aws:dynamodb:eu-west-2:000000000000:table/consistency',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  localSecondaryIndexes: [],
};
const LAG_MS = 600;

let dynamo: { endpoint: string; stop(): Promise<void> };
let proxy: Awaited<ReturnType<typeof startConsistencyProxy>>;
let client: DynamoDBClient;

const byQueue = (queue: string) =>
  client.send(
    new QueryCommand({
      TableName: TABLE.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :q',
      ExpressionAttributeValues: { ':q': { S: queue } },
    }),
  );

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ inMemory: true });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  await new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-west-2', credentials }).send(
    new CreateTableCommand({
      TableName: TABLE.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: TABLE.keySchema,
      AttributeDefinitions: TABLE.attributeDefinitions,
      GlobalSecondaryIndexes: TABLE.globalSecondaryIndexes as GlobalSecondaryIndex[],
    }),
  );
  // The longest lag every time, and a transaction window wide enough for two calls to meet.
  proxy = await startConsistencyProxy(dynamo.endpoint, [TABLE], {
    maxIndexLagMs: LAG_MS,
    transactionWindowMs: 300,
    random: () => 0.999,
  });
  client = new DynamoDBClient({ endpoint: proxy.endpoint, region: 'eu-west-2', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  await proxy?.stop();
  await dynamo?.stop();
});

describe('index reads', () => {
  it('do not see a new item until its lag has passed; the table itself does at once', async () => {
    const item = {
      pk: { S: 'review#1' },
      sk: { S: 'r' },
      gsi1pk: { S: 'queue#a' },
      gsi1sk: { S: '1' },
      mark: { N: '0' },
    };
    await client.send(new PutItemCommand({ TableName: TABLE.tableName, Item: item }));
    const table = await client.send(
      new GetItemCommand({
        TableName: TABLE.tableName,
        Key: { pk: item.pk, sk: item.sk },
        ConsistentRead: true,
      }),
    );
    expect(table.Item).toEqual(item);
    expect((await byQueue('queue#a')).Items).toEqual([]);
    await new Promise((r) => setTimeout(r, LAG_MS + 50));
    expect((await byQueue('queue#a')).Items).toEqual([item]);
  });

  it('show an updated item as it was, and an item moved to another partition in neither', async () => {
    const key = { pk: { S: 'review#1' }, sk: { S: 'r' } };
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE.tableName,
        Key: key,
        UpdateExpression: 'SET mark = :m',
        ExpressionAttributeValues: { ':m': { N: '80' } },
      }),
    );
    expect((await byQueue('queue#a')).Items?.[0]?.mark).toEqual({ N: '0' });
    await new Promise((r) => setTimeout(r, LAG_MS + 50));
    expect((await byQueue('queue#a')).Items?.[0]?.mark).toEqual({ N: '80' });

    await client.send(
      new UpdateItemCommand({
        TableName: TABLE.tableName,
        Key: key,
        UpdateExpression: 'SET gsi1pk = :q',
        ExpressionAttributeValues: { ':q': { S: 'queue#b' } },
      }),
    );
    expect((await byQueue('queue#b')).Items).toEqual([]);
    await new Promise((r) => setTimeout(r, LAG_MS + 50));
    expect((await byQueue('queue#b')).Items).toHaveLength(1);
    expect(proxy.stats().staleItems).toBeGreaterThanOrEqual(3);
  });
});

describe('transactions', () => {
  const put = (n: number) =>
    new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: TABLE.tableName, Item: { pk: { S: `other#${n}` }, sk: { S: 'x' } } } },
        {
          Update: {
            TableName: TABLE.tableName,
            Key: { pk: { S: 'counter' }, sk: { S: 'c' } },
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
      ],
    });

  it('on the same item at the same time: one is cancelled with TransactionConflict for that item', async () => {
    const results = await Promise.allSettled([client.send(put(1)), client.send(put(2))]);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    const error = rejected[0]?.reason as TransactionCanceledException;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'TransactionConflict']);
    const counter = await client.send(
      new GetItemCommand({
        TableName: TABLE.tableName,
        Key: { pk: { S: 'counter' }, sk: { S: 'c' } },
        ConsistentRead: true,
      }),
    );
    expect(counter.Item?.n).toEqual({ N: '1' });
  });

  it('refuse a single-item write to an item a transaction is working on', async () => {
    const transaction = client.send(put(3));
    await new Promise((r) => setTimeout(r, 50));
    await expect(
      client.send(
        new PutItemCommand({ TableName: TABLE.tableName, Item: { pk: { S: 'counter' }, sk: { S: 'c' } } }),
      ),
    ).rejects.toMatchObject({ name: 'TransactionConflictException' });
    await transaction;
    expect(proxy.stats()).toMatchObject({ transactionConflicts: 1, writeConflicts: 1 });
  });
});

describe('limits DynamoDB Local already enforces as DynamoDB does', () => {
  it('refuses an item over 400 KB with ValidationException', async () => {
    const item = (bytes: number) => ({
      pk: { S: 'big' },
      sk: { S: String(bytes) },
      blob: { S: 'x'.repeat(bytes) },
    });
    await client.send(new PutItemCommand({ TableName: TABLE.tableName, Item: item(399_000) }));
    await expect(
      client.send(new PutItemCommand({ TableName: TABLE.tableName, Item: item(410_000) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/maximum allowed size/),
    });
  });
});
