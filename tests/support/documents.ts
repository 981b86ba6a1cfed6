// What the paper tests share: downloading from a region's API as a browser or the holder does, and the
// documents bucket a certificate's PDF is kept in, reached as the operator reaches it.
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pdfKey } from '../../functions/certification/paper.js';
import type { LocalCloud } from '../../local/cloud.js';

export interface Download {
  status: number;
  type: string | null;
  bytes: Uint8Array;
}

/** GETs `path` of the API (with a bearer token when given): its status, content type and bytes. */
export async function download(api: string, path: string, bearer?: string): Promise<Download> {
  const response = await fetch(`${api}${path}`, {
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

/** The bucket certificate PDFs are kept in (lib/constructs/paper.ts), with the operator's key. */
export function certificateDocuments(cloud: LocalCloud) {
  const bucket = cloud.model.buckets[0]?.bucketName as string;
  const s3 = new S3Client({
    endpoint: cloud.endpoints.s3,
    region: cloud.region,
    forcePathStyle: true,
    // The operator's key (the README's `local`): unknown keys are refused, as AWS refuses them.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    /** The object's URL, for a request that is not signed. */
    url: (number: string) => `${cloud.endpoints.s3}/${bucket}/${pdfKey(number)}`,
    /** The kept PDF's bytes; rejects with NoSuchKey when none is kept. */
    async pdf(number: string): Promise<Uint8Array> {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: pdfKey(number) }));
      return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    },
    remove: (number: string) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: pdfKey(number) })),
  };
}
