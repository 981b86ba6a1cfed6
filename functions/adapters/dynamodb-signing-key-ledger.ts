// The signing-key ledger in the region's single table: one item per key that ever signed, pk
// `SIGNING_KEY`, sk its thumbprint. Every write is conditional, so concurrent first signatures of the
// same key (several containers) agree on one record, and a window once closed is never moved.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FirstUse, SigningKeyRecord, WindowClosing } from '../domain/signing-keys.js';
import { putNew } from './dynamodb-table.js';

export const SIGNING_KEY_PK = 'SIGNING_KEY';

const keyOf = (thumbprint: string) => ({ pk: SIGNING_KEY_PK, sk: thumbprint });

function recordOf(item: Record<string, unknown> | undefined): SigningKeyRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as SigningKeyRecord;
}

const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

export class DynamoDbSigningKeyLedger {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    private readonly table: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(thumbprint: string): Promise<SigningKeyRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keyOf(thumbprint), ConsistentRead: true }),
    );
    return recordOf(out.Item);
  }

  async list(): Promise<SigningKeyRecord[]> {
    const records: SigningKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': SIGNING_KEY_PK },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) records.push(recordOf(item) as SigningKeyRecord);
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }

  /**
   * A key's first signature: its record, put only if absent. 'lost' when another container recorded the
   * key first: read the ledger again.
   */
  async recordFirstUse(plan: FirstUse): Promise<'recorded' | 'lost'> {
    return (await this.putIfAbsent(plan.record)) ? 'recorded' : 'lost';
  }

  /**
   * Closes older keys' windows, each only if still open: a window once closed is never moved, so
   * concurrent closers (several containers of the newer generation) agree on the first one's time.
   */
  async closeWindows(closings: WindowClosing[]): Promise<void> {
    for (const closing of closings) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keyOf(closing.thumbprint),
            UpdateExpression: 'SET signsUntil = :until',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(signsUntil)',
            ExpressionAttributeValues: { ':until': closing.signsUntil },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
  }

  /** Puts a record only if the key has none (a key declared compromised before it ever signed). */
  async putIfAbsent(record: SigningKeyRecord): Promise<boolean> {
    try {
      await this.db.send(new PutCommand(putNew(this.table, keyOf(record.thumbprint), record)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Declares a recorded key compromised; false when it is missing or already compromised. */
  async markCompromised(thumbprint: string, compromisedAt: string, reason: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keyOf(thumbprint),
          UpdateExpression: 'SET compromisedAt = :at, compromiseReason = :reason',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(compromisedAt)',
          ExpressionAttributeValues: { ':at': compromisedAt, ':reason': reason },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
