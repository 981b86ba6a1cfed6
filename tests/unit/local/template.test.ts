import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalProofSigner } from '../../../functions/adapters/local-signer.js';
import { type CfnTemplate, TemplateTranslationError, translateTemplate } from '../../../local/template.js';

const options = {
  stackName: 'Skillcert-test',
  region: 'ap-southeast-1',
  assemblyDir: '/assembly',
  assetManifest: { files: { abc123: { source: { path: 'asset.abc123', packaging: 'zip' } } } },
  issuerBaseUrl: 'http://127.0.0.1:9999',
};

/** A template shaped like what CDK emits for a table, a function, a user pool and an HTTP API route. */
function template(): CfnTemplate {
  return {
    Parameters: { BootstrapVersion: { Default: '/cdk-bootstrap/hnb659fds/version' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'cn-north-1'] } },
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'gsi1',
              KeySchema: [{ AttributeName: 'sk', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        },
      },
      Key: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } },
      Pool: { Type: 'AWS::Cognito::UserPool', Properties: {} },
      Admins: {
        Type: 'AWS::Cognito::UserPoolGroup',
        Properties: { GroupName: 'admins', UserPoolId: { Ref: 'Pool' } },
      },
      ResourceServer: {
        Type: 'AWS::Cognito::UserPoolResourceServer',
        Properties: {
          UserPoolId: { Ref: 'Pool' },
          Identifier: 'skillcert',
          Scopes: [{ ScopeName: 'verify' }],
        },
      },
      PartnerClient: {
        Type: 'AWS::Cognito::UserPoolClient',
        Properties: {
          UserPoolId: { Ref: 'Pool' },
          GenerateSecret: true,
          AllowedOAuthFlows: ['client_credentials'],
          AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: 'ResourceServer' }, '/verify']] }],
        },
      },
      WebClient: {
        Type: 'AWS::Cognito::UserPoolClient',
        Properties: {
          UserPoolId: { Ref: 'Pool' },
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: ['openid'],
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: {
            S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
            S3Key: 'abc123.zip',
          },
          Handler: 'index.handler',
          Runtime: 'nodejs24.x',
          Timeout: 10,
          Environment: {
            Variables: {
              TABLE_NAME: { Ref: 'Table' },
              TABLE_ARN: { 'Fn::GetAtt': ['Table', 'Arn'] },
              KEY_ID: { Ref: 'Key' },
              ISSUER: {
                'Fn::Join': [
                  '',
                  ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: 'Pool' }],
                ],
              },
              STAGE: { 'Fn::If': ['IsProd', 'prod', 'dev'] },
              FIRST_AZ: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
            },
          },
        },
      },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: {
            'Fn::Join': [
              '',
              [
                '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
                { 'Fn::GetAtt': ['Fn', 'Arn'] },
                '","Next":"B"},',
              ],
            ],
          },
        },
      },
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP', Name: 'api' } },
      Authorizer: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: { Ref: 'Api' },
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: {
            Audience: [{ Ref: 'WebClient' }],
            Issuer: {
              'Fn::Join': [
                '',
                ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: 'Pool' }],
              ],
            },
          },
        },
      },
      Integration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Api' },
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          PayloadFormatVersion: '2.0',
        },
      },
      Route: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: { Ref: 'Api' },
          RouteKey: 'GET /me',
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: 'Authorizer' },
          AuthorizationScopes: ['skillcert/verify'],
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
        },
      },
      PublicRoute: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: { Ref: 'Api' },
          RouteKey: 'GET /.well-known/jwks.json',
          AuthorizationType: 'NONE',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
        },
      },
      Stage: {
        Type: 'AWS::ApiGatewayV2::Stage',
        Properties: {
          ApiId: { Ref: 'Api' },
          StageName: '$default',
          DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 100 },
        },
      },
    },
    Outputs: { ApiUrl: { Value: { 'Fn::GetAtt': ['Api', 'ApiEndpoint'] } } },
  };
}

/** The Properties of one resource, to mutate in a test case. */
function propsOf(t: CfnTemplate, id: string): Record<string, unknown> {
  const properties = t.Resources?.[id]?.Properties;
  if (!properties) throw new Error(`fixture has no ${id}`);
  return properties;
}

function withMachineDefinition(t: CfnTemplate): CfnTemplate {
  // Complete the definition split across Fn::Join parts, as CDK does around every token.
  const machine = propsOf(t, 'Machine') as unknown as {
    DefinitionString: { 'Fn::Join': [string, unknown[]] };
  };
  machine.DefinitionString['Fn::Join'][1].push('"B":{"Type":"Succeed"}}}');
  return t;
}

