// A metering proxy in front of DynamoDB Local. DynamoDB Local reports no consumed capacity, so the
// benchmarks compute read and write units from item sizes the way DynamoDB bills on-demand tables:
// writes in 1 KB units of the item written (the item after an update), reads in 4 KB units (half for
// eventually consistent reads), both doubled inside transactions. Approximation: an update is charged
// for the new item only (DynamoDB charges the larger of old and new).
import { createServer } from 'node:http';
import { dynamoDbForwarder, readDynamoDbRequest } from './dynamodb-proxy.js';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

function valueSize(value: AttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N': {
      const digits = String(v).replace(/^[-+]/, '').replace('.', '').replace(/^0+/, '');
      return Math.ceil(digits.length / 2) + 1;
    }
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (v as string[]).reduce((a, x) => a + valueSize({ [type.slice(0, 1)]: x }), 0);
    case 'L':
      return 3 + (v as AttributeValue[]).reduce((a, x) => a + 1 + valueSize(x), 0);
    case 'M':
      return (
        3 + Object.entries(v as Item).reduce((a, [k, x]) => a + 1 + Buffer.byteLength(k) + valueSize(x), 0)
      );
    default:
      return 0;
  }
}

/** DynamoDB's item size: attribute names plus values. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((a, [name, v]) => a + Buffer.byteLength(name) + valueSize(v), 0);
}

export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

export interface MeterTotals {
  writeUnits: number;
  readUnits: number;
  requests: number;
}

export async function startDynamoDbMeter(target: string) {
  const totals: MeterTotals = { writeUnits: 0, readUnits: 0, requests: 0 };
  const forward = dynamoDbForwarder(target);

  async function getItem(
    headers: Record<string, string>,
    table: string,
    key: Item,
  ): Promise<Item | undefined> {
    const r = await forward(
      { ...headers, 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      JSON.stringify({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return (JSON.parse(r.body) as { Item?: Item }).Item;
  }

  const server = createServer(async (req, res) => {
    const { body, headers, operation } = await readDynamoDbRequest(req);
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(body || '{}');
    } catch {
      // Not ours to judge: DynamoDB Local answers it.
    }
    // Ask for the new item on updates so its size can be measured; the caller's answer stays as asked.
    const askedReturn = input.ReturnValues;
    const forwarded =
      operation === 'UpdateItem' && !askedReturn ? { ...input, ReturnValues: 'ALL_NEW' } : input;
    let result: Awaited<ReturnType<typeof forward>>;
    try {
      result = await forward(headers, JSON.stringify(forwarded));
    } catch (error) {
      res.writeHead(502);
      res.end(String(error));
      return;
    }
    totals.requests++;
    try {
      const out = JSON.parse(result.body) as Record<string, unknown>;
      const ok = result.status < 300;
      const consistent = input.ConsistentRead === true;
      switch (operation) {
        case 'PutItem':
          totals.writeUnits += ok ? writeUnits(itemSize(input.Item as Item)) : 1;
          break;
        case 'UpdateItem':
          totals.writeUnits += ok ? writeUnits(itemSize((out.Attributes as Item) ?? {})) : 1;
          if (ok && !askedReturn) delete out.Attributes;
          break;
        case 'DeleteItem':
          totals.writeUnits += 1;
          break;
        case 'GetItem':
          totals.readUnits += readUnits(out.Item ? itemSize(out.Item as Item) : 0, consistent);
          break;
        case 'Query':
        case 'Scan': {
          const bytes = ((out.Items as Item[]) ?? []).reduce((a, i) => a + itemSize(i), 0);
          totals.readUnits += readUnits(bytes, consistent);
          break;
        }
        case 'TransactWriteItems': {
          for (const entry of (input.TransactItems as Record<string, Record<string, unknown>>[]) ?? []) {
            const [kind, op] = Object.entries(entry)[0] ?? [];
            if (!op) continue;
            let bytes = 0;
            if (kind === 'Put') bytes = itemSize(op.Item as Item);
            else if (kind === 'Update' && ok)
              bytes = itemSize((await getItem(headers, String(op.TableName), op.Key as Item)) ?? {});
            totals.writeUnits += 2 * writeUnits(bytes);
          }
          break;
        }
        default:
          break;
      }
      const text = JSON.stringify(out);
      // The body may have changed, so its checksum header would no longer match.
      // The body was re-serialised: its checksum and framing headers are recomputed here.
      const {
        'x-amz-crc32': _crc,
        'transfer-encoding': _te,
        'content-length': _cl,
        ...kept
      } = result.headers;
      res.writeHead(result.status, { ...kept, 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    } catch {
      const { 'transfer-encoding': _te, 'content-length': _cl, ...kept } = result.headers;
      res.writeHead(result.status, { ...kept, 'content-length': String(Buffer.byteLength(result.body)) });
      res.end(result.body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    endpoint: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    totals: () => ({ ...totals }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
