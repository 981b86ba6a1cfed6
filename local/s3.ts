// The local S3: the few operations our functions use (PutObject, GetObject, HeadObject; DeleteObject, which
// an operator or a test uses to lose a cached document) over S3's REST
// protocol with path-style addresses (/<bucket>/<key>), so the real @aws-sdk/client-s3 works against it
// through AWS_ENDPOINT_URL_S3. Buckets are the template's AWS::S3::Bucket resources; objects live in files
// under the data folder (or a scratch folder for tests). Bound to 127.0.0.1 only.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface LocalBucket {
  logicalId: string;
  bucketName: string;
  arn: string;
}

export interface LocalS3Options {
  port?: number;
  buckets: LocalBucket[];
  dataDir: string;
  logger?: (line: string) => void;
  authorize?: S3Authorizer;
}

export type S3Action = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject';

/**
 * Whether the holder of an access key may do an action on an object (local/iam: the template's IAM, as
 * for every local service). S3 signs its payloads in ways (UNSIGNED-PAYLOAD, aws-chunked streaming) the
 * local signature check does not recompute, so here the caller is known by its access key id alone
 * (docs/local-cloud.md names the gap). Without an authorizer, everything signed is allowed.
 */
export type S3Authorizer = (
  accessKeyId: string,
  action: S3Action,
  resourceArn: string,
) => { allowed: true } | { allowed: false; message: string };

/** The access key id in `AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/s3/aws4_request, …`. */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  const match = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\//.exec(authorization ?? '');
  return match?.[1];
}

/** Objects larger than this are refused (ours are PDFs of about 80 KB). */
const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

function xmlError(res: ServerResponse, status: number, code: string, message: string, resource: string) {
  const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message><Resource>${xml(resource)}</Resource></Error>`,
  );
}

async function body(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_OBJECT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The SDK streams PutObject bodies with aws-chunked encoding when it adds a checksum trailer; undo it:
 * `<hex size>;chunk-signature=…\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n`.
 */
function unchunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('aws-chunked body ends inside a chunk header');
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1').split(';')[0] as string, 16);
    if (!Number.isFinite(size)) throw new Error('aws-chunked body has a bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

export async function startLocalS3(options: LocalS3Options) {
  const log = options.logger ?? (() => {});
  const authorize: S3Authorizer = options.authorize ?? (() => ({ allowed: true }));
  const buckets = new Map(options.buckets.map((b) => [b.bucketName, b]));
  for (const b of options.buckets) await mkdir(join(options.dataDir, b.bucketName), { recursive: true });
  // Keys become file names by their SHA-256: any key is a safe name, and nothing escapes the folder.
  const fileOf = (bucket: string, key: string) =>
    join(options.dataDir, bucket, createHash('sha256').update(key).digest('hex'));

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const resource = url.pathname;
    try {
      const caller = accessKeyIdOf(req.headers.authorization);
      if (!caller) return xmlError(res, 403, 'AccessDenied', 'Requests must be signed (SigV4)', resource);
      const bucket = buckets.get(bucketName);
      if (!bucket) return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', resource);
      if (!key) return xmlError(res, 405, 'MethodNotAllowed', 'Only object operations are served', resource);
      const arn = `${bucket.arn}/${key}`;
      const file = fileOf(bucketName, key);
      if (req.method === 'PUT') {
        const verdict = authorize(caller, 's3:PutObject', arn);
        if (!verdict.allowed) return xmlError(res, 403, 'AccessDenied', verdict.message, resource);
        let data = await body(req);
        if (!data) return xmlError(res, 400, 'EntityTooLarge', 'The object is too large', resource);
        if (
          /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) ||
          req.headers['x-amz-decoded-content-length']
        )
          data = unchunk(data);
        const etag = `"${createHash('md5').update(data).digest('hex')}"`;
        const meta = {
          contentType: req.headers['content-type'] ?? 'binary/octet-stream',
          etag,
          key,
          lastModified: new Date().toUTCString(),
        };
        await writeFile(file, data);
        await writeFile(`${file}.json`, JSON.stringify(meta));
        res.writeHead(200, { etag });
        return res.end();
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const verdict = authorize(caller, 's3:GetObject', arn);
        if (!verdict.allowed) return xmlError(res, 403, 'AccessDenied', verdict.message, resource);
        let meta: { contentType: string; etag: string; lastModified: string };
        let data: Buffer;
        try {
          meta = JSON.parse(await readFile(`${file}.json`, 'utf8'));
          data = await readFile(file);
        } catch {
          if (req.method === 'HEAD') {
            res.writeHead(404);
            return res.end();
          }
          return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.', resource);
        }
        res.writeHead(200, {
          'content-type': meta.contentType,
          'content-length': data.length,
          etag: meta.etag,
          'last-modified': meta.lastModified,
        });
        return res.end(req.method === 'HEAD' ? undefined : data);
      }
      if (req.method === 'DELETE') {
        const verdict = authorize(caller, 's3:DeleteObject', arn);
        if (!verdict.allowed) return xmlError(res, 403, 'AccessDenied', verdict.message, resource);
        // As S3 (unversioned): 204 whether or not the object was there.
        await rm(file, { force: true });
        await rm(`${file}.json`, { force: true });
        res.writeHead(204);
        return res.end();
      }
      return xmlError(res, 405, 'MethodNotAllowed', `${req.method} is not served here`, resource);
    } catch (error) {
      log(`s3: ${(error as Error).message}`);
      return xmlError(
        res,
        500,
        'InternalError',
        'We encountered an internal error. Please try again.',
        resource,
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