describe('translateTemplate', () => {
  const model = translateTemplate(withMachineDefinition(template()), options);
  const fn = model.functions[0];

  it('names resources after the stack and logical id, as CloudFormation would generate them', () => {
    expect(model.tables.map((t) => t.tableName)).toEqual(['Skillcert-test-Table']);
    expect(fn?.functionName).toBe('Skillcert-test-Fn');
    expect(fn?.arn).toBe('arn:aws:lambda:ap-southeast-1:000000000000:function:Skillcert-test-Fn');
    expect(model.stateMachines[0]?.arn).toBe(
      'arn:aws:states:ap-southeast-1:000000000000:stateMachine:Skillcert-test-Machine',
    );
  });

  it('keeps key schema, indexes and TTL of each table', () => {
    const [table] = model.tables;
    expect(table?.keySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.globalSecondaryIndexes.map((i) => i.IndexName)).toEqual(['gsi1']);
    expect(table?.timeToLiveAttribute).toBe('expiresAt');
  });

  it('resolves every intrinsic in a function environment to local values', () => {
    const poolId = model.userPools[0]?.userPoolId;
    expect(fn?.environment).toEqual({
      TABLE_NAME: 'Skillcert-test-Table',
      TABLE_ARN: 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/Skillcert-test-Table',
      KEY_ID: model.signingKeys[0]?.keyId,
      // Cognito's issuer URL becomes the local OIDC issuer for the same pool.
      ISSUER: `http://127.0.0.1:9999/${poolId}`,
      STAGE: 'dev',
      FIRST_AZ: 'ap-southeast-1a',
    });
  });

  it('points each function at its bundled asset from the asset manifest', () => {
    expect(fn?.assetDir).toBe('/assembly/asset.abc123');
    expect(fn?.handler).toBe('index.handler');
    expect(fn?.timeoutSeconds).toBe(10);
  });

  it('substitutes local ARNs into state machine definitions', () => {
    expect(model.stateMachines[0]?.definition).toEqual({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: fn?.arn, Next: 'B' }, B: { Type: 'Succeed' } },
    });
  });

  it('maps routes to functions with their JWT authorizer and scopes', () => {
    const api = model.httpApis[0];
    const clientId = model.userPools[0]?.clients.find((c) => c.logicalId === 'WebClient')?.clientId;
    expect(api?.routes).toEqual([
      {
        routeKey: 'GET /me',
        functionLogicalId: 'Fn',
        authorization: {
          type: 'JWT',
          authorizerId: 'Authorizer',
          issuer: model.userPools[0]?.issuer,
          audience: [clientId],
          scopes: ['skillcert/verify'],
          identitySource: '$request.header.Authorization',
        },
      },
      { routeKey: 'GET /.well-known/jwks.json', functionLogicalId: 'Fn', authorization: { type: 'NONE' } },
    ]);
    expect(api?.throttle).toEqual({ burstLimit: 50, rateLimit: 100 });
  });

  it('reads per-route throttling from the stage’s RouteSettings, filling gaps from the defaults', () => {
    expect(model.httpApis[0]?.routeThrottles).toBeUndefined();
    const t = withMachineDefinition(template());
    propsOf(t, 'Stage').RouteSettings = {
      'GET /me': { ThrottlingBurstLimit: 2, ThrottlingRateLimit: 1 },
      // The rate comes from DefaultRouteSettings.
      'GET /.well-known/jwks.json': { ThrottlingBurstLimit: 5, DetailedMetricsEnabled: true },
    };
    const api = translateTemplate(t, options).httpApis[0];
    expect(api?.throttle).toEqual({ burstLimit: 50, rateLimit: 100 });
    expect(api?.routeThrottles).toEqual({
      'GET /me': { burstLimit: 2, rateLimit: 1 },
      'GET /.well-known/jwks.json': { burstLimit: 5, rateLimit: 100 },
    });
  });

  it('throttles only the routes with settings when the stage has no default throttling', () => {
    const t = withMachineDefinition(template());
    delete propsOf(t, 'Stage').DefaultRouteSettings;
    propsOf(t, 'Stage').RouteSettings = {
      'GET /me': { ThrottlingBurstLimit: 0, ThrottlingRateLimit: 0 },
      // Without a default there is no rate to go with this burst: the route is not throttled.
      'GET /.well-known/jwks.json': { ThrottlingBurstLimit: 5 },
    };
    const api = translateTemplate(t, options).httpApis[0];
    expect(api?.throttle).toBeUndefined();
    expect(api?.routeThrottles).toEqual({ 'GET /me': { burstLimit: 0, rateLimit: 0 } });
  });

  it('lists user pool groups, clients and resource servers, with scopes named after the identifier', () => {
    const [pool] = model.userPools;
    expect(pool?.groups).toEqual(['admins']);
    expect(pool?.resourceServers).toEqual([{ identifier: 'skillcert', scopes: ['verify'] }]);
    const partner = pool?.clients.find((c) => c.logicalId === 'PartnerClient');
    expect(partner).toMatchObject({ generateSecret: true, allowedOAuthScopes: ['skillcert/verify'] });
    expect(partner?.clientId).toMatch(/^[0-9a-f]{26}$/);
    expect(pool?.clients.find((c) => c.logicalId === 'WebClient')?.allowedOAuthFlows).toEqual(['code']);
  });

  it('resolves outputs', () => {
    expect(model.outputs.ApiUrl).toMatch(
      /^https:\/\/local[0-9a-f]{8}\.execute-api\.ap-southeast-1\.amazonaws\.com$/,
    );
  });

  it('drops AWS::NoValue the way CloudFormation does', () => {
    const t = withMachineDefinition(template());
    const env = (propsOf(t, 'Fn') as { Environment: { Variables: Record<string, unknown> } }).Environment;
    env.Variables.OPTIONAL = { Ref: 'AWS::NoValue' };
    expect(translateTemplate(t, options).functions[0]?.environment).not.toHaveProperty('OPTIONAL');
  });
});

