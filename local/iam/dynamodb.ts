// DynamoDB under IAM: what each request asks for (action × table or index ARN, one per item of a
// transaction or batch) and a proxy in front of DynamoDB Local that refuses, with DynamoDB's own error
// document, what the caller's role may not do. Table and index ARNs are the local cloud's.
import { createServer } from 'node:http';
import { dynamoDbForwarder, readDynamoDbRequest } from '../dynamodb-proxy.js';
import type { LocalIam } from './authorizer.js';

export interface DynamoDbPermission {
  action: string;
  resource: string;
}

type Body = Record<string, unknown>;

/** The permissions one DynamoDB request needs (IAM's service authorization reference for DynamoDB). */
export function dynamoDbPermissions(
  operation: string,
  body: Body,
  region: string,
  account: string,
): DynamoDbPermission[] {
  const table = (name: unknown) =>
    typeof name === 'string' && name.startsWith('arn:')
      ? name
      : `arn:aws:dynamodb:${region}:${account}:table/${String(name)}`;
  const on = (action: string, resource: string) => ({ action: `dynamodb:${action}`, resource });
  switch (operation) {
    case 'Query':
    case 'Scan':
      // Reading an index needs the permission on the index's ARN, not the table's.
      return [
        on(
          operation,
          typeof body.IndexName === 'string'
            ? `${table(body.TableName)}/index/${body.IndexName}`
            : table(body.TableName),
        ),
      ];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems ?? {}) as Body).map((name) => on(operation, table(name)));
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
        return action ? [on(action, table((detail as Body).TableName))] : [];
      });
    case 'TransactGetItems':
      return ((body.TransactItems ?? []) as Body[]).map((item) =>
        on('GetItem', table(((item.Get ?? {}) as Body).TableName)),
      );
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [on(operation, '*')];
    default:
      // Single-table operations (GetItem, PutItem, UpdateItem, DeleteItem, DescribeTable, …). Anything
      // without a TableName is checked against "*", which only a broad grant allows.
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
        dynamoDbPermissions(operation, parsed, region, account),
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
