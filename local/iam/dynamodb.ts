// DynamoDB under IAM: what each request asks for (action × table or index ARN, one per item of a
// transaction or batch) and a proxy in front of DynamoDB Local that refuses, with DynamoDB's own error
// document, what the caller's role may not do. Table and index ARNs are the local cloud's.
import { createServer } from 'node:http';
import { dynamoDbForwarder, readDynamoDbRequest } from '../dynamodb-proxy.js';
import type { LocalTable } from '../model.js';
import type { LocalIam } from './authorizer.js';

export interface DynamoDbPermission {
  action: string;
  resource: string;
  /** `dynamodb:LeadingKeys`: the partition key values the request touches, where the local cloud knows them. */
  context?: Record<string, string[]>;
}

type Body = Record<string, unknown>;

/** Which attribute is each table's partition key (from the template's key schema), by name and by ARN. */
export type PartitionKeys = ReadonlyMap<string, string>;

export function partitionKeysOf(tables: readonly Pick<LocalTable, 'tableName' | 'arn' | 'keySchema'>[]) {
  const keys = new Map<string, string>();
  for (const t of tables) {
    const hash = t.keySchema.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (!hash) continue;
    keys.set(t.tableName, hash);
    keys.set(t.arn, hash);
  }
  return keys as PartitionKeys;
}

/** An attribute value as IAM compares it: the string of an S or N, the base64 of a B. */
function scalar(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  for (const type of ['S', 'N', 'B'] as const) if (typeof v[type] === 'string') return v[type] as string;
  return undefined;
}

/**
 * The partition key value a Query's key condition fixes (`#pk = :pk`, either way round, names resolved
 * through ExpressionAttributeNames; or the legacy KeyConditions' EQ). Undefined when it cannot be found.
 */