describe('translateTemplate refuses what it cannot run faithfully', () => {
  const cases: [string, (t: CfnTemplate) => void, RegExp][] = [
    [
      'a Ref to a missing resource',
      (t) => {
        propsOf(t, 'Fn').Handler = { Ref: 'Nope' };
      },
      /Ref to unknown resource or parameter 'Nope'/,
    ],
    [
      'an attribute it has no local value for',
      (t) => {
        propsOf(t, 'Fn').Handler = { 'Fn::GetAtt': ['Table', 'Nope'] };
      },
      /no value for AWS::DynamoDB::Table Table\.Nope/,
    ],
    [
      'a function without a bundled asset',
      (t) => {
        propsOf(t, 'Fn').Code = { ZipFile: 'exports.handler = 1' };
      },
      /only asset-bundled functions/,
    ],
    [
      'a JSONata state machine',
      (t) => {
        propsOf(t, 'Machine').DefinitionString =
          '{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}';
      },
      /JSONata state machines cannot run locally/,
    ],
    [
      'a route behind a non-Lambda integration',
      (t) => {
        propsOf(t, 'Integration').IntegrationType = 'HTTP_PROXY';
      },
      /only Lambda proxy integrations run locally/,
    ],
    [
      'route settings for a route the API does not have',
      (t) => {
        propsOf(t, 'Stage').RouteSettings = {
          'GET /nope': { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 1 },
        };
      },
      /stage RouteSettings name unknown route 'GET \/nope'/,
    ],
    [
      'an intrinsic it does not know',
      (t) => {
        propsOf(t, 'Fn').Handler = {
          'Fn::ImportValue': 'Shared-Handler',
        };
      },
      /does not support Fn::ImportValue/,
    ],
  ];
  it.each(cases)('%s', (_name, mutate, message) => {
    const t = withMachineDefinition(template());
    mutate(t);
    expect(() => translateTemplate(t, options)).toThrow(TemplateTranslationError);
    expect(() => translateTemplate(t, options)).toThrow(message);
  });
});

