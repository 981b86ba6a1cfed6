// What the deployed stack must be, asserted on the synthesized template: the properties that keep data,
// keys and identities safe, and the exact permissions each function gets.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import { NOTICE_RETRY } from '../../lib/notice-retry.js';
import { buildIntegrationFixtureApp, FIXTURE_STACK } from '../fixtures/integration-stack.js';
import { isOwnFunction } from './support/templates.js';

let template: Template;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;

function logicalIdOf(
  type: string,
  predicate: (props: Record<string, unknown>) => boolean = () => true,
): string {
  const found = Object.entries(resources).find(([, r]) => r.Type === type && predicate(r.Properties ?? {}));
  if (!found) throw new Error(`no ${type}`);
  return found[0];
}

function functionId(description: RegExp): string {
  return logicalIdOf('AWS::Lambda::Function', (p) => description.test(String(p.Description)));
}

function resource(logicalId: string) {
  const found = resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}`);
  return found;
}

/** Every statement in the IAM policies attached to a function's role. */
function statementsOf(fnLogicalId: string): { Action: unknown; Resource: unknown; Effect: string }[] {
  const role = (resource(fnLogicalId).Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: [] }).Statement);
}

/** The function a route's Lambda integration invokes. */
function functionOfRoute(routeKey: string): string {
  const route = logicalIdOf('AWS::ApiGatewayV2::Route', (p) => p.RouteKey === routeKey);
  const target = resource(route).Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
  const uri = resource(target['Fn::Join'][1][1].Ref).Properties.IntegrationUri as {
    'Fn::GetAtt': [string, string];
  };
  return uri['Fn::GetAtt'][0];
}

let assemblyDir: string;

beforeAll(() => {
  assemblyDir = mkdtempSync(join(tmpdir(), 'skillcert-infra-'));
  const app = buildApp({ outdir: assemblyDir, region: 'neijiang' });
  // Synthesis runs cdk-nag's AwsSolutions as a validation plugin: an unacknowledged finding throws here.
  const assembly = app.synth();
  const stack = assembly.getStackByName('Skillcert-neijiang');
  template = Template.fromJSON(stack.template as Record<string, unknown>);
  resources = (stack.template as { Resources: typeof resources }).Resources;
});

describe('data', () => {
  it('keeps the table safe: retained, deletion-protected, point-in-time recoverable, encrypted', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });
});

describe('signing', () => {
  it('has a retained P-256 signing key', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/skillcert-neijiang-signing' });
  });

  it('has a retained Ed25519 key for the Data Integrity proofs', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' }),
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/skillcert-neijiang-proof-signing',
    });
  });
});

describe('identity', () => {
  it('has the three groups and no self sign-up', () => {
    const groups = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Cognito::UserPoolGroup')
      .map((r) => r.Properties.GroupName)
      .sort();
    expect(groups).toEqual(['admins', 'assessors', 'candidates']);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 10, RequireSymbols: true }) },
    });
  });

  it('gives the web app code+PKCE without a secret and partners client credentials limited to their scopes', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: [
        { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/verify']] },
        { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/recognize']] },
      ],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'skillcert',
      Scopes: [Match.objectLike({ ScopeName: 'verify' }), Match.objectLike({ ScopeName: 'recognize' })],
    });
  });
});

describe('api', () => {
  it('checks JWTs from the user pool for both clients', () => {
    const pool = logicalIdOf('AWS::Cognito::UserPool');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [
          { Ref: Match.stringLikeRegexp('WebClient') },
          { Ref: Match.stringLikeRegexp('PartnerClient') },
        ],
        // The pool's own provider URL (https://cognito-idp.<region>.<URL suffix>/<pool id>): right in
        // every partition, where a URL built by hand named amazonaws.com everywhere.
        Issuer: { 'Fn::GetAtt': [pool, 'ProviderURL'] },
      },
    });
  });

  it('states who may call each route', () => {
    const routes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType}`)
      .sort();
    expect(routes).toEqual([
      'GET /.well-known/did.json NONE',
      'GET /.well-known/jwks.json NONE',
      'GET /admin/agreements JWT',
      'GET /admin/attempts/{attemptId} JWT',
      'GET /admin/certificates/{number} JWT',
      'GET /admin/certificates/{number}/notices JWT',
      'GET /admin/exams JWT',
      'GET /admin/partners JWT',
      'GET /admin/people JWT',
      'GET /admin/people/{sub} JWT',
      'GET /admin/signing-keys JWT',
      'GET /assessor/reviews JWT',
      'GET /assessor/reviews/{attemptId}/{slot} JWT',
      'GET /attempts/{attemptId} JWT',
      'GET /c/{token} NONE',
      'GET /c/{token}/certificate.pdf NONE',
      'GET /contexts/skillcert-v1.jsonld NONE',
      'GET /me JWT',
      'GET /me/attempts JWT',
      'GET /me/certificates JWT',
      'GET /me/certificates/{number}/activity JWT',
      'GET /me/certificates/{number}/certificate.pdf JWT',
      'GET /me/certificates/{number}/credential.json JWT',
      'GET /me/certificates/{number}/credential.jwt JWT',
      'GET /recognitions/{recognitionId} JWT',
      'GET /schemas/skillcert-v1.json NONE',
      'GET /sessions JWT',
      'GET /status/{region}/{list}/{purpose} NONE',
      'GET /verify NONE',
      'GET /verify/{number} NONE',
      'POST /admin/attempts/{attemptId}/resume JWT',
      'POST /admin/certificates/{number}/status JWT',
      'POST /admin/signing-keys/{thumbprint}/compromise JWT',
      'POST /assessor/reviews/{attemptId}/{slot}/marks JWT',
      'POST /assessor/reviews/{attemptId}/{slot}/return JWT',
      'POST /attempts/{attemptId}/submit JWT',
      'POST /credentials/verify NONE',
      'POST /holder-checks NONE',
      'POST /me/certificates/{number}/share JWT',
      'POST /partner-notices NONE',
      'POST /recognitions JWT',
      'POST /sessions/{sessionId}/attempts JWT',
      'POST /verify NONE',
      'PUT /admin/agreements/{agreementId} JWT',
      'PUT /admin/exams/{examId} JWT',
      'PUT /admin/occupations/{code} JWT',
      'PUT /admin/partners/{code} JWT',
      'PUT /admin/people/{sub} JWT',
      'PUT /admin/sessions/{sessionId} JWT',
      'PUT /attempts/{attemptId}/answers JWT',
      'PUT /attempts/{attemptId}/evidence JWT',
      'PUT /attempts/{attemptId}/items/{itemId} JWT',
    ]);
  });

  it('routes the key documents to the public-keys function and /me to who-am-i', () => {
    expect(functionOfRoute('GET /.well-known/jwks.json')).toBe(functionId(/signing keys/i));
    expect(functionOfRoute('GET /.well-known/did.json')).toBe(functionId(/signing keys/i));
    expect(functionOfRoute('GET /contexts/skillcert-v1.jsonld')).toBe(functionId(/signing keys/i));
    expect(functionOfRoute('GET /schemas/skillcert-v1.json')).toBe(functionId(/signing keys/i));
    expect(functionOfRoute('GET /me')).toBe(functionId(/signed in as/i));
    const me = Object.values(resources).find(
      (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === 'GET /me',
    );
    expect(me?.Properties.AuthorizerId).toEqual({ Ref: logicalIdOf('AWS::ApiGatewayV2::Authorizer') });
  });

  it('throttles and logs every request, the open routes below the rest', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
      RouteSettings: Match.objectLike({
        'GET /verify/{number}': { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
        'POST /credentials/verify': { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
        'POST /partner-notices': { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
      }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('lets only partner machine clients with the recognize scope ask for recognitions', () => {
    for (const routeKey of ['POST /recognitions', 'GET /recognitions/{recognitionId}']) {
      const route = Object.values(resources).find(
        (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === routeKey,
      );
      expect(route?.Properties.AuthorizationScopes, routeKey).toEqual(['skillcert/recognize']);
    }
  });
});

describe('functions', () => {
  it('all run Node 24 on arm64 with tracing, JSON logs and Powertools settings', () => {
    const functions = Object.entries(resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && isOwnFunction(id))
      .map(([, r]) => r);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: expect.any(String),
            POWERTOOLS_METRICS_NAMESPACE: 'skillcert',
          }),
        },
      });
    }
  });

  it('lets the public-keys function read the public keys of the signing keys and read the table (the key ledger), and nothing else', () => {
    const key = logicalIdOf('AWS::KMS::Key');
    const proofKey = logicalIdOf('AWS::KMS::Key', (p) => p.KeySpec === 'ECC_NIST_EDWARDS25519');
    const fnId = functionOfRoute('GET /.well-known/jwks.json');
    expect(functionOfRoute('GET /.well-known/did.json')).toBe(fnId);
    const statements = statementsOf(fnId);
    const actions = statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    // grantReadData: reads of this table and its indexes; nothing that writes, nothing that signs.
    for (const action of actions as string[])
      expect(action).toMatch(
        /^(xray:PutTraceSegments|xray:PutTelemetryRecords|kms:GetPublicKey|dynamodb:(BatchGetItem|GetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator|DescribeStream))$/,
      );
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'kms:GetPublicKey', Resource: { 'Fn::GetAtt': [key, 'Arn'] } }),
        expect.objectContaining({
          Action: 'kms:GetPublicKey',
          Resource: { 'Fn::GetAtt': [proofKey, 'Arn'] },
        }),
        expect.objectContaining({
          Action: expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']),
          Resource: { 'Fn::GetAtt': [logicalIdOf('AWS::DynamoDB::GlobalTable'), 'Arn'] },
        }),
      ]),
    );
    // The ledger's admin routes (which write it) are another function.
    expect(functionOfRoute('GET /admin/signing-keys')).not.toBe(fnId);
    expect(functionOfRoute('POST /admin/signing-keys/{thumbprint}/compromise')).not.toBe(fnId);
  });

  it('gives the functions behind anonymous routes only read access, writes limited by partition key, and no signing key (docs/security.md)', () => {
    const WRITES =
      /^(dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite|PartiQL(Insert|Update|Delete))|kms:(Sign|GenerateMac|Encrypt|Decrypt|GenerateDataKey)|s3:(Put|Delete|Restore|Abort))/;
    // POST /partner-notices is open but acts only on a notice a registered partner signed: its own function
    // writes what such a notice changes. The holder check needs its MAC (kms:GenerateMac), nothing else.
    const allowed: Record<string, RegExp | undefined> = {
      'POST /partner-notices': /./,
      'POST /holder-checks': /^kms:GenerateMac$/,
    };
    // The one write any other public function may hold: PutItem/UpdateItem on the table, only on the lookup
    // budget's and the activity feed's partitions.
    const table = logicalIdOf('AWS::DynamoDB::GlobalTable');
    const limitedWrite = {
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOOKUP#*', 'ACTIVITY#*'] } },
    };
    const publicRoutes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.AuthorizationType === 'NONE')
      .map((r) => String(r.Properties.RouteKey));
    expect(publicRoutes).toEqual(
      expect.arrayContaining([
        'GET /status/{region}/{list}/{purpose}',
        'GET /.well-known/jwks.json',
        'GET /.well-known/did.json',
        'GET /verify/{number}',
        'POST /credentials/verify',
        'GET /c/{token}',
        'GET /c/{token}/certificate.pdf',
        'POST /verify',
      ]),
    );
    const checked = new Set<string>();
    for (const routeKey of publicRoutes) {
      const fnId = functionOfRoute(routeKey);
      for (const st of statementsOf(fnId) as Record<string, unknown>[]) {
        const actions = (Array.isArray(st.Action) ? st.Action : [st.Action]) as string[];
        const writes = actions.filter((a) => WRITES.test(a) && !allowed[routeKey]?.test(a));
        if (writes.length === 0) continue;
        // Exactly the conditioned statement: no other action beside it, no other resource, no looser condition.
        expect(st, `${routeKey} (${fnId}) writes ${writes.join(', ')}`).toEqual(limitedWrite);
      }
      checked.add(fnId);
    }
    // Nothing shared with a function that writes: the status lists, key set, verification and pages are their own.
    expect(checked.size).toBeGreaterThanOrEqual(5);
  });

  it('limits the public verification and page functions’ writes to the lookup budget and activity partitions', () => {
    const table = logicalIdOf('AWS::DynamoDB::GlobalTable');
    for (const routeKey of ['GET /verify/{number}', 'POST /verify', 'GET /c/{token}']) {
      const conditioned = statementsOf(functionOfRoute(routeKey)).filter((st) =>
        JSON.stringify(st.Action).includes('dynamodb:PutItem'),
      );
      expect(conditioned, routeKey).toEqual([
        expect.objectContaining({
          Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [table, 'Arn'] },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOOKUP#*', 'ACTIVITY#*'] } },
        }),
      ]);
    }
  });

  it('gives who-am-i no permissions beyond tracing: it only reads the verified claims', () => {
    expect(statementsOf(functionId(/signed in as/i))).toEqual([
      expect.objectContaining({
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      }),
    ]);
  });

  it('lets only the functions that issue signed documents sign, and only with the region keys', () => {
    const key = logicalIdOf('AWS::KMS::Key', (p) => p.KeySpec === 'ECC_NIST_P256');
    const proofKey = logicalIdOf('AWS::KMS::Key', (p) => p.KeySpec === 'ECC_NIST_EDWARDS25519');
    const signers = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .filter(([id]) => JSON.stringify(statementsOf(id)).includes('kms:Sign'))
      .map(([id]) => id);
    // Certificates; endorsements; revocation notices (signed at their first delivery); status lists, signed
    // where they change (a status change, a notice voiding an endorsement) and by the renewal sweep —
    // never by the public status-list function; the paper's offline code (signed when its PDF is first made).
    expect(signers.map((id) => id.replace(/Function[0-9A-F]{8}$/, '')).sort()).toEqual([
      'CertificationDecideResult',
      'PaperPaperApi',
      'PartnersDeliverNotice',
      'PartnersPartnerNoticesApi',
      'PartnersPartnersAdminApi',
      'PartnersRecognitionApi',
      'PartnersRenewStatusLists',
    ]);
    for (const signer of signers) {
      const kms = statementsOf(signer).filter((s) => JSON.stringify(s.Action).includes('kms:'));
      // Notices and offline codes are JWS only.
      const withProof = !signer.startsWith('PartnersDeliverNotice') && !signer.startsWith('PaperPaperApi');
      // Notices are JWS only; certificates, endorsements and status lists also carry the Ed25519 proof.
      expect(kms, signer).toEqual([
        expect.objectContaining({
          Action: ['kms:Sign', 'kms:GetPublicKey'],
          Resource: { 'Fn::GetAtt': [key, 'Arn'] },
        }),
        ...(withProof
          ? [
              expect.objectContaining({
                Action: ['kms:Sign', 'kms:GetPublicKey'],
                Resource: { 'Fn::GetAtt': [proofKey, 'Arn'] },
              }),
            ]
          : []),
      ]);
      const environment = (resource(signer).Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(environment.PROOF_KEY_ID, signer).toEqual(withProof ? { Ref: proofKey } : undefined);
    }
  });

  it('keeps resident IDs under an HMAC key in KMS that only registration and the holder check may use', () => {
    const identityKey = logicalIdOf('AWS::KMS::Key', (p) => p.KeySpec === 'HMAC_256');
    expect(resource(identityKey).Properties).toMatchObject({ KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(resource(identityKey)).toMatchObject({ DeletionPolicy: 'Retain' });
    const users = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .filter(([id]) => JSON.stringify(statementsOf(id)).includes(identityKey))
      .map(([id]) => id.replace(/Function[0-9A-F]{8}$/, ''));
    expect(users.sort()).toEqual(['CertificationHolderCheck', 'CertificationPeopleAdminApi']);
    for (const user of users) {
      const id = Object.keys(resources).find(
        (k) => k.startsWith(user) && resources[k]?.Type === 'AWS::Lambda::Function',
      ) as string;
      expect(statementsOf(id).filter((st) => JSON.stringify(st).includes(identityKey))).toEqual([
        expect.objectContaining({
          Action: 'kms:GenerateMac',
          Resource: { 'Fn::GetAtt': [identityKey, 'Arn'] },
        }),
      ]);
    }
    // The public holder check reads the table and writes nothing.
    const check = Object.keys(resources).find(
      (k) => k.startsWith('CertificationHolderCheck') && resources[k]?.Type === 'AWS::Lambda::Function',
    ) as string;
    expect(JSON.stringify(statementsOf(check))).not.toMatch(/PutItem|UpdateItem|DeleteItem|BatchWriteItem/);
    expect(functionOfRoute('POST /holder-checks')).toBe(check);
  });

  it('bundles each handler as minified ESM with a require shim and a source map', () => {
    const fnId = functionId(/signing keys/i);
    // The S3 key is the asset hash; the bundle sits in the assembly as asset.<hash>/index.mjs.
    const s3Key = (resource(fnId).Properties.Code as { S3Key: string }).S3Key;
    const assetPath = `asset.${s3Key.replace(/\.zip$/, '')}`;
    const code = readFileSync(join(assemblyDir, assetPath, 'index.mjs'), 'utf8');
    expect(code.startsWith("import{createRequire as __scCreateRequire}from'module';")).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(resources[fnId]?.Properties).toMatchObject({
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 10,
      Environment: {
        Variables: expect.objectContaining({
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  // Bundle sizes against the 300 KB budget are a benchmark figure (npm run bench), not a test.
  it('bundles no SDK credential chain that Lambda never needs', () => {
    for (const [id, fn] of Object.entries(resources).filter(
      ([fnId, r]) => r.Type === 'AWS::Lambda::Function' && isOwnFunction(fnId),
    )) {
      const s3Key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const code = readFileSync(
        join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'),
        'utf8',
      );
      // Markers of the SSO, web-identity, process and container credential providers.
      const chain = [
        'sso_start_url',
        'AWS_WEB_IDENTITY_TOKEN_FILE',
        'credential_process',
        'AWS_CONTAINER_CREDENTIALS',
      ];
      expect(
        chain.filter((marker) => code.includes(marker)),
        id,
      ).toEqual([]);
    }
  });

  it('gives every function its own log group with a retention period', () => {
    for (const [, fn] of Object.entries(resources).filter(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && isOwnFunction(id),
    )) {
      const group = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[group]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 90 },
      });
    }
  });

  it('passes the signing keys and the issuer DID to the public-keys function', () => {
    const key = logicalIdOf('AWS::KMS::Key');
    const proofKey = logicalIdOf('AWS::KMS::Key', (p) => p.KeySpec === 'ECC_NIST_EDWARDS25519');
    expect(resources[functionId(/signing keys/i)]?.Properties.Environment).toMatchObject({
      Variables: {
        SIGNING_KEY_ID: { Ref: key },
        PROOF_KEY_ID: { Ref: proofKey },
        ISSUER_DID: 'did:web:neijiang.skillcert.example',
      },
    });
  });
});

describe('workflows', () => {
  let fixture: Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;
  beforeAll(() => {
    const assembly = buildIntegrationFixtureApp(mkdtempSync(join(tmpdir(), 'skillcert-fixture-'))).synth();
    fixture = (assembly.getStackByName(FIXTURE_STACK).template as { Resources: typeof fixture }).Resources;
  });
  const machine = () => {
    const found = Object.values(fixture).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    if (!found) throw new Error('the fixture has no state machine');
    return found;
  };

  it('log everything to a retained log group and trace, as the shared state machine construct sets', () => {
    expect(machine().Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
    const destination = JSON.stringify(machine().Properties.LoggingConfiguration);
    const logGroupId = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(destination)?.[1] ?? '';
    expect(fixture[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
      Properties: { RetentionInDays: 365 },
    });
  });

  it('the fixture workflow uses every Task integration the local cloud must run', () => {
    const definition = JSON.stringify(machine().Properties.DefinitionString);
    for (const integration of [
      ':states:::lambda:invoke\\"',
      ':states:::lambda:invoke.waitForTaskToken',
      ':states:::dynamodb:putItem',
      ':states:::dynamodb:getItem',
      ':states:::dynamodb:updateItem',
      ':states:::aws-sdk:dynamodb:query',
      ':states:::events:putEvents',
    ]) {
      expect(definition).toContain(integration);
    }
    expect(definition).toMatch(/\\"Retry\\":\[\{\\"ErrorEquals\\":\[\\"FlakyError\\"\]/);
    expect(definition).toMatch(/\\"Catch\\":\[\{\\"ErrorEquals\\":\[\\"States.ALL\\"\]/);
    expect(definition).toMatch(/\\"TimeoutSeconds\\":120/);
  });
});

describe('revocation notices', () => {
  /** The notice-delivery state machine's definition, with its substitutions as text. */
  function noticeDefinition(): string {
    const machine = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::StepFunctions::StateMachine' &&
        JSON.stringify(r.Properties).includes('DeliverNotice'),
    );
    return JSON.stringify(machine?.Properties.DefinitionString);
  }

  it('retries a delivery round by the policy docs/partners.md computes its give-up time from, then records the give-up', () => {
    const definition = noticeDefinition();
    expect(definition).toContain(
      `\\"ErrorEquals\\":[\\"Notice.NotAcknowledged\\"],\\"IntervalSeconds\\":${NOTICE_RETRY.intervalSeconds},\\"MaxAttempts\\":${NOTICE_RETRY.maxAttempts},\\"BackoffRate\\":${NOTICE_RETRY.backoffRate},\\"MaxDelaySeconds\\":${NOTICE_RETRY.maxDelaySeconds},\\"JitterStrategy\\":\\"FULL\\"`,
    );
    // A round that gives up writes gaveUpAt on its notice (pending only) before failing.
    expect(definition).toMatch(/RecordGiveUp.*:states:::dynamodb:updateItem/);
    expect(definition).toContain('SET gaveUpAt = :at, lastError = :cause');
  });

  it('lets the sweep start and describe notice executions, and nothing else of Step Functions', () => {
    const sweep = functionId(/pending/i);
    const actions = statementsOf(sweep)
      .flatMap((s) => [s.Action].flat())
      .filter((a) => String(a).startsWith('states:'));
    expect(actions.sort()).toEqual(['states:DescribeExecution', 'states:StartExecution']);
  });
});

describe('the certification workflow (issue 9)', () => {
  type State = Record<string, unknown> & { Type: string };
  let states: Map<string, State>;
  beforeAll(() => {
    const id = logicalIdOf('AWS::StepFunctions::StateMachine', (p) =>
      JSON.stringify(p.DefinitionString).includes('GradeTheory'),
    );
    const join = (resource(id).Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ];
    const text = join[1].map((part) => (typeof part === 'string' ? part : 'REF')).join(join[0]);
    states = new Map();
    const walk = (all: Record<string, State>) => {
      for (const [name, state] of Object.entries(all)) {
        states.set(name, state);
        const processor = (state.ItemProcessor ?? state.Iterator) as
          | { States: Record<string, State> }
          | undefined;
        if (processor) walk(processor.States);
      }
    };
    walk((JSON.parse(text) as { States: Record<string, State> }).States);
  });
  const retriers = (name: string) =>
    (states.get(name)?.Retry ?? []) as {
      ErrorEquals: string[];
      BackoffRate?: number;
      JitterStrategy?: string;
      MaxDelaySeconds?: number;
    }[];

  it('retries every step on the transient errors it can meet, with exponential backoff and full jitter', () => {
    const tasks = [...states].filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    expect(tasks.sort()).toEqual(
      [
        'GradeTheory',
        'WaitForMark',
        'ReassignMarker',
        'DecideResult',
        'WaitForModerator',
        'ReassignModerator',
        'PublishIssued',
        'PublishFailed',
        'RecordError',
      ].sort(),
    );
    for (const task of tasks) {
      const [retry] = retriers(task);
      expect(retry, task).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: 30 });
      expect(retry?.BackoffRate, task).toBe(2);
    }
    for (const lambda of [
      'GradeTheory',
      'ReassignMarker',
      'DecideResult',
      'ReassignModerator',
      'RecordError',
    ])
      expect(retriers(lambda)[0]?.ErrorEquals, lambda).toEqual(
        expect.arrayContaining([
          'TransientError',
          'SerialContention',
          'States.Timeout',
          'Sandbox.Timedout',
          'Lambda.ServiceException',
        ]),
      );
    for (const wait of ['WaitForMark', 'WaitForModerator']) {
      const errors = retriers(wait).flatMap((r) => r.ErrorEquals);
      expect(errors).toContain('DynamoDb.ProvisionedThroughputExceededException');
      // A timeout or a returned review is not retried: it goes to the reassignment step.
      expect(errors).not.toContain('States.Timeout');
      expect(errors).not.toContain('States.ALL');
    }
    for (const publish of ['PublishIssued', 'PublishFailed'])
      expect(retriers(publish)[0]?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('ends a failure in RecordError itself (so a redrive runs it again), never in a Fail state', () => {
    expect([...states.values()].filter((s) => s.Type === 'Fail')).toEqual([]);
    for (const step of ['GradeTheory', 'CollectMarks', 'DecideResult', 'WaitForModerator', 'PublishIssued']) {
      const catchers = (states.get(step)?.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
      const last = catchers[catchers.length - 1];
      expect(last?.ErrorEquals, step).toEqual(['States.ALL']);
      expect(states.get(last?.Next as string)?.Next, step).toBe('RecordError');
    }
    expect(states.get('AfterError')).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.decision.outcome', StringEquals: 'resume', Next: 'GradeTheory' }],
      Default: 'Outcome',
    });
    // A wait that ends without a mark goes to the reassignment step, which may find the mark kept.
    expect(states.get('WaitForMark')?.Catch).toEqual([
      {
        ErrorEquals: ['States.Timeout', 'Review.Returned', 'DynamoDb.ConditionalCheckFailedException'],
        ResultPath: '$.late',
        Next: 'ReassignMarker',
      },
    ]);
    expect(states.get('ReassignMarkerDone')).toMatchObject({
      Choices: [{ Variable: '$.marked', BooleanEquals: true, Next: 'ReassignMarkerMarkKept' }],
      Default: 'WaitForMark',
    });
  });

  it('lets the admin API see and redrive the workflow’s executions, and nothing else of Step Functions', () => {
    const admin = functionOfRoute('POST /admin/attempts/{attemptId}/resume');
    const states = statementsOf(admin).filter((s) => JSON.stringify(s.Action).includes('states:'));
    expect(states).toHaveLength(1);
    expect(states[0]?.Action).toEqual(['states:DescribeExecution', 'states:RedriveExecution']);
    expect(JSON.stringify(states[0]?.Resource)).toContain(':execution:');
  });
});

describe('observability', () => {
  it('alarms on every function, every workflow outcome that is not success, and API 5xx', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const watched = (namespace: string, metric: string) =>
      alarms.filter((a) => a.Properties.Namespace === namespace && a.Properties.MetricName === metric);
    const functions = Object.keys(resources).filter(
      (id) => resources[id]?.Type === 'AWS::Lambda::Function' && isOwnFunction(id),
    );
    expect(
      watched('AWS/Lambda', 'Errors')
        .map((a) => (a.Properties.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref)
        .sort(),
    ).toEqual(functions.sort());
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      expect(watched('AWS/States', metric)).toHaveLength(
        Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine').length,
      );
    }
    expect(watched('AWS/ApiGateway', '5xx')).toHaveLength(1);
    const topic = logicalIdOf('AWS::SNS::Topic');
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('encrypts the alarm topic with a rotating key CloudWatch may use, and refuses plain HTTP', () => {
    const key = logicalIdOf('AWS::KMS::Key', (p) => p.KeyUsage === undefined);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Principal: { Service: 'cloudwatch.amazonaws.com' },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lists the signing key before any other key (consumers of the local model take the first)', () => {
    const keys = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys[0]?.[1].Properties.KeyUsage).toBe('SIGN_VERIFY');
  });
});

describe('region stacks', () => {
  it('synthesizes a partner region with its own names', () => {
    const app = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-zg-')), region: 'zigong' });
    const stack = app.synth().getStackByName('Skillcert-zigong');
    Template.fromJSON(stack.template as Record<string, unknown>).hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/skillcert-zigong-signing',
    });
  });

  it('refuses an unknown region by name', () => {
    expect(() => buildApp({ region: 'atlantis' })).toThrow(/Unknown certification region 'atlantis'/);
  });
});

describe('the paper certificate (issue 13)', () => {
  it('keeps PDFs in a private, encrypted bucket reached only over TLS', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }),
        ],
      }),
    });
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy');
    expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('aws:SecureTransport');
  });

  it('lets the PDF function read and write only certificates/ in the bucket, and the pages only read it', () => {
    const bucket = logicalIdOf('AWS::S3::Bucket');
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/certificates/*']] };
    const pdf = functionId(/Certificate PDFs/);
    const s3 = statementsOf(pdf).filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual([
      expect.objectContaining({ Action: ['s3:GetObject', 's3:PutObject'], Resource: objects }),
    ]);
    const pages = functionId(/public page/);
    expect(statementsOf(pages).filter((s) => JSON.stringify(s.Action).includes('s3:'))).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Resource: objects }),
    ]);
    expect(JSON.stringify(statementsOf(pages))).not.toMatch(/kms:/);
    for (const fn of [pdf, pages]) {
      const environment = (resource(fn).Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(environment.DOCUMENTS_BUCKET).toEqual({ Ref: bucket });
    }
  });

  it('routes the holder’s files to the PDF function and the public pages to theirs, each throttled', () => {
    const pdf = functionId(/Certificate PDFs/);
    const pages = functionId(/public page/);
    for (const route of ['certificate.pdf', 'credential.jwt', 'credential.json', 'activity'])
      expect(functionOfRoute(`GET /me/certificates/{number}/${route}`)).toBe(pdf);
    expect(functionOfRoute('POST /me/certificates/{number}/share')).toBe(pdf);
    // The public PDF is read from the cache by the pages' function, which cannot render or sign.
    for (const route of ['GET /c/{token}', 'GET /c/{token}/certificate.pdf', 'GET /verify', 'POST /verify'])
      expect(functionOfRoute(route)).toBe(pages);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({
        'GET /c/{token}': { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 25 },
        'GET /c/{token}/certificate.pdf': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
        'POST /verify': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      }),
    });
  });

  it('ships the CJK font and harfbuzz’s WebAssembly inside the PDF function’s asset', () => {
    const pdf = functionId(/Certificate PDFs/);
    // The asset folder is named by the hash the template's S3 key carries.
    const key = (resource(pdf).Properties.Code as { S3Key: string }).S3Key;
    const dir = join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
    expect(readFileSync(join(dir, 'NotoSansHans-Regular.otf')).subarray(0, 4).toString('latin1')).toBe(
      'OTTO',
    );
    expect(
      readFileSync(join(dir, 'node_modules/harfbuzzjs/dist/harfbuzz-subset.wasm'))
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('asm');
  });
});
