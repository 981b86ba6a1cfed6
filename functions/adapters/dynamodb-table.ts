// What every store on the region's single table shares: the document client, consistent reads of one
// item, and paged queries of the gsi1 index. Keys (pk, sk, gsi1pk, gsi1sk) never leave the adapter.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

export function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

export abstract class SingleTableStore {
  protected readonly db: DynamoDBDocumentClient;

  constructor(
    protected readonly table: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  protected async get<T>(k: { pk: string; sk: string }): Promise<T | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true }));
    return strip<T>(out.Item);
  }

  /** An unconditional put of a record under its key, listed in gsi1 when `index` is given. */
  protected async put(
    k: { pk: string; sk: string },
    record: object,
    index?: { pk: string; sk: string },
  ): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...k, ...(index ? { gsi1pk: index.pk, gsi1sk: index.sk } : {}), ...record },
      }),
    );
  }

  protected async queryIndex<T>(pk: string, skPrefix?: string): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: skPrefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :sk)' : 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':sk': skPrefix } : {}) },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) items.push(strip<T>(item) as T);
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Reads a counter's next serial without taking it; the write that takes it is conditional. */
  async peekCounter(name: string): Promise<number> {
    return ((await this.get<{ value: number }>(counterKey(name)))?.value ?? 0) + 1;
  }
}

export const counterKey = (name: string) => ({ pk: `COUNTER#${name}`, sk: 'COUNTER' });

/** The TransactWriteItems entry that takes `serial` from a counter still at serial − 1. */
export function takeSerial(table: string, counter: { name: string; serial: number }) {
  return {
    Update: {
      TableName: table,
      Key: counterKey(counter.name),
      UpdateExpression: 'SET #value = :serial',
      ConditionExpression: counter.serial === 1 ? 'attribute_not_exists(pk)' : '#value = :previous',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: {
        ':serial': counter.serial,
        ...(counter.serial === 1 ? {} : { ':previous': counter.serial - 1 }),
      },
    },
  };
}

/** DynamoDB's answers that say "not now" rather than "no": worth trying again after a pause. */
const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/**
 * True for an error a retry may cure: throttling, a DynamoDB-side fault or timeout, a transaction
 * cancelled by another transaction in flight (and by no failed condition), a dropped connection. The
 * SDK has already retried these a few times; the workflow retries again, later.
 */
export function isTransientDynamoDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TransactionCanceledException) {
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    return codes.some((c) => TRANSIENT_CANCELLATIONS.has(c)) && !codes.includes('ConditionalCheckFailed');
  }
  if (TRANSIENT_ERRORS.has(error.name)) return true;
  return NETWORK_ERRORS.has(String((error as { code?: unknown }).code));
}