describe('the Ed25519 proof key', () => {
  it('becomes a local key like the ES256 one: its own key id, its spec kept, Ref resolved in environments', async () => {
    const t = withMachineDefinition(template());
    t.Resources = {
      ...t.Resources,
      ProofKey: {
        Type: 'AWS::KMS::Key',
        Properties: { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' },
      },
    };
    const variables = (propsOf(t, 'Fn').Environment as { Variables: Record<string, unknown> }).Variables;
    variables.PROOF_KEY_ID = { Ref: 'ProofKey' };
    const model = translateTemplate(t, options);
    const [es256, ed25519] = model.signingKeys;
    expect(es256).toMatchObject({ logicalId: 'Key', keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' });
    expect(ed25519).toMatchObject({
      logicalId: 'ProofKey',
      keySpec: 'ECC_NIST_EDWARDS25519',
      keyUsage: 'SIGN_VERIFY',
      arn: `arn:aws:kms:ap-southeast-1:000000000000:key/${ed25519?.keyId}`,
    });
    expect(ed25519?.keyId).not.toBe(es256?.keyId);
    const fn = model.functions.find((f) => f.logicalId === 'Fn');
    expect(fn?.environment.PROOF_KEY_ID).toBe(ed25519?.keyId);
    // The id names the local key file the proof signer keeps (and may not leave the keys folder).
    const dir = await mkdtemp(join(tmpdir(), 'local-proof-key-'));
    try {
      const signer = new LocalProofSigner(dir, ed25519?.keyId as string);
      expect(await signer.publicJwk()).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the web client, translated for the local issuer', () => {
  it('takes a Cognito client’s CallbackURLs, LogoutURLs, token validity (with units) and rotation', () => {
    const t = withMachineDefinition(template());
    (t.Resources as NonNullable<typeof t.Resources>).WebClient = {
      Type: 'AWS::Cognito::UserPoolClient',
      Properties: {
        UserPoolId: { Ref: 'Pool' },
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: ['openid'],
        CallbackURLs: ['http://127.0.0.1:4105/callback'],
        LogoutURLs: ['http://127.0.0.1:4105/'],
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        RefreshTokenValidity: 10080,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
        RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 },
      },
    };
    const web = translateTemplate(t, options).userPools[0]?.clients.find((c) => c.logicalId === 'WebClient');
    expect(web).toMatchObject({
      callbackUrls: ['http://127.0.0.1:4105/callback'],
      logoutUrls: ['http://127.0.0.1:4105/'],
      tokenLifetimes: { accessSeconds: 3600, idSeconds: 3600, refreshSeconds: 7 * 86400 },
      refreshRotation: { retryGraceSeconds: 10 },
    });
  });

  it('defaults to Cognito’s lifetimes (hours, hours, days) and no rotation when the template says nothing', () => {
    const t = withMachineDefinition(template());
    (t.Resources as NonNullable<typeof t.Resources>).Bare = {
      Type: 'AWS::Cognito::UserPoolClient',
      Properties: { UserPoolId: { Ref: 'Pool' } },
    };
    const bare = translateTemplate(t, options).userPools[0]?.clients.find((c) => c.logicalId === 'Bare');
    expect(bare?.tokenLifetimes).toEqual({
      accessSeconds: 3600,
      idSeconds: 3600,
      refreshSeconds: 30 * 86400,
    });
    expect(bare?.refreshRotation).toBeUndefined();
    expect(bare?.callbackUrls).toEqual([]);
  });

  it('registers an outside provider’s web client with the URLs of the template metadata', () => {
    const t = withMachineDefinition(template());
    t.Metadata = {
      'Skillcert::Identity': {
        kind: 'oidc',
        issuer: 'https://sso.example.gov.cn/realms/skillcert',
        audience: ['web-app', 'partners'],
        groupsClaim: 'groups',
        groups: { candidates: 'c', assessors: 'a', admins: 'x' },
        recognizeScope: 'skillcert/recognize',
        web: {
          callbackUrls: ['https://app.example.gov.cn/callback'],
          logoutUrls: ['https://app.example.gov.cn/'],
        },
      },
    };
    const stand = translateTemplate(t, options).userPools.find((p) => p.tokenShape === 'oidc');
    expect(stand?.clients.find((c) => c.clientId === 'web-app')).toMatchObject({
      generateSecret: false,
      allowedOAuthFlows: ['code'],
      callbackUrls: ['https://app.example.gov.cn/callback'],
      logoutUrls: ['https://app.example.gov.cn/'],
      refreshRotation: { retryGraceSeconds: 0 },
    });
  });
});

describe('the web app origin, moved with the local ports', () => {
  it('replaces the template’s origin in CORS and redirect URIs, and nothing else', () => {
    const t = withMachineDefinition(template());
    t.Metadata = { ...t.Metadata, 'Skillcert::Web': { origin: 'http://127.0.0.1:4105' } };
    (t.Resources as NonNullable<typeof t.Resources>).WebClient = {
      Type: 'AWS::Cognito::UserPoolClient',
      Properties: {
        UserPoolId: { Ref: 'Pool' },
        CallbackURLs: ['http://127.0.0.1:4105/callback', 'http://127.0.0.1:41050/callback'],
        LogoutURLs: ['http://127.0.0.1:4105/'],
      },
    };
    const moved = translateTemplate(t, { ...options, webOrigin: 'http://127.0.0.1:5105' });
    const web = moved.userPools[0]?.clients.find((c) => c.logicalId === 'WebClient');
    expect(web?.callbackUrls).toEqual(['http://127.0.0.1:5105/callback', 'http://127.0.0.1:41050/callback']);
    expect(web?.logoutUrls).toEqual(['http://127.0.0.1:5105/']);
    const same = translateTemplate(t, options).userPools[0]?.clients.find((c) => c.logicalId === 'WebClient');
    expect(same?.callbackUrls?.[0]).toBe('http://127.0.0.1:4105/callback');
  });
});
