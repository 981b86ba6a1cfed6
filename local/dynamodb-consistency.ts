// An opt-in proxy in front of DynamoDB Local that is as loose as DynamoDB itself where DynamoDB Local is
// kinder (docs/local-cloud.md, "DynamoDB's consistency"):
//
// - Global secondary indexes are eventually consistent in DynamoDB ("changes to the table data are
//   propagated to the global secondary indexes within a fraction of a second, under normal conditions");
//   DynamoDB Local updates them with the write. Here each write becomes visible to index reads (Query and
//   Scan with an IndexName) only after a random lag of up to `maxIndexLagMs`; until then an index read
//   shows the item as it was before the write (or not at all if it was not in the index then).
// - DynamoDB cancels a transaction that touches an item another transaction is working on
//   (TransactionCanceledException, reason TransactionConflict), and refuses a single-item write to it
//   (TransactionConflictException); DynamoDB Local serialises them silently. Here a write transaction
//   stays "in flight" for a random time of up to `transactionWindowMs`, and whatever touches one of its
//   items meanwhile gets the error DynamoDB gives.
//
// Everything else is forwarded byte for byte. It is a model of DynamoDB's documented behaviour, not a
// replay of it: the gaps are listed in the docs.
import { createServer, type Server } from 'node:http';
import { dynamoDbForwarder, type ForwardedAnswer, readDynamoDbRequest } from './dynamodb-proxy.js';
import type { LocalTable } from './model.js';

const NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

export interface ConsistencyOptions {
  /** Longest time a write stays invisible to index reads (ms). */
  maxIndexLagMs?: number;
  /** Longest time a write transaction holds its items (ms). */
  transactionWindowMs?: number;
  /** Source of randomness in [0, 1) (tests may fix it). */
  random?: () => number;
}

export interface ConsistencyStats {
  /** Index reads that were answered with at least one stale or missing item. */
  staleIndexReads: number;
  /** Items an index read showed in their earlier state or left out. */
  staleItems: number;
  /** Transactions cancelled with TransactionConflict. */
  transactionConflicts: number;
  /** Single-item writes refused with TransactionConflictException. */
  writeConflicts: number;
}

interface Recent {
  /** The item before the first write of this lag window; undefined if it did not exist. */
  before: Item | undefined;
  visibleAt: number;
}

interface Touch {
  table: string;
  key: Item;
}

