// Who is calling and what it may do: credentials bound to roles, KMS key policies with IAM, the three
// modes, the permissions a DynamoDB request needs, and the merged least-privilege report.
import { describe, expect, it } from 'vitest';
import { iamModeFrom, LocalIam } from '../../../local/iam/authorizer.js';
import { dynamoDbPermissions } from '../../../local/iam/dynamodb.js';
import { mergeIamRuns, summarizeIamReport } from '../../../local/iam/report.js';
import { parseSigV4 } from '../../../local/iam/sigv4.js';
import type { LocalModel } from '../../../local/model.js';

const ACCOUNT = '000000000000';
const REGION = 'ap-southeast-1';
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Data`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/local-k`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/AppRole`;

function model(keyPolicyStatements: unknown[]): LocalModel {
  return {
    stackName: 'Unit',
    region: REGION,
    account: ACCOUNT,
    tables: [],
    buckets: [],
    webSites: [],
    functions: [
      {
        logicalId: 'App',
        functionName: 'app-fn',
        arn: 'x',
        roleArn: ROLE,
      } as LocalModel['functions'][number],
    ],
    stateMachines: [],
    httpApis: [],
    userPools: [],
    signingKeys: [
      {
        logicalId: 'Key',
        keyId: 'local-k',
        arn: KEY,
        keySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        keyPolicy: { Statement: keyPolicyStatements as never },
      },
    ],
    eventBuses: [],
    schedules: [],
    metricFilters: [],
    alarms: [],
    outputs: {},
    roles: [
      {
        logicalId: 'AppRole',
        name: 'AppRole',
        arn: ROLE,
        unknownManagedPolicies: [],
        policies: [
          {
            name: 'AppPolicy',
            kind: 'attached',
            document: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
                  Resource: TABLE,
                },
                { Effect: 'Allow', Action: 'kms:Sign', Resource: KEY },
                { Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' },
              ],
            },
          },
        ],
      },
    ],
  };
}

const ROOT_DELEGATES = {
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};

describe('LocalIam', () => {
  it('identifies callers by the access key they sign with, and refuses keys it never issued', () => {
    const iam = new LocalIam(model([ROOT_DELEGATES]));
    const key = iam.functionCredentials('app-fn').accessKeyId;
    expect(iam.authorize({ accessKeyId: key, action: 'dynamodb:GetItem', resource: TABLE })).toEqual({
      allowed: true,
    });
    expect(
      iam.authorize({ accessKeyId: 'AKIASTRANGER', action: 'dynamodb:GetItem', resource: TABLE }),
    ).toMatchObject({
      allowed: false,
      refusal: { code: 'UnrecognizedClientException' },
    });
    expect(
      iam.authorize({ accessKeyId: undefined, action: 'dynamodb:GetItem', resource: TABLE }),
    ).toMatchObject({
      allowed: false,
      refusal: { code: 'MissingAuthenticationTokenException' },
    });
    // The operator (the README's `local` key) administers the local account.
    expect(iam.authorize({ accessKeyId: 'local', action: 'iam:CreateUser', resource: '*' })).toEqual({
      allowed: true,
    });
  });

  it("refuses with AWS's message naming the caller, the action and the resource", () => {
    const iam = new LocalIam(model([ROOT_DELEGATES]));
    const verdict = iam.authorize({
      accessKeyId: iam.functionCredentials('app-fn').accessKeyId,
      action: 'dynamodb:DeleteItem',
      resource: TABLE,
    });
    expect(verdict).toEqual({
      allowed: false,
      refusal: {
        code: 'AccessDeniedException',
        status: 400,
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/AppRole/app-fn is not authorized to perform: dynamodb:DeleteItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:DeleteItem action`,
      },
    });
  });

  it('refuses a request whole when any of its actions is refused', () => {
    const iam = new LocalIam(model([ROOT_DELEGATES]));
    const key = iam.functionCredentials('app-fn').accessKeyId;
    const verdict = iam.authorizeAll(key, [
      { action: 'dynamodb:PutItem', resource: TABLE },
      { action: 'dynamodb:PutItem', resource: `${TABLE}2` },
    ]);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.refusal.message).toContain(`on resource: ${TABLE}2 `);
  });

  describe('KMS: the key policy and IAM together', () => {
    const sign = (iam: LocalIam) =>
      iam.authorize({
        accessKeyId: iam.functionCredentials('app-fn').accessKeyId,
        action: 'kms:Sign',
        resource: KEY,
      });
    const getPublicKey = (iam: LocalIam) =>
      iam.authorize({
        accessKeyId: iam.functionCredentials('app-fn').accessKeyId,
        action: 'kms:GetPublicKey',
        resource: KEY,
      });

    it('a key policy for the account root delegates to IAM: the role needs its own grant', () => {
      const iam = new LocalIam(model([ROOT_DELEGATES]));
      expect(sign(iam)).toEqual({ allowed: true });
      expect(getPublicKey(iam)).toMatchObject({ allowed: false, refusal: { code: 'AccessDeniedException' } });
    });

    it('without a key policy statement for the account or the role, IAM grants are not enough', () => {
      const iam = new LocalIam(model([]));
      const verdict = sign(iam);
      expect(!verdict.allowed && verdict.refusal.message).toContain(
        'because no resource-based policy allows the kms:Sign action',
      );
    });

    it('a key policy naming the role allows it without an IAM grant', () => {
      const iam = new LocalIam(
        model([{ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:GetPublicKey', Resource: '*' }]),
      );
      expect(getPublicKey(iam)).toEqual({ allowed: true });
    });

    it("a key policy's deny wins over the role's grant", () => {
      const iam = new LocalIam(
        model([
          ROOT_DELEGATES,
          { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign', Resource: '*' },
        ]),
      );
      const verdict = sign(iam);
      expect(!verdict.allowed && verdict.refusal.message).toContain(
        'with an explicit deny in a resource-based policy',
      );
    });
  });

  it('report mode allows what enforce refuses, and both record it; off allows even strangers', () => {
    for (const mode of ['enforce', 'report'] as const) {
      const iam = new LocalIam(model([ROOT_DELEGATES]), { mode });
      const verdict = iam.authorize({
        accessKeyId: iam.functionCredentials('app-fn').accessKeyId,
        action: 'dynamodb:DeleteItem',
        resource: TABLE,
      });
      expect(verdict.allowed).toBe(mode === 'report');
      expect(iam.report().roles[0]?.refused).toEqual([
        expect.objectContaining({
          action: 'dynamodb:DeleteItem',
          resource: TABLE,
          caller: 'app-fn',
          count: 1,
        }),
      ]);
    }
    const off = new LocalIam(model([]), { mode: 'off' });
    expect(
      off.authorize({ accessKeyId: 'stranger', action: 'dynamodb:DeleteItem', resource: TABLE }),
    ).toEqual({
      allowed: true,
    });
  });

  it('reports grants used, grants unused on services it runs, and grants it cannot observe', () => {
    const iam = new LocalIam(model([ROOT_DELEGATES]));
    const key = iam.functionCredentials('app-fn').accessKeyId;
    iam.authorize({ accessKeyId: key, action: 'dynamodb:GetItem', resource: TABLE });
    iam.authorize({ accessKeyId: key, action: 'dynamodb:GetItem', resource: TABLE });
    const [role] = iam.report().roles;
    expect(role?.calls).toBe(2);
    expect(role?.callers).toEqual(['app-fn']);
    expect(role?.usedGrants.map((g) => [g.action, g.count])).toEqual([['dynamodb:GetItem', 2]]);
    expect(role?.unusedGrants.map((g) => g.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'kms:Sign',
    ]);
    expect(role?.notObservable.map((g) => g.action)).toEqual(['xray:PutTraceSegments']);
  });

  it('reads the mode from a flag or SKILLCERT_IAM, enforce by default', () => {
    expect(iamModeFrom(undefined)).toBe('enforce');
    expect(iamModeFrom('report')).toBe('report');
    expect(() => iamModeFrom('lenient')).toThrow(/enforce, report, off/);
  });
});

describe('merged report', () => {
  it('counts a grant used if any run of the stack used it, and sums refusals', () => {
    const run = (used: boolean) => {
      const iam = new LocalIam(model([ROOT_DELEGATES]));
      const key = iam.functionCredentials('app-fn').accessKeyId;
      if (used) iam.authorize({ accessKeyId: key, action: 'dynamodb:Scan', resource: TABLE });
      iam.authorize({ accessKeyId: key, action: 'dynamodb:DeleteItem', resource: TABLE });
      return iam.report();
    };
    const merged = mergeIamRuns([run(true), run(false)], new Date('2026-01-01T00:00:00Z'));
    const [role] = merged.roles;
    expect(merged.runs).toBe(2);
    expect(role?.unusedGrants.map((g) => g.action)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'kms:Sign',
    ]);
    expect(role?.refused).toEqual([expect.objectContaining({ action: 'dynamodb:DeleteItem', count: 2 })]);
    const summary = summarizeIamReport(merged, '/tmp/r.json');
    expect(summary).toContain('Unit/AppRole: 3 call(s), 2 refused, 3 grant(s) unused');
    expect(summary).toContain('refused dynamodb:DeleteItem');
  });
});

describe('dynamoDbPermissions', () => {
  const perms = (operation: string, body: Record<string, unknown>) =>
    dynamoDbPermissions(operation, body, REGION, ACCOUNT).map((p) => `${p.action} ${p.resource}`);

  it('names the table, or the index a Query or Scan reads', () => {
    expect(perms('GetItem', { TableName: 'Data' })).toEqual([`dynamodb:GetItem ${TABLE}`]);
    expect(perms('Query', { TableName: 'Data', IndexName: 'gsi1' })).toEqual([
      `dynamodb:Query ${TABLE}/index/gsi1`,
    ]);
    expect(perms('Scan', { TableName: TABLE })).toEqual([`dynamodb:Scan ${TABLE}`]);
  });

  it('asks for each item of a transaction the single-item action, and for each batch table the batch action', () => {
    expect(
      perms('TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 'Data' } },
          { Update: { TableName: 'Other' } },
          { Delete: { TableName: 'Data' } },
          { ConditionCheck: { TableName: 'Data' } },
        ],
      }),
    ).toEqual([
      `dynamodb:PutItem ${TABLE}`,
      `dynamodb:UpdateItem ${TABLE.replace('Data', 'Other')}`,
      `dynamodb:DeleteItem ${TABLE}`,
      `dynamodb:ConditionCheckItem ${TABLE}`,
    ]);
    expect(perms('TransactGetItems', { TransactItems: [{ Get: { TableName: 'Data' } }] })).toEqual([
      `dynamodb:GetItem ${TABLE}`,
    ]);
    expect(perms('BatchWriteItem', { RequestItems: { Data: [], Other: [] } })).toEqual([
      `dynamodb:BatchWriteItem ${TABLE}`,
      `dynamodb:BatchWriteItem ${TABLE.replace('Data', 'Other')}`,
    ]);
    expect(perms('ListTables', {})).toEqual(['dynamodb:ListTables *']);
  });
});

describe('parseSigV4', () => {
  it('reads the access key id and scope of a SigV4 Authorization header', () => {
    expect(
      parseSigV4(
        'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/ap-southeast-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123',
      ),
    ).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      date: '20260101',
      region: 'ap-southeast-1',
      service: 'dynamodb',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc123',
    });
    expect(parseSigV4('Bearer token')).toBeUndefined();
    expect(parseSigV4(undefined)).toBeUndefined();
  });
});
