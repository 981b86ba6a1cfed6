// The local S3 as the real @aws-sdk/client-s3 sees it: Put, Get and Head of objects in the template's
// buckets, S3's own errors (NoSuchKey, NoSuchBucket, an unsigned request refused), the caller's access key
// handed to the authorize() seam, and a listener on 127.0.0.1 only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyIdOf, startLocalS3 } from '../../../local/s3.js';

let dir: string;
let s3: Awaited<ReturnType<typeof startLocalS3>>;
let client: S3Client;
const BUCKET = 'skillcert-neijiang-paperdocuments-1a2b3c4d';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-s3-'));
  s3 = await startLocalS3({
    buckets: [{ logicalId: 'PaperDocuments', bucketName: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }],
    dataDir: dir,
  });
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'cn-northwest-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDPAPERFUNCTION', secretAccessKey: 'x' },
  });
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the local S3', () => {
  it('stores and returns an object byte for byte, with its content type, through the real S3 client', async () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 256);
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'certificates/NJ-1/certificate.pdf',
        Body: bytes,
        ContentType: 'application/pdf',
      }),
    );
    const got = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'certificates/NJ-1/certificate.pdf' }),
    );
    expect(got.ContentType).toBe('application/pdf');
    expect(
      Buffer.compare(Buffer.from((await got.Body?.transformToByteArray()) ?? []), Buffer.from(bytes)),
    ).toBe(0);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'certificates/NJ-1/certificate.pdf' }),
    );
    expect(head.ContentLength).toBe(200_000);
  });

  it('answers S3’s own errors: NoSuchKey, NoSuchBucket, and AccessDenied for an unsigned request', async () => {
    await expect(
      client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'certificates/none.pdf' })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' })),
    ).rejects.toMatchObject({ name: 'NoSuchBucket' });
    const unsigned = await fetch(`${s3.endpoint}/${BUCKET}/certificates/NJ-1/certificate.pdf`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('names the caller by the access key id of the SigV4 Authorization header, and listens on loopback', () => {
    expect(
      accessKeyIdOf(
        'AWS4-HMAC-SHA256 Credential=AKIDPAPERFUNCTION/20261130/cn-northwest-1/s3/aws4_request, SignedHeaders=host, Signature=ab',
      ),
    ).toBe('AKIDPAPERFUNCTION');
    expect(accessKeyIdOf('Bearer x')).toBeUndefined();
    expect(new URL(s3.endpoint).hostname).toBe('127.0.0.1');
  });
});