function queryPartitionValue(body: Body, hash: string): string | undefined {
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const nameOf = (token: string) => (token.startsWith('#') ? names[token] : token);
  if (typeof body.KeyConditionExpression === 'string') {
    for (const m of body.KeyConditionExpression.matchAll(/([#:]?[\w.]+)\s*=\s*([#:]?[\w.]+)/g)) {
      const [left, right] = [m[1] as string, m[2] as string];
      if (right.startsWith(':') && nameOf(left) === hash) return scalar(values[right]);
      if (left.startsWith(':') && nameOf(right) === hash) return scalar(values[left]);
    }
    return undefined;
  }
  const legacy = (
    body.KeyConditions as Record<string, { ComparisonOperator?: string; AttributeValueList?: unknown[] }>
  )?.[hash];
  return legacy?.ComparisonOperator === 'EQ' ? scalar(legacy.AttributeValueList?.[0]) : undefined;
}

/**
 * The permissions one DynamoDB request needs (IAM's service authorization reference for DynamoDB), each
 * with `dynamodb:LeadingKeys` where the table's partition key is known (`partitionKeys`): the key of the
 * item (single-item actions and each item of a transaction), of every item of a batch on that table, or
 * the one a Query's key condition fixes. Scans and index Queries carry none (docs/local-cloud.md).
 */
export function dynamoDbPermissions(
  operation: string,
  body: Body,
  region: string,
  account: string,
  partitionKeys: PartitionKeys = new Map(),
): DynamoDbPermission[] {
  const table = (name: unknown) =>
    typeof name === 'string' && name.startsWith('arn:')
      ? name
      : `arn:aws:dynamodb:${region}:${account}:table/${String(name)}`;
  const hashOf = (name: unknown) => (typeof name === 'string' ? partitionKeys.get(name) : undefined);
  /** LeadingKeys from items' keys; none at all when any one of them cannot be read. */
  const leading = (name: unknown, keys: unknown[]) => {
    const hash = hashOf(name);
    if (!hash) return {};
    const found = keys.map((k) => scalar((k as Body | undefined)?.[hash]));
    return found.every((v) => v !== undefined)
      ? { context: { 'dynamodb:LeadingKeys': [...new Set(found as string[])] } }
      : {};
  };
  const on = (action: string, resource: string, extra: Pick<DynamoDbPermission, 'context'> = {}) => ({
    action: `dynamodb:${action}`,
    resource,
    ...extra,
  });
  switch (operation) {
    case 'Query':
    case 'Scan': {
      // Reading an index needs the permission on the index's ARN, not the table's.
      if (typeof body.IndexName === 'string')
        return [on(operation, `${table(body.TableName)}/index/${body.IndexName}`)];
      const hash = operation === 'Query' ? hashOf(body.TableName) : undefined;
      const value = hash ? queryPartitionValue(body, hash) : undefined;
      return [
        on(
          operation,
          table(body.TableName),
          value === undefined ? {} : { context: { 'dynamodb:LeadingKeys': [value] } },
        ),
      ];
    }
    case 'BatchGetItem':
      return Object.entries((body.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).map(
        ([name, request]) => on(operation, table(name), leading(name, request?.Keys ?? [])),
      );
    case 'BatchWriteItem':
      return Object.entries((body.RequestItems ?? {}) as Record<string, Body[]>).map(([name, requests]) =>
        on(
          operation,
          table(name),
          leading(
            name,
            (Array.isArray(requests) ? requests : []).map(
              (r) => (r.PutRequest as Body | undefined)?.Item ?? (r.DeleteRequest as Body | undefined)?.Key,
            ),
          ),
        ),
      );
    case 'TransactWriteItems':
      // Each item needs the permission of the single-item action it performs, on its own table.
      return ((body.TransactItems ?? []) as Body[]).flatMap((item) => {
        const [[kind, detail] = ['', {}]] = Object.entries(item);
        const action = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        }[kind];
        const d = detail as Body;
        return action ? [on(action, table(d.TableName), leading(d.TableName, [d.Item ?? d.Key]))] : [];
      });
    case 'TransactGetItems':
      return ((body.TransactItems ?? []) as Body[]).map((item) => {
        const get = (item.Get ?? {}) as Body;
        return on('GetItem', table(get.TableName), leading(get.TableName, [get.Key]));
      });
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [on(operation, '*')];
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [on(operation, table(body.TableName), leading(body.TableName, [body.Key]))];
    case 'PutItem':
      return [on(operation, table(body.TableName), leading(body.TableName, [body.Item]))];
    default:
      // Other single-table operations (DescribeTable, …). Anything without a TableName is checked
      // against "*", which only a broad grant allows.
      return [on(operation, body.TableName === undefined ? '*' : table(body.TableName))];
  }
}

/** A proxy that authorises every request by its signer's role before forwarding it to `target`. */
export async function startDynamoDbIamProxy(
  target: string,
  iam: LocalIam,
  region: string,
  account: string,
  port?: number,
  partitionKeys: PartitionKeys = new Map(),
) {
  const forward = dynamoDbForwarder(target);
  const server = createServer(async (req, res) => {
    try {
      const { body, headers, operation } = await readDynamoDbRequest(req);
      let parsed: Body = {};
      try {
        parsed = body ? (JSON.parse(body) as Body) : {};
      } catch {
        // DynamoDB Local answers malformed bodies itself; there is nothing to authorise yet.
      }
      const verdict = await iam.authorizeRequest(
        { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
        dynamoDbPermissions(operation, parsed, region, account, partitionKeys),
      );
      if (!verdict.allowed) {
        const { code, message, status } = verdict.refusal;
        const namespace =
          code === 'AccessDeniedException' ? 'com.amazonaws.dynamodb.v20120810' : 'com.amazon.coral.service';
        const text = JSON.stringify({ __type: `${namespace}#${code}`, message });
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': crypto.randomUUID(),
        });
        res.end(text);
        return;
      }
      const answer = await forward(headers, body);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
