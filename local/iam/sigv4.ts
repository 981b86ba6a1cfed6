// Reads who signed an AWS request: the access key id in a Signature Version 4 Authorization header
// (`AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, SignedHeaders=…,
// Signature=…`). Only the key id is used to identify the caller; see docs/local-cloud.md.
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
