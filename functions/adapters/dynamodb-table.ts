// What every store on the region's single table shares: the document client, consistent reads of one
// item, and paged queries of the gsi1 index. Keys (pk, sk, gsi1pk, gsi1sk) never leave the adapter.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { AlreadyExists, InvalidPageToken, type Page, StateConflict } from '../ports.js';

type Key = { pk: string; sk: string };

// The conditional-write outcomes every store shares are defined beside the ports (use cases catch them
// without importing an adapter); re-exported here for the adapters.
export { AlreadyExists, StateConflict };

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_MAX = 100;

/**
 * A page's continuation as the caller sees it: the last key read, base64url JSON, without the
 * partition (which the query fixes), so a token can only move the start within the caller's own list.
 */
function encodeToken(last: Record<string, unknown> | undefined, partitionAttribute: string) {
  if (!last) return undefined;
  const { [partitionAttribute]: _partition, ...rest } = last;
  return Buffer.from(JSON.stringify(rest)).toString('base64url');
}

function decodeToken(
  token: string,
  partitionAttribute: string,
  partition: string,
  allowed: string[],
): Record<string, string> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageToken('Not a page token');
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded))
    throw new InvalidPageToken('Not a page token');
  const entries = Object.entries(decoded as Record<string, unknown>);
  if (
    entries.length !== allowed.length ||
    !entries.every(
      ([k, v]) => allowed.includes(k) && typeof v === 'string' && v.length > 0 && v.length <= 1024,
    )
  )
    throw new InvalidPageToken('Not a page token of this list');
  return { ...(decoded as Record<string, string>), [partitionAttribute]: partition };
}

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
    await this.db.send(new PutCommand({ TableName: this.table, Item: itemOf(k, record, index) }));
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

  /**
   * One page of a query — exactly one Query call of at most `limit` items, so every request's reads are
   * bounded — on the gsi1 index (the default) or the table's own partition. `after` keeps only sort keys
   * greater than it (open sessions: closing after now); a FilterExpression may leave a page short.
   */
  protected async queryPage<T>(query: {
    pk: string;
    index?: 'gsi1' | 'table';
    skPrefix?: string;
    after?: string;
    limit: number;
    nextToken?: string | undefined;
    filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
    /** Descending sort keys (a feed, newest first). */
    newestFirst?: boolean;
  }): Promise<Page<T>> {
    const onTable = query.index === 'table';
    const [pkName, skName] = onTable ? ['pk', 'sk'] : ['gsi1pk', 'gsi1sk'];
    const keyAttributes = onTable ? ['sk'] : ['pk', 'sk', 'gsi1sk'];
    const start = query.nextToken ? decodeToken(query.nextToken, pkName, query.pk, keyAttributes) : undefined;
    const condition = query.skPrefix
      ? `${pkName} = :pk AND begins_with(${skName}, :sk)`
      : query.after !== undefined
        ? `${pkName} = :pk AND ${skName} > :sk`
        : `${pkName} = :pk`;
    let out: QueryCommandOutput;
    try {
      out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          ...(onTable ? { ConsistentRead: true } : { IndexName: 'gsi1' }),
          KeyConditionExpression: condition,
          ExpressionAttributeValues: {
            ':pk': query.pk,
            ...(query.skPrefix !== undefined ? { ':sk': query.skPrefix } : {}),
            ...(query.skPrefix === undefined && query.after !== undefined ? { ':sk': query.after } : {}),
            ...(query.filter?.values ?? {}),
          },
          ...(query.filter ? { FilterExpression: query.filter.expression } : {}),
          ...(query.filter?.names ? { ExpressionAttributeNames: query.filter.names } : {}),
          Limit: query.limit,
          ...(query.newestFirst ? { ScanIndexForward: false } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
    } catch (error) {
      // A start key DynamoDB will not take can only have come from an altered token.
      if (start && (error as Error).name === 'ValidationException')
        throw new InvalidPageToken('Not a page token of this list');
      throw error;
    }
    const nextToken = encodeToken(out.LastEvaluatedKey, pkName);
    return {
      items: (out.Items ?? []).map((item) => strip<T>(item) as T),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** Items by key in as few BatchGetItem calls as fit (100 keys each), unprocessed keys asked again. */
  protected async batchGet<T>(keys: Key[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    const unique = [...new Map(keys.map((k) => [batchKey(k), k])).values()];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let pending: Key[] = unique.slice(i, i + BATCH_GET_MAX);
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const out = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of out.Responses?.[this.table] ?? [])
          found.set(batchKey(item as Key), strip<T>(item) as T);
        pending = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Key[];
      }
    }
    return found;
  }

  /** Reads a counter's next serial without taking it; the write that takes it is conditional. */
  async peekCounter(name: string): Promise<number> {
    return ((await this.get<{ value: number }>(counterKey(name)))?.value ?? 0) + 1;
  }
}

/** The key batchGet's answer is indexed by. */
export const batchKey = (k: Key) => `${k.pk}\u0000${k.sk}`;

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

/**
 * True when a transaction was cancelled because one of its conditions failed — a "no" — rather than
 * because another transaction held one of its items (TransactionConflict), which is "not now" and must
 * reach the caller's retry as it is.
 */
export function cancelledByCondition(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

/** A record under its key, listed in gsi1 when `index` is given. */
export function itemOf(k: Key, record: object, index?: Key): Record<string, unknown> {
  return { ...k, ...(index ? { gsi1pk: index.pk, gsi1sk: index.sk } : {}), ...record };
}

/** The Put (for a transaction, or a PutCommand) of a record that must not exist yet. */
export function putNew(table: string, k: Key, record: object, index?: Key) {
  return {
    TableName: table,
    Item: itemOf(k, record, index),
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}