export async function startConsistencyProxy(
  target: string,
  tables: LocalTable[],
  options: ConsistencyOptions = {},
): Promise<{ endpoint: string; stats(): ConsistencyStats; stop(): Promise<void> }> {
  const maxLag = options.maxIndexLagMs ?? 400;
  const window = options.transactionWindowMs ?? 25;
  const random = options.random ?? Math.random;
  const forward = dynamoDbForwarder(target);
  const byName = new Map(tables.map((t) => [t.tableName, t]));
  const recent = new Map<string, Recent>();
  const inFlight = new Map<string, number>();
  const stats: ConsistencyStats = {
    staleIndexReads: 0,
    staleItems: 0,
    transactionConflicts: 0,
    writeConflicts: 0,
  };

  const keyOf = (table: string, item: Item): Item | undefined => {
    const schema = byName.get(table)?.keySchema;
    if (!schema) return undefined;
    const key: Item = {};
    for (const k of schema) {
      const v = item[k.AttributeName];
      if (v === undefined) return undefined;
      key[k.AttributeName] = v;
    }
    return key;
  };
  const id = (table: string, key: Item) =>
    `${table}\n${JSON.stringify(
      Object.keys(key)
        .sort()
        .map((k) => [k, key[k]]),
    )}`;

  /** The items a write request touches (TransactWriteItems: ConditionCheck included). */
  function touches(operation: string, request: Record<string, unknown>): Touch[] {
    const out: Touch[] = [];
    const add = (table: unknown, key: Item | undefined) => {
      if (typeof table === 'string' && key) out.push({ table, key });
    };
    switch (operation) {
      case 'PutItem':
        add(request.TableName, keyOf(String(request.TableName), (request.Item ?? {}) as Item));
        break;
      case 'UpdateItem':
      case 'DeleteItem':
        add(request.TableName, request.Key as Item);
        break;
      case 'BatchWriteItem':
        for (const [table, writes] of Object.entries(
          (request.RequestItems ?? {}) as Record<string, unknown[]>,
        )) {
          for (const w of writes as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]) {
            if (w.PutRequest) add(table, keyOf(table, w.PutRequest.Item));
            if (w.DeleteRequest) add(table, w.DeleteRequest.Key);
          }
        }
        break;
      case 'TransactWriteItems':
      case 'TransactGetItems':
        for (const t of (request.TransactItems ?? []) as Record<
          string,
          { TableName?: string; Key?: Item; Item?: Item }
        >[]) {
          const part = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck ?? t.Get;
          if (!part) continue;
          add(part.TableName, part.Key ?? (part.Item ? keyOf(String(part.TableName), part.Item) : undefined));
        }
        break;
    }
    return out;
  }

  /** Before a write: remembers each touched item as it is now, for index reads during the lag. */
  async function rememberBefore(headers: Record<string, string>, written: Touch[]) {
    const now = Date.now();
    for (const { table, key } of written) {
      const k = id(table, key);
      const lag = random() * maxLag;
      const existing = recent.get(k);
      if (existing && existing.visibleAt > now) {
        // Still lagging: the index keeps showing the state from before the first write.
        existing.visibleAt = Math.max(existing.visibleAt, now + lag);
        continue;
      }
      const answer = await forward(
        { ...headers, 'x-amz-target': 'DynamoDB_20120810.GetItem' },
        JSON.stringify({ TableName: table, Key: key, ConsistentRead: true }),
      );
      const before = answer.status === 200 ? (JSON.parse(answer.body) as { Item?: Item }).Item : undefined;
      recent.set(k, { before, visibleAt: now + lag });
    }
  }

  /** An index read's answer with each still-lagging item as the index had it before the write. */
  function staleAnswer(request: Record<string, unknown>, body: string): string {
    const table = byName.get(String(request.TableName));
    const index = table?.globalSecondaryIndexes.find((i) => i.IndexName === request.IndexName);
    if (!table || !index) return body;
    const answer = JSON.parse(body) as { Items?: Item[]; Count?: number };
    if (!Array.isArray(answer.Items)) return body;
    const now = Date.now();
    const hash = index.KeySchema.find((k) => k.KeyType === 'HASH')?.AttributeName as string;
    const indexKeys = index.KeySchema.map((k) => k.AttributeName);
    let changed = 0;
    const items: Item[] = [];
    for (const item of answer.Items) {
      const key = keyOf(table.tableName, item);
      const lagging = key ? recent.get(id(table.tableName, key)) : undefined;
      if (!lagging || lagging.visibleAt <= now) {
        items.push(item);
        continue;
      }
      changed++;
      const before = lagging.before;
      // Not in this index partition before the write (absent, sparse, or under another key): left out.
      if (!before || indexKeys.some((k) => before[k] === undefined)) continue;
      if (JSON.stringify(before[hash]) !== JSON.stringify(item[hash])) continue;
      items.push(project(before, item));
    }
    if (changed === 0) return body;
    stats.staleIndexReads++;
    stats.staleItems += changed;
    return JSON.stringify({ ...answer, Items: items, Count: items.length });
  }

  /** The earlier image, cut to the attributes the index answer carried (its projection). */
  function project(before: Item, shown: Item): Item {
    const out: Item = {};
    for (const k of Object.keys(shown)) if (before[k] !== undefined) out[k] = before[k];
    return out;
  }

  // Old entries are dropped now and then: nothing lags after its visibleAt.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [k, r] of recent) if (r.visibleAt <= now) recent.delete(k);
  }, 5_000);
  sweeper.unref();

  const error = (status: number, type: string, extra: Record<string, unknown>): ForwardedAnswer => ({
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ __type: `${NAMESPACE}#${type}`, ...extra }),
  });

  async function handle(
    headers: Record<string, string>,
    body: string,
    operation: string,
  ): Promise<ForwardedAnswer> {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return forward(headers, body);
    }
    const touched = touches(operation, request);
    const ids = touched.map((t) => id(t.table, t.key));
    const busy = ids.map((k) => (inFlight.get(k) ?? 0) > 0);

    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      if (busy.some(Boolean)) {
        stats.transactionConflicts++;
        const reasons = busy.map((b) =>
          b
            ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
            : { Code: 'None' },
        );
        return error(400, 'TransactionCanceledException', {
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          CancellationReasons: reasons,
        });
      }
      if (operation === 'TransactGetItems') return forward(headers, body);
      for (const k of ids) inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
      try {
        await rememberBefore(headers, touched);
        await new Promise((resolve) => setTimeout(resolve, random() * window));
        return await forward(headers, body);
      } finally {
        for (const k of ids) {
          const n = (inFlight.get(k) ?? 1) - 1;
          if (n > 0) inFlight.set(k, n);
          else inFlight.delete(k);
        }
      }
    }
    if (['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].includes(operation)) {
      if (operation !== 'BatchWriteItem' && busy.some(Boolean)) {
        stats.writeConflicts++;
        return error(400, 'TransactionConflictException', {
          message: 'Transaction is ongoing for the item',
        });
      }
      await rememberBefore(headers, touched);
      return forward(headers, body);
    }
    if ((operation === 'Query' || operation === 'Scan') && typeof request.IndexName === 'string') {
      const answer = await forward(headers, body);
      if (answer.status !== 200) return answer;
      const text = staleAnswer(request, answer.body);
      return text === answer.body ? answer : { ...answer, body: text };
    }
    return forward(headers, body);
  }

  const server: Server = createServer(async (req, res) => {
    try {
      const { body, headers, operation } = await readDynamoDbRequest(req);
      const answer = await handle(headers, body, operation);
      const out: Record<string, string> = { ...answer.headers };
      // The body may have changed: its length and checksum must be DynamoDB's for the new body.
      delete out['content-length'];
      delete out['x-amz-crc32'];
      res.writeHead(answer.status, out);
      res.end(answer.body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `${NAMESPACE}#InternalServerError`, message: String(e) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
