// The local cloud enforces the template's IAM the way AWS does: a function signs with its own
// credentials, bound to its role, and every DynamoDB, KMS, EventBridge and Step Functions call, and every
// Lambda invoke of a state machine, is authorised against the role's policies (and the key's policy).
// The fixture (tests/fixtures/iam-stack.ts) is synthesized once; "tightened" variants of its template
// remove a grant or add a deny, as a careless or careful change to lib/ would.
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { localDynamoDbClient } from '../../local/dynamodb-tables.js';
import type { IamMode } from '../../local/iam/authorizer.js';
import { synthesizeStack } from '../../local/synth.js';
import { buildIamFixtureApp } from '../fixtures/iam-stack.js';
import { eventually } from '../support/eventually.js';

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Sid?: string;
  Condition?: Record<string, Record<string, string[]>>;
};
type ProbeAnswer = { ok: boolean; name?: string; message?: string; output?: Record<string, unknown> };

let root: string;
let stack: ReturnType<typeof synthesizeStack>;
let templatePath: string;
let original: string;

const operator = { accessKeyId: 'local', secretAccessKey: 'local' };

async function up(template: Template, iam: IamMode = 'enforce'): Promise<LocalCloud> {
  await writeFile(templatePath, JSON.stringify(template));
  try {
    return await startLocalCloud({
      assemblyDir: stack.assemblyDir,
      stackArtifactId: stack.stackArtifactId,
      storage: { kind: 'memory' },
      schedules: 'off',
      iam,
      // Deliberately broken templates stay out of the run's least-privilege report.
      recordIam: false,
    });
  } finally {
    await writeFile(templatePath, original);
  }
}

const fresh = (): Template => JSON.parse(original) as Template;
const logicalId = (t: Template, type: string, prefix: string) => {
  const id = Object.keys(t.Resources).find((k) => k.startsWith(prefix) && t.Resources[k]?.Type === type);
  if (!id) throw new Error(`no ${type} ${prefix}… in the fixture`);
  return id;
};
const statements = (t: Template, policyPrefix: string): Statement[] => {
  const policy = t.Resources[logicalId(t, 'AWS::IAM::Policy', policyPrefix)];
  if (!policy) throw new Error(`no policy ${policyPrefix}`);
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
};

/** The fixture as synthesized, minus the grants and plus the denies a tightened lib/ would produce. */
function tightened(): Template {
  const t = fresh();
  const probe = statements(t, 'ProbeFunctionServiceRole');
  // 1. The probe's role loses dynamodb:PutItem (a grant removed from the template).
  for (const s of probe)
    if (Array.isArray(s.Action)) s.Action = s.Action.filter((a) => a !== 'dynamodb:PutItem');
  // 2. An explicit deny on a call its grants allow.
  probe.push({
    Effect: 'Deny',
    Action: 'dynamodb:DeleteItem',
    Resource: { 'Fn::GetAtt': [logicalId(t, 'AWS::DynamoDB::Table', 'Ledger'), 'Arn'] },
  });
  // 3. Writes to the read-only archive, but only on two partition-key prefixes (as the public functions'
  // grants: docs/security.md).
  probe.push({
    Effect: 'Allow',
    Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    Resource: { 'Fn::GetAtt': [logicalId(t, 'AWS::DynamoDB::Table', 'Archive'), 'Arn'] },
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOOKUP#*', 'ACTIVITY#*'] } },
  });
  // 4. The state machine's role may no longer invoke its target.
  const invoker = statements(t, 'InvokerRole');
  invoker.splice(0, invoker.length, ...invoker.filter((s) => s.Action !== 'lambda:InvokeFunction'));
  // 5. The key policy denies signing to everyone, whatever IAM says.
  const key = t.Resources[logicalId(t, 'AWS::KMS::Key', 'SigningKey')]?.Properties.KeyPolicy as {
    Statement: Statement[];
  };
  key.Statement.push({
    Sid: 'NoSigning',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:Sign',
    Resource: '*',
  });
  return t;
}

function tableName(c: LocalCloud, prefix: string): string {
  const table = c.model.tables.find((t) => t.logicalId.startsWith(prefix));
  if (!table) throw new Error(`no table ${prefix}`);
  return table.tableName;
}

