// The document cache on S3: a private bucket of certificate PDFs. On the local cloud the same client
// talks to local/s3.ts through AWS_ENDPOINT_URL_S3.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DocumentCache } from '../ports.js';

export class S3DocumentCache implements DocumentCache {
  constructor(
    private readonly bucket: string,
    // Path-style addressing: bucket names with dots and the local endpoint (an IP address) both need it.
    private readonly client = new S3Client({ forcePathStyle: true }),
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }),
    );
  }
}
