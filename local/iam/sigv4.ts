// Who signed an AWS request: the access key id in a Signature Version 4 Authorization header
// (`AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, SignedHeaders=…,
// Signature=…`), and whether the signature is the one that key's secret makes.
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
export interface SigV4Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/;

export function parseSigV4(authorization: string | string[] | undefined): SigV4Credential | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = header ? PATTERN.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedHeaders as string).split(';'),
    signature: signature as string,
  };
}

/** The access key id of a request, or undefined when it carries no SigV4 signature. */
export function accessKeyIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  return parseSigV4(headers.authorization)?.accessKeyId;
}

/** A request as a local service received it: what a signature is computed over. */
export interface SignedRequest {
  method: string;
  /** Path and query, as in IncomingMessage.url. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** node:crypto as the Checksum the signer wants (SHA-256, or HMAC-SHA-256 with a secret). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}

/** x-amz-date (20260101T080000Z) as a Date. */
function amzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/**
 * Whether the request's SigV4 signature is the one its key's secret makes: the signature is computed
 * again with the AWS SDK's own signer (@smithy/signature-v4) over the headers the client signed, and
 * compared. The signing time is not checked against the clock: tests pin the functions' clock far from
 * now (docs/local-cloud.md), where AWS would refuse a signature more than 15 minutes off.
 */
export async function signatureMatches(
  request: SignedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): Promise<boolean> {
  const parsed = parseSigV4(request.headers.authorization);
  const date = amzDate(String(request.headers['x-amz-date'] ?? ''));
  if (!parsed || !date) return false;
  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(request.url, 'http://local');
  const signer = new SignatureV4({
    credentials,
    region: parsed.region,
    service: parsed.service,
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: String(request.headers.host ?? '').split(':')[0] ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: request.body,
    },
    { signingDate: date, signableHeaders: new Set(parsed.signedHeaders) },
  );
  const expected = parseSigV4(signed.headers.authorization)?.signature ?? '';
  return (
    expected.length === parsed.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(parsed.signature))
  );
}