async function probe(c: LocalCloud, service: string, command: string, input: Record<string, unknown>) {
  const fn = c.model.functions.find((f) => f.logicalId.startsWith('Probe'));
  const outcome = await c.lambda.invoke(fn?.functionName as string, { service, command, input });
  if (!outcome.ok) throw new Error(`probe failed: ${outcome.errorMessage}`);
  return outcome.payload as ProbeAnswer;
}

const put = (table: string, pk: string) => ({ TableName: table, Item: { pk: { S: pk }, sk: { S: 'x' } } });

async function stored(c: LocalCloud, table: string, pk: string) {
  const out = await c.dynamoClient.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'x' } }, ConsistentRead: true }),
  );
  return out.Item;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-iam-'));
  stack = synthesizeStack(buildIamFixtureApp(join(root, 'cdk.out')));
  templatePath = join(stack.assemblyDir, `${stack.stackArtifactId}.template.json`);
  original = await readFile(templatePath, 'utf8');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the template as synthesized, under enforce', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await up(fresh());
  });
  afterAll(async () => cloud?.stop());

  it('gives each function its own credentials, bound to its role', () => {
    const [fn] = cloud.model.functions;
    const credentials = cloud.iam.functionCredentials(fn?.functionName as string);
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const caller = cloud.iam.callerOf(credentials.accessKeyId);
    expect(caller?.role?.arn).toBe(fn?.roleArn);
    expect(caller?.sessionArn).toBe(
      `arn:aws:sts::000000000000:assumed-role/${caller?.role?.name}/${fn?.functionName}`,
    );
  });

  it('allows what the role grants: writes to the ledger, a query on its index, reads of the archive', async () => {
    const ledger = tableName(cloud, 'Ledger');
    expect(await probe(cloud, 'dynamodb', 'PutItem', put(ledger, 'allowed'))).toMatchObject({ ok: true });
    expect(await stored(cloud, ledger, 'allowed')).toBeDefined();
    const query = await probe(cloud, 'dynamodb', 'Query', {
      TableName: ledger,
      IndexName: 'byOwner',
      KeyConditionExpression: '#o = :o',
      ExpressionAttributeNames: { '#o': 'owner' },
      ExpressionAttributeValues: { ':o': { S: 'nobody' } },
    });
    expect(query).toMatchObject({ ok: true, output: { Count: 0 } });
    const read = await probe(cloud, 'dynamodb', 'GetItem', {
      TableName: tableName(cloud, 'Archive'),
      Key: { pk: { S: 'a' }, sk: { S: 'x' } },
    });
    expect(read).toMatchObject({ ok: true });
  });

  it("refuses a write to a table the role may only read, with AWS's AccessDeniedException naming the action", async () => {
    const archive = tableName(cloud, 'Archive');
    const answer = await probe(cloud, 'dynamodb', 'PutItem', put(archive, 'refused'));
    const table = cloud.model.tables.find((t) => t.tableName === archive);
    const fn = cloud.model.functions.find((f) => f.logicalId.startsWith('Probe'));
    const role = cloud.model.roles.find((r) => r.arn === fn?.roleArn);
    expect(answer).toEqual({
      ok: false,
      name: 'AccessDeniedException',
      message: `User: arn:aws:sts::000000000000:assumed-role/${role?.name}/${fn?.functionName} is not authorized to perform: dynamodb:PutItem on resource: ${table?.arn} because no identity-based policy allows the dynamodb:PutItem action`,
    });
    expect(await stored(cloud, archive, 'refused')).toBeUndefined();
  });

  it('refuses a transaction touching a table the role may not write as a whole: nothing is written', async () => {
    const ledger = tableName(cloud, 'Ledger');
    const answer = await probe(cloud, 'dynamodb', 'TransactWriteItems', {
      TransactItems: [
        { Put: put(ledger, 'in-transaction') },
        { Put: put(tableName(cloud, 'Archive'), 'in-transaction') },
      ],
    });
    expect(answer.ok).toBe(false);
    expect(answer.name).toBe('AccessDeniedException');
    expect(answer.message).toContain('dynamodb:PutItem on resource: arn:aws:dynamodb:');
    expect(answer.message).toContain(tableName(cloud, 'Archive'));
    expect(await stored(cloud, ledger, 'in-transaction')).toBeUndefined();
  });

  it('refuses a batch write naming a read-only table, and allows one on the writable table', async () => {
    const ledger = tableName(cloud, 'Ledger');
    const archive = tableName(cloud, 'Archive');
    const request = (table: string) => ({
      [table]: [{ PutRequest: { Item: { pk: { S: 'batch' }, sk: { S: 'x' } } } }],
    });
    const refused = await probe(cloud, 'dynamodb', 'BatchWriteItem', {
      RequestItems: { ...request(ledger), ...request(archive) },
    });
    expect(refused).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(refused.message).toContain('dynamodb:BatchWriteItem');
    expect(await stored(cloud, ledger, 'batch')).toBeUndefined();
    expect(await probe(cloud, 'dynamodb', 'BatchWriteItem', { RequestItems: request(ledger) })).toMatchObject(
      { ok: true },
    );
  });

  it('signs through the local KMS with the granted kms:Sign, and refuses kms:GetPublicKey it lacks', async () => {
    const key = cloud.model.signingKeys[0];
    const digest = Buffer.alloc(32, 7);
    const signed = await probe(cloud, 'kms', 'Sign', {
      KeyId: key?.keyId,
      Message: digest.toString('base64'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(signed.ok).toBe(true);
    // The operator reads the public key and checks the signature with node:crypto (a verifier we did not write).
    const kms = new KMSClient({ endpoint: cloud.endpoints.kms, region: cloud.region, credentials: operator });
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: key?.keyId }));
    kms.destroy();
    const publicKey = createPublicKey({
      key: Buffer.from(PublicKey as Uint8Array),
      format: 'der',
      type: 'spki',
    });
    // The DIGEST was signed as is: verify the DER signature over it with @noble/curves, without prehashing.
    const raw = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(raw.x as string, 'base64url'),
      Buffer.from(raw.y as string, 'base64url'),
    ]);
    expect(
      p256.verify(Buffer.from(signed.output?.Signature as string, 'base64'), digest, point, {
        prehash: false,
        format: 'der',
      }),
    ).toBe(true);

    const refused = await probe(cloud, 'kms', 'GetPublicKey', { KeyId: key?.keyId });
    expect(refused).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(refused.message).toContain(`kms:GetPublicKey on resource: ${key?.arn}`);
  });

  it('allows PutEvents on the granted bus and refuses it on the default bus', async () => {
    const bus = cloud.model.eventBuses[0];
    const entry = (EventBusName: string) => ({
      Entries: [{ EventBusName, Source: 'skillcert.iam-test', DetailType: 'Probe', Detail: '{}' }],
    });
    expect(await probe(cloud, 'events', 'PutEvents', entry(bus?.name as string))).toMatchObject({
      ok: true,
      output: { FailedEntryCount: 0 },
    });
    const refused = await probe(cloud, 'events', 'PutEvents', entry('default'));
    expect(refused).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(refused.message).toContain(
      'events:PutEvents on resource: arn:aws:events:ap-southeast-1:000000000000:event-bus/default',
    );
  });

  it('refuses StartExecution to a function without states:StartExecution', async () => {
    const answer = await probe(cloud, 'sfn', 'StartExecution', {
      stateMachineArn: cloud.model.stateMachines[0]?.arn,
    });
    expect(answer).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(answer.message).toContain('states:StartExecution');
  });

  it('refuses a caller whose access key the local cloud never issued', async () => {
    const stranger = localDynamoDbClient(cloud.endpoints.dynamodb, cloud.region);
    // localDynamoDbClient signs as the operator; a client with another key is a stranger.
    const client = new DynamoDBClient({
      endpoint: cloud.endpoints.dynamodb,
      region: cloud.region,
      credentials: { accessKeyId: 'AKIANOTISSUEDLOCALLY', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(
      client.send(new PutItemCommand(put(tableName(cloud, 'Ledger'), 'stranger'))),
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    await stranger.send(new PutItemCommand(put(tableName(cloud, 'Ledger'), 'operator')));
    expect(await stored(cloud, tableName(cloud, 'Ledger'), 'operator')).toBeDefined();
    expect(await stored(cloud, tableName(cloud, 'Ledger'), 'stranger')).toBeUndefined();
    client.destroy();
    stranger.destroy();
  });

  it("checks the signature and the session token, not only the key id: another function's key id is not enough", async () => {
    const fn = cloud.model.functions.find((f) => f.logicalId.startsWith('Probe'));
    const real = cloud.iam.functionCredentials(fn?.functionName as string);
    const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new DynamoDBClient({
        endpoint: cloud.endpoints.dynamodb,
        region: cloud.region,
        credentials,
        maxAttempts: 1,
      });
    const ledger = tableName(cloud, 'Ledger');
    const forged = client({ ...real, secretAccessKey: 'guessed' });
    await expect(forged.send(new PutItemCommand(put(ledger, 'forged')))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    const noToken = client({ accessKeyId: real.accessKeyId, secretAccessKey: real.secretAccessKey });
    await expect(noToken.send(new PutItemCommand(put(ledger, 'forged')))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    const genuine = client(real);
    await genuine.send(new PutItemCommand(put(ledger, 'genuine')));
    expect(await stored(cloud, ledger, 'genuine')).toBeDefined();
    expect(await stored(cloud, ledger, 'forged')).toBeUndefined();
    for (const c of [forged, noToken, genuine]) c.destroy();
  });

  it('records the grants used and the calls refused, per role', () => {
    const report = cloud.iam.report();
    const role = report.roles.find((r) => r.logicalId.startsWith('ProbeFunctionServiceRole'));
    expect(role?.refused.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'kms:GetPublicKey',
        'events:PutEvents',
        'states:StartExecution',
      ]),
    );
    expect(role?.usedGrants.map((g) => g.action)).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:GetItem',
        'kms:Sign',
        'events:PutEvents',
      ]),
    );
    // Granted but never called in this file: the least-privilege gap, grant by grant (action × resource).
    const ledgerArn = cloud.model.tables.find((t) => t.logicalId.startsWith('Ledger'))?.arn;
    const unused = role?.unusedGrants.map((g) => `${g.action} ${g.resource}`);
    expect(unused).toContain(`dynamodb:Scan ${ledgerArn}`);
    expect(unused).toContain(`dynamodb:PutItem ${ledgerArn}/index/*`);
    expect(unused).not.toContain(`dynamodb:PutItem ${ledgerArn}`);
    expect(unused).not.toContain(`dynamodb:Query ${ledgerArn}/index/*`);
    // Grants on services the local cloud does not run are reported apart, neither used nor unused.
    expect(role?.notObservable.map((g) => g.action)).toEqual(
      expect.arrayContaining(['xray:PutTraceSegments']),
    );
  });
});

