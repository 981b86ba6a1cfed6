// Bitstring status lists in the region's table: one item per list and purpose, holding the GZIP-encoded
// list (a few hundred bytes while few bits are set) and a version. A change reads the list, sets a bit
// and writes it back on the condition that nobody changed it meanwhile, inside the same transaction
// as the record whose status it mirrors, so the record and its bit never disagree.
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OpenStatusList, StatusListKind, StatusPurpose } from '../domain/index.js';
import { StatusList, withBit } from '../domain/index.js';
import type { SignedStatusList, StatusListBits } from '../ports.js';

/** A list's bits as stored: the port's StatusListBits. */
export type StatusListRecord = StatusListBits;

const key = (listId: string, purpose: StatusPurpose) => ({ pk: `STATUSLIST#${listId}`, sk: purpose });

export async function readStatusList(
  db: DynamoDBDocumentClient,
  table: string,
  listId: string,
  purpose: StatusPurpose,
): Promise<StatusListRecord> {
  const out = await db.send(
    new GetCommand({ TableName: table, Key: key(listId, purpose), ConsistentRead: true }),
  );
  if (!out.Item) return { listId, purpose, encodedList: StatusList.empty().encode(), version: 0 };
  return {
    listId,
    purpose,
    encodedList: String(out.Item.encodedList),
    version: Number(out.Item.version),
    updatedAt: String(out.Item.updatedAt),
  };
}

// Where it was first defined; use cases import it from the domain.
export { withBit };

/** A TransactWriteItems entry writing `next`, if the stored list is still the version it was made from. */
export function statusListWrite(table: string, next: StatusListRecord) {
  const previous = next.version - 1;
  return {
    Put: {
      TableName: table,
      Item: { ...key(next.listId, next.purpose), ...next },
      ConditionExpression: previous === 0 ? 'attribute_not_exists(pk)' : 'version = :previous',
      ...(previous === 0 ? {} : { ExpressionAttributeValues: { ':previous': previous } }),
    },
  };
}

// ---- where new credentials' bits go (domain/status-index.ts) ----

const openListKey = (kind: StatusListKind) => ({ pk: 'STATUSLIST#OPEN', sk: kind });

/** The open list of a kind, with its secret seed; undefined before the first credential of that kind. */
export async function readOpenStatusList(
  db: DynamoDBDocumentClient,
  table: string,
  kind: StatusListKind,
): Promise<OpenStatusList | undefined> {
  const out = await db.send(
    new GetCommand({ TableName: table, Key: openListKey(kind), ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  return {
    kind,
    list: Number(out.Item.list),
    placed: Number(out.Item.placed),
    seed: String(out.Item.seed),
  };
}

/** A list's secret seed: 256 random bits, kept in the table and never published. */
export function newStatusListSeed(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A TransactWriteItems entry that takes the next position (`next`, from nextStatusPosition) on the
 * condition that the open list is still as `read` left it: a concurrent issuer makes it fail, and the
 * caller reads again. The item is a few hundred bytes: one write unit, doubled in a transaction.
 */
export function takeStatusPosition(table: string, read: OpenStatusList | undefined, next: OpenStatusList) {
  return {
    Put: {
      TableName: table,
      Item: { ...openListKey(next.kind), ...next },
      ConditionExpression: read ? '#list = :list AND #placed = :placed' : 'attribute_not_exists(pk)',
      ...(read
        ? {
            // LIST is a reserved word in DynamoDB expressions.
            ExpressionAttributeNames: { '#list': 'list', '#placed': 'placed' },
            ExpressionAttributeValues: { ':list': read.list, ':placed': read.placed },
          }
        : {}),
    },
  };
}

// ---- the signed lists the public route serves (certification/status-publication.ts) ----

// All signed lists share one partition, so the renewal sweep finds them with one Query; a region has a
// handful of lists (two purposes per 131,072 certificates), each item a few KB.
const SIGNED_PK = 'STATUSLIST#SIGNED';
const signedKey = (listId: string, purpose: StatusPurpose) => ({ pk: SIGNED_PK, sk: `${listId}#${purpose}` });

export async function readSignedStatusList(
  db: DynamoDBDocumentClient,
  table: string,
  listId: string,
  purpose: StatusPurpose,
): Promise<SignedStatusList | undefined> {
  // Eventually consistent is enough: a list signed a moment ago is served on the next request.
  const out = await db.send(new GetCommand({ TableName: table, Key: signedKey(listId, purpose) }));
  return out.Item ? signedOf(out.Item) : undefined;
}

function signedOf(item: Record<string, unknown>): SignedStatusList {
  return {
    listId: String(item.listId),
    purpose: item.purpose as StatusPurpose,
    listVersion: Number(item.listVersion),
    signedAt: String(item.signedAt),
    validUntil: String(item.validUntil),
    jws: String(item.jws),
  };
}

export async function readSignedStatusLists(
  db: DynamoDBDocumentClient,
  table: string,
): Promise<SignedStatusList[]> {
  const found: SignedStatusList[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SIGNED_PK },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) found.push(signedOf(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}

/** The conditional Put of a signed list (standalone, or inside the transaction that changes its bits). */
export function signedStatusListWrite(table: string, signed: SignedStatusList) {
  return {
    Put: {
      TableName: table,
      Item: { ...signedKey(signed.listId, signed.purpose), ...signed },
      // Never over a list made from later bits, or from the same bits signed later.
      ConditionExpression:
        'attribute_not_exists(pk) OR listVersion < :version OR (listVersion = :version AND signedAt < :signedAt)',
      ExpressionAttributeValues: { ':version': signed.listVersion, ':signedAt': signed.signedAt },
    },
  };
}

/** Stores a signed list unless a newer one (later bits, or the same bits signed later) is already stored. */
export async function writeSignedStatusList(
  db: DynamoDBDocumentClient,
  table: string,
  signed: SignedStatusList,
): Promise<boolean> {
  try {
    await db.send(new PutCommand(signedStatusListWrite(table, signed).Put));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
