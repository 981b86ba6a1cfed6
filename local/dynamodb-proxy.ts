// What the local proxies in front of DynamoDB Local share (the metering proxy, the fault injector): read a
// request as the SDK sent it, and forward a request body to DynamoDB Local with the caller's headers.
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';

export interface ForwardedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The request's body, its headers to forward (not host or length, which change) and its operation. */
export async function readDynamoDbRequest(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
  // x-amz-target is DynamoDB_20120810.<Operation>
  const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
  return { body: Buffer.concat(chunks).toString('utf8'), headers, operation };
}

/** Sends a body to DynamoDB Local at `target` with the given headers; resolves with its whole answer. */
export function dynamoDbForwarder(target: string) {
  const upstream = new URL(target);
  return (headers: Record<string, string>, body: string) =>
    new Promise<ForwardedAnswer>((resolve, reject) => {
      const req = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: 'POST',
          path: '/',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out[k] = v;
            resolve({
              status: res.statusCode ?? 500,
              headers: out,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