describe('a tightened template, under enforce', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await up(tightened());
  });
  afterAll(async () => cloud?.stop());

  it('allows writes limited by dynamodb:LeadingKeys only on the partitions the condition names', async () => {
    const archive = tableName(cloud, 'Archive');
    expect(await probe(cloud, 'dynamodb', 'PutItem', put(archive, 'ACTIVITY#NJ-1'))).toMatchObject({
      ok: true,
    });
    expect(
      await probe(cloud, 'dynamodb', 'UpdateItem', {
        TableName: archive,
        Key: { pk: { S: 'LOOKUP#127.0.0.1#1' }, sk: { S: 'x' } },
        UpdateExpression: 'ADD used :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    ).toMatchObject({ ok: true });
    expect(await stored(cloud, archive, 'ACTIVITY#NJ-1')).toBeDefined();
    // Any other partition (a certificate's), a look-alike, or a delete: refused, nothing written.
    for (const pk of ['CERT#NJ-1', 'PAGE#token', 'XACTIVITY#1']) {
      const answer = await probe(cloud, 'dynamodb', 'PutItem', put(archive, pk));
      expect(answer, pk).toMatchObject({ ok: false, name: 'AccessDeniedException' });
      expect(answer.message).toContain('dynamodb:PutItem');
      expect(await stored(cloud, archive, pk)).toBeUndefined();
    }
    expect(
      await probe(cloud, 'dynamodb', 'DeleteItem', {
        TableName: archive,
        Key: { pk: { S: 'ACTIVITY#NJ-1' }, sk: { S: 'x' } },
      }),
    ).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    // A transaction with one item outside the allowed partitions is refused whole.
    const mixed = await probe(cloud, 'dynamodb', 'TransactWriteItems', {
      TransactItems: [{ Put: put(archive, 'ACTIVITY#NJ-2') }, { Put: put(archive, 'CERT#NJ-2') }],
    });
    expect(mixed).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(await stored(cloud, archive, 'ACTIVITY#NJ-2')).toBeUndefined();
  });

  it('fails a call whose grant was removed from the template, naming the action', async () => {
    const answer = await probe(cloud, 'dynamodb', 'PutItem', put(tableName(cloud, 'Ledger'), 'no-grant'));
    expect(answer).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(answer.message).toMatch(
      /is not authorized to perform: dynamodb:PutItem on resource: .* because no identity-based policy allows the dynamodb:PutItem action$/,
    );
    // The rest of the grant still works.
    expect(
      await probe(cloud, 'dynamodb', 'UpdateItem', {
        TableName: tableName(cloud, 'Ledger'),
        Key: { pk: { S: 'updated' }, sk: { S: 'x' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '1' } },
      }),
    ).toMatchObject({ ok: true });
  });

  it('lets an explicit deny win over the allow that grants the same call', async () => {
    const answer = await probe(cloud, 'dynamodb', 'DeleteItem', {
      TableName: tableName(cloud, 'Ledger'),
      Key: { pk: { S: 'updated' }, sk: { S: 'x' } },
    });
    expect(answer).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(answer.message).toContain('dynamodb:DeleteItem');
    expect(answer.message).toContain('with an explicit deny in an identity-based policy');
  });

  it('refuses kms:Sign when the key policy denies it, although the role is granted it', async () => {
    const answer = await probe(cloud, 'kms', 'Sign', {
      KeyId: cloud.model.signingKeys[0]?.keyId,
      Message: Buffer.alloc(32).toString('base64'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(answer).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(answer.message).toContain('kms:Sign');
    expect(answer.message).toContain('with an explicit deny in a resource-based policy');
  });

  it('fails a state machine whose role lacks lambda:InvokeFunction on its target', async () => {
    const sfn = new SFNClient({
      endpoint: cloud.endpoints.stepFunctions,
      region: cloud.region,
      credentials: operator,
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: cloud.model.stateMachines[0]?.arn, input: '{}' }),
    );
    const done = await eventually(async () => {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return out.status === 'RUNNING' ? undefined : out;
    }, 'the execution to end');
    sfn.destroy();
    const fn = cloud.model.functions.find((f) => f.logicalId.startsWith('Probe'));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Lambda.AWSLambdaException');
    expect(done.cause).toContain(
      `is not authorized to perform: lambda:InvokeFunction on resource: ${fn?.arn}`,
    );
    expect(done.cause).toContain('Error Code: AccessDeniedException');
  });
});

describe('a tightened template, under report', () => {
  it('allows the call but records the refusal AWS would make', async () => {
    const cloud = await up(tightened(), 'report');
    try {
      const ledger = tableName(cloud, 'Ledger');
      expect(await probe(cloud, 'dynamodb', 'PutItem', put(ledger, 'reported'))).toMatchObject({ ok: true });
      expect(await stored(cloud, ledger, 'reported')).toBeDefined();
      const role = cloud.iam.report().roles.find((r) => r.logicalId.startsWith('ProbeFunctionServiceRole'));
      expect(cloud.iam.report().mode).toBe('report');
      expect(role?.refused).toEqual([
        expect.objectContaining({
          action: 'dynamodb:PutItem',
          resource: expect.stringContaining(ledger),
          count: 1,
        }),
      ]);
    } finally {
      await cloud.stop();
    }
  });
});
