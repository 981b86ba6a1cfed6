// What the local cloud's IAM costs per call on one core: the policy evaluation behind every DynamoDB,
// Step Functions, EventBridge and KMS call, and the SigV4 signature check of every HTTP request.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { LocalIam } from '../local/iam/authorizer.js';
import { type SignedRequest, signatureMatches } from '../local/iam/sigv4.js';
import type { LocalModel } from '../local/model.js';

class Sha256 {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as string);
  }
  update(data: string | Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}

export async function benchIam(model: LocalModel) {
  // A fresh evaluator over the same template, so the measured calls stay out of the run's IAM report.
  const iam = new LocalIam(model);
  const fn = model.functions.find((f) => f.roleArn) ?? model.functions[0];
  const table = model.tables[0];
  if (!fn || !table) throw new Error('the stack has no function or table to measure with');
  const credentials = iam.functionCredentials(fn.functionName);
  const permission = { action: 'dynamodb:UpdateItem', resource: table.arn };
  const calls = 20_000;
  let started = performance.now();
  for (let i = 0; i < calls; i++) iam.authorize({ accessKeyId: credentials.accessKeyId, ...permission });
  const authorizeMicros = ((performance.now() - started) * 1000) / calls;

  // A 4 KB UpdateItem signed as the SDK signs it, checked again and again.
  const body = JSON.stringify({ TableName: table.tableName, Key: { pk: { S: 'x'.repeat(4000) } } });
  const headers = {
    host: '127.0.0.1:4103',
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.UpdateItem',
  };
  const signer = new SignatureV4({ credentials, region: model.region, service: 'dynamodb', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4103,
    path: '/',
    query: {},
    headers,
    body,
  });
  const request: SignedRequest = { method: 'POST', url: '/', headers: signed.headers, body };
  if (!(await signatureMatches(request, credentials))) throw new Error('the bench request does not verify');
  const checks = 2_000;
  started = performance.now();
  for (let i = 0; i < checks; i++) await signatureMatches(request, credentials);
  const signatureMicros = ((performance.now() - started) * 1000) / checks;
  return { authorizeMicros, signatureMicros };
}
