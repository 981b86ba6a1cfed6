// Status list positions under concurrent issuance, against DynamoDB Local: writers that read the same
// open list all compute the same next position, and the conditional write lets exactly one of them take
// it; the others read again. Each writer also puts a record at the index it drew, on the condition that
// none is there, so a collision would fail the test rather than pass unnoticed.
import {
  CreateTableCommand,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newStatusListSeed,
  readOpenStatusList,
  takeStatusPosition,
} from '../../functions/adapters/dynamodb-status-lists.js';
import { nextStatusPosition, STATUS_LIST_SIZE, type StatusListKind } from '../../functions/domain/index.js';
import { startConsistencyProxy } from '../../local/dynamodb-consistency.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { localDynamoDbClient } from '../../local/dynamodb-tables.js';

const TABLE = 'status-positions';
let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let proxy: Awaited<ReturnType<typeof startConsistencyProxy>>;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ inMemory: true });
  // As loose as DynamoDB: concurrent transactions on the open list's item conflict.
  proxy = await startConsistencyProxy(dynamo.endpoint, [
    {
      logicalId: 'Table',
      tableName: TABLE,
      arn: `arn:aws:dynamodb:ap-east-1:000000000000:table/${TABLE}`,
      keySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      attributeDefinitions: [],
      globalSecondaryIndexes: [],
      localSecondaryIndexes: [],
    },
  ]);
  client = localDynamoDbClient(proxy.endpoint, 'ap-east-1');
  db = DynamoDBDocumentClient.from(client);
  await client.send(
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
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await dynamo?.stop();
});

/** One issuer: takes the next position and writes its record there in one transaction, as issuing does. */
async function issue(
  kind: StatusListKind,
  name: string,
): Promise<{ list: number; index: number; tries: number }> {
  for (let tries = 1; tries <= 200; tries++) {
    const read = await readOpenStatusList(db, TABLE, kind);
    const { next, index } = nextStatusPosition(read, kind, newStatusListSeed);
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            takeStatusPosition(TABLE, read, next),
            {
              Put: {
                TableName: TABLE,
                Item: { pk: `TAKEN#${kind}-${next.list}`, sk: String(index), by: name },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { list: next.list, index, tries };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Losing the position is expected (someone took it first: read again). Winning the position but
      // finding its index already taken would be a collision: that must never happen.
      const [position, record] = error.CancellationReasons ?? [];
      if (position?.Code !== 'ConditionalCheckFailed' && record?.Code === 'ConditionalCheckFailed')
        throw new Error(`${name} drew index ${index} of list ${next.list}, which was already taken`);
    }
  }
  throw new Error(`${name} never took a position`);
}

describe('status list positions', () => {
  it('gives 40 concurrent issuers 40 different random indexes and counts them all', async () => {
    const taken = await Promise.all(
      Array.from({ length: 40 }, (_, i) => issue('certificates', `issuer-${i}`)),
    );
    const indexes = taken.map((t) => t.index);
    expect(new Set(indexes).size).toBe(40);
    expect(taken.every((t) => t.list === 1)).toBe(true);
    expect((await readOpenStatusList(db, TABLE, 'certificates'))?.placed).toBe(40);
    // Contention happened — failed conditions and, as in DynamoDB, transaction conflicts — and was
    // resolved by reading again.
    expect(Math.max(...taken.map((t) => t.tries))).toBeGreaterThan(1);
    expect(proxy.stats().transactionConflicts).toBeGreaterThan(0);
    // Not handed out in order.
    expect(indexes.filter((index) => index < 40).length).toBeLessThan(5);
  });

  it('opens the next list, once, when concurrent issuers fill the open one', async () => {
    const seed = newStatusListSeed();
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: 'STATUSLIST#OPEN',
          sk: 'recognitions',
          kind: 'recognitions',
          list: 1,
          placed: STATUS_LIST_SIZE - 3,
          seed,
        },
      }),
    );
    const taken = await Promise.all(
      Array.from({ length: 10 }, (_, i) => issue('recognitions', `issuer-${i}`)),
    );
    expect(taken.filter((t) => t.list === 1)).toHaveLength(3);
    expect(taken.filter((t) => t.list === 2)).toHaveLength(7);
    const open = await readOpenStatusList(db, TABLE, 'recognitions');
    expect(open).toMatchObject({ list: 2, placed: 7 });
    expect(open?.seed).not.toBe(seed);
    expect(new Set(taken.filter((t) => t.list === 2).map((t) => t.index)).size).toBe(7);
  });
});
