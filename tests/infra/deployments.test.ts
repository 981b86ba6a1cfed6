// A deployment that CloudFormation can create and that runs: asserted on the templates of every committed
// deployment and of variants in the other China region and in the `aws` partition (docs/deploy.md).
import { describe, expect, it } from 'vitest';
import { TIMEOUT_MS as PARTNER_HTTP_TIMEOUT_MS } from '../../functions/adapters/http-partner-directory.js';
import { buildApp } from '../../lib/app.js';
import {
  DeploymentError,
  deploymentNames,
  isReservedDomain,
  loadDeployment,
  parseDeployment,
} from '../../lib/deployments.js';
import { HTTP_API_INTEGRATION_TIMEOUT, PARTNER_FETCHES_IN_A_ROW } from '../../lib/skillcert-stack.js';
import {
  type CfnTemplate,
  createdBefore,
  deploymentsUnderTest,
  resourcesOfType,
  stringsIn,
  synthTemplate,
  variant,
} from './support/templates.js';

const under = deploymentsUnderTest().map((d) => ({ ...d, template: synthTemplate(d.options) }));
function propsOf(resource: { Properties?: Record<string, unknown> } | undefined): Record<string, unknown> {
  if (!resource?.Properties) throw new Error('no such resource');
  return resource.Properties;
}
const byLabel = (prefix: string) => {
  const found = under.find((d) => d.label.startsWith(prefix));
  if (!found) throw new Error(`no deployment ${prefix}`);
  return found.template;
};
const prod = () => byLabel('neijiang-prod (');
const global = () => byLabel('a global deployment');
const localDemo = () => byLabel('local demo (Cognito)');

/**
 * Properties that give a resource its name or key, by which another resource may name it without a Ref
 * (so CloudFormation does not know to create it first).
 */
const NAMING_PROPERTIES = [
  'RouteKey',
  'Name',
  'Identifier',
  'Domain',
  'DomainName',
  'AliasName',
  'GroupName',
  'TableName',
  'FunctionName',
  'LogGroupName',
  'StateMachineName',
  'TopicName',
  'BackupVaultName',
  'RoleName',
];

const DECLARATIONS = [...NAMING_PROPERTIES, 'BackupPlanName', 'MetricNamespace', 'AlarmName'];

function namesOf(template: CfnTemplate): Map<string, string> {
  const names = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    for (const key of NAMING_PROPERTIES) {
      const value = r.Properties?.[key];
      if (typeof value === 'string' && value.length >= 4) names.set(value, id);
    }
  }
  return names;
}

describe('creation order', () => {
  it.each(under.map((d) => [d.label, d.template] as const))(
    '%s: every property naming another resource by key or name comes after it',
    (_label, template) => {
      const names = namesOf(template);
      const missing: string[] = [];
      for (const [id, r] of Object.entries(template.Resources)) {
        const before = createdBefore(template, id);
        for (const { path, text } of stringsIn(r.Properties ?? {})) {
          // A resource's own name is a declaration, not a reference; descriptions and a function's
          // environment are read by people and code, never checked by CloudFormation at creation.
          if (DECLARATIONS.some((p) => path.endsWith(`.${p}`)) || /Description$|\.Environment\./.test(path))
            continue;
          const named = names.get(text);
          if (named && named !== id && !before.has(named))
            missing.push(`${id}${path} names ${named} (${text})`);
        }
      }
      expect(missing).toEqual([]);
    },
  );

  it('finds what it looks for: route settings name routes, and the stage depends on each of them', () => {
    const [, stage] = resourcesOfType(localDemo(), 'AWS::ApiGatewayV2::Stage')[0] ?? [];
    const keys = Object.keys((propsOf(stage).RouteSettings as object) ?? {});
    expect(keys).toContain('POST /holder-checks');
    expect(keys.length).toBeGreaterThanOrEqual(5);
  });
});

/** Properties whose value must be unique per account and region, or across all AWS accounts. */
const UNIQUE_NAME_PROPERTIES = [
  'Domain',
  'DomainName',
  'AliasName',
  'LogGroupName',
  'BackupVaultName',
  'BackupPlanName',
  'TableName',
  'FunctionName',
  'RoleName',
  'TopicName',
  'StateMachineName',
  'AlarmName',
  'UserPoolName',
  'MetricNamespace',
];

function uniqueNames(template: CfnTemplate): string[] {
  return Object.values(template.Resources).flatMap((r) =>
    stringsIn(r.Properties ?? {})
      .filter(({ path }) => UNIQUE_NAME_PROPERTIES.some((p) => path.endsWith(`.${p}`)))
      .map(({ text }) => `${r.Type} ${text}`),
  );
}

describe('names that must be unique', () => {
  it('differ between two deployments of one certification region: every one comes from the deployment', () => {
    const a = uniqueNames(prod());
    const b = uniqueNames(byLabel('neijiang-staging'));
    expect(a.length).toBeGreaterThan(5);
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });

  it('name the deployment or a value of its file (alias, vault, log groups, domain, metric namespace)', () => {
    const d = loadDeployment('neijiang-prod');
    for (const name of uniqueNames(prod())) {
      expect(name.includes(d.name) || name.includes(d.publicDomain), name).toBe(true);
    }
    const cognito = global();
    const [, domain] = resourcesOfType(cognito, 'AWS::Cognito::UserPoolDomain')[0] ?? [];
    expect(domain?.Properties?.Domain).toBe('skillcert-neijiang-global-7c2f');
  });

  it('do not collide between committed deployments: domain, DID, number series, sign-in domain', () => {
    const all = deploymentNames().map((n) => loadDeployment(n));
    expect(all.map((d) => d.name)).toEqual(expect.arrayContaining(['neijiang-prod', 'neijiang-staging']));
    for (const key of ['publicDomain', 'certificateNumberPrefix'] as const) {
      const values = all.map((d) => d[key]);
      expect(new Set(values).size, key).toBe(values.length);
    }
    const prefixes = all.flatMap((d) => (d.identity.kind === 'cognito' ? [d.identity.domainPrefix] : []));
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});

describe('the issuer', () => {
  const envOf = (template: CfnTemplate) =>
    resourcesOfType(template, 'AWS::Lambda::Function')
      .map(([, r]) => (propsOf(r).Environment as { Variables: Record<string, unknown> }).Variables)
      .filter((v) => v.ISSUER_DID !== undefined);

  it('allows no loopback partner host in any template (only the local cloud sets one, docs/security.md)', () => {
    for (const d of under) {
      const vars = resourcesOfType(d.template, 'AWS::Lambda::Function').map(
        ([, r]) =>
          (propsOf(r).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      );
      expect(vars.length, d.label).toBeGreaterThan(0);
      expect(
        vars.filter((v) => 'SKILLCERT_LOOPBACK_PARTNER_HOSTS' in v),
        d.label,
      ).toEqual([]);
    }
  });

  it('is the deployment: DID, public URL and certificate-number series from its file', () => {
    const staging = byLabel('neijiang-staging');
    for (const [template, did, url, prefix] of [
      [prod(), 'did:web:skillcert.neijiang.gov.cn', 'https://skillcert.neijiang.gov.cn', 'NJ'],
      [
        staging,
        'did:web:skillcert-staging.neijiang.gov.cn',
        'https://skillcert-staging.neijiang.gov.cn',
        'XN',
      ],
    ] as const) {
      const envs = envOf(template);
      expect(envs.length).toBeGreaterThan(5);
      for (const env of envs) {
        expect(env.ISSUER_DID).toBe(did);
        if (env.PUBLIC_URL !== undefined) expect(env.PUBLIC_URL).toBe(url);
        if (env.REGION_PREFIX !== undefined) expect(env.REGION_PREFIX).toBe(prefix);
      }
    }
  });

  it('is reachable: the API serves the public domain with its certificate, and only there', () => {
    const template = prod();
    const [, domain] = resourcesOfType(template, 'AWS::ApiGatewayV2::DomainName')[0] ?? [];
    expect(domain?.Properties).toMatchObject({
      DomainName: 'skillcert.neijiang.gov.cn',
      DomainNameConfigurations: [{ EndpointType: 'REGIONAL', CertificateArn: expect.anything() }],
    });
    const [certId, cert] = resourcesOfType(template, 'AWS::CertificateManager::Certificate')[0] ?? [];
    expect(cert?.Properties).toMatchObject({
      DomainName: 'skillcert.neijiang.gov.cn',
      ValidationMethod: 'DNS',
    });
    expect(JSON.stringify(domain)).toContain(certId);
    expect(resourcesOfType(template, 'AWS::ApiGatewayV2::ApiMapping')).toHaveLength(1);
    const [, api] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api')[0] ?? [];
    expect(api?.Properties?.DisableExecuteApiEndpoint).toBe(true);
    expect(JSON.stringify(template.Outputs)).toContain('RegionalDomainName');
  });

  it('uses a certificate the region already has when its file gives the ARN', () => {
    const arn = 'arn:aws-cn:acm:cn-northwest-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-000000000001';
    const template = synthTemplate({
      deployment: variant('neijiang-prod', () => ({ certificate: { arn } })),
    });
    expect(resourcesOfType(template, 'AWS::CertificateManager::Certificate')).toEqual([]);
    expect(JSON.stringify(resourcesOfType(template, 'AWS::ApiGatewayV2::DomainName'))).toContain(arn);
  });

  it.each([
    'skillcert.neijiang.example',
    'nj.test',
    'x.invalid',
    'api.localhost',
    'example.com',
    'a.example.org',
  ])('refuses the reserved domain %s for a real deployment', (publicDomain) => {
    const file = { ...rawFile('neijiang-prod'), publicDomain };
    expect(() => parseDeployment(file)).toThrow(/reserved name nobody can reach/);
    expect(isReservedDomain(publicDomain)).toBe(true);
  });

  it('refuses a deployment without a domain, and keeps the local demo on its demo domain', () => {
    const { publicDomain: _, ...file } = rawFile('neijiang-prod');
    expect(() => parseDeployment(file)).toThrow(/publicDomain/);
    expect(envOf(localDemo())[0]?.ISSUER_DID).toBe('did:web:neijiang.skillcert.example');
    // …and CloudFormation refuses the local demo in any AWS region.
    expect(JSON.stringify(localDemo().Rules)).toContain('skillcert-local-demo');
    expect(prod().Rules?.LocalDemoOnly).toBeUndefined();
  });
});

function rawFile(name: string): Record<string, unknown> {
  const d = loadDeployment(name);
  return {
    name: d.name,
    certificationRegion: d.region.code,
    stage: d.stage,
    aws: d.aws,
    publicDomain: d.publicDomain,
    certificate: d.certificate,
    certificateNumberPrefix: d.certificateNumberPrefix,
    identity: d.identity,
    web: { domain: d.web.domain, certificate: d.web.certificate },
    signingKeyGeneration: d.signingKeyGeneration,
    alarmEmails: d.alarmEmails,
    backup: d.backup,
  };
}

describe('deployment files', () => {
  it('refuse what cannot work: Cognito in China, a region outside the partition, a certificate elsewhere', () => {
    const file = rawFile('neijiang-prod');
    expect(() =>
      parseDeployment({ ...file, identity: { kind: 'cognito', domainPrefix: 'skillcert-nj-prod' } }),
    ).toThrow(/Cognito user pools are not available in the China regions/);
    expect(() => parseDeployment({ ...file, aws: { partition: 'aws', region: 'cn-north-1' } })).toThrow(
      /not in partition aws/,
    );
    expect(() =>
      parseDeployment({
        ...file,
        certificate: { arn: 'arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc-1' },
      }),
    ).toThrow(/must be in aws-cn cn-northwest-1/);
  });

  it('name the web app: its own host name and a certificate CloudFront can use in the partition', () => {
    const file = rawFile('neijiang-prod');
    expect(loadDeployment('neijiang-prod').web.origin).toBe('https://app.skillcert.neijiang.gov.cn');
    const { web: _, ...noWeb } = file;
    expect(() => parseDeployment(noWeb)).toThrow(/web/);
    const web = file.web as { domain: string; certificate: unknown };
    expect(() => parseDeployment({ ...file, web: { ...web, domain: 'app.neijiang.example' } })).toThrow(
      /web.domain app.neijiang.example is a reserved name/,
    );
    expect(() => parseDeployment({ ...file, web: { ...web, domain: 'skillcert.neijiang.gov.cn' } })).toThrow(
      /web.domain must differ from publicDomain/,
    );
    // CloudFront in China has no ACM; an ACM certificate outside us-east-1 is never usable by CloudFront.
    const acm = { arn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-1' };
    expect(() => parseDeployment({ ...file, web: { ...web, certificate: acm } })).toThrow(/cannot use ACM/);
    expect(() =>
      parseDeployment({
        ...file,
        web: { ...web, certificate: { arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-1' } },
      }),
    ).toThrow(/web.certificate/);
  });

  it('are chosen with -c deployment=<name>, and an unknown name is refused with the list', () => {
    expect(Object.keys(prod().Resources).length).toBeGreaterThan(100);
    expect(() => buildApp({ deployment: 'neijiang-prd' })).toThrow(
      /Unknown deployment 'neijiang-prd' \(committed: .*neijiang-prod/,
    );
  });
});

describe('operations', () => {
  it('a deployment without its signing-key generation fails instead of creating a key', () => {
    const { signingKeyGeneration: _, ...file } = rawFile('neijiang-prod');
    expect(() => parseDeployment(file)).toThrow(DeploymentError);
    expect(() => parseDeployment(file)).toThrow(/signingKeyGeneration/);
    // …and a command line cannot override the committed generation.
    expect(() => buildApp({ deployment: 'neijiang-prod', signingKeyGeneration: 2 })).toThrow(
      /-c signingKeyGeneration is for the local demo only/,
    );
  });

  it.each(under.map((d) => [d.label, d.template] as const))(
    '%s: no one may disable or delete the ES256, Ed25519 and HMAC keys',
    (_label, template) => {
      const keys = resourcesOfType(template, 'AWS::KMS::Key').filter(([, r]) =>
        ['ECC_NIST_P256', 'ECC_NIST_EDWARDS25519', 'HMAC_256'].includes(String(r.Properties?.KeySpec)),
      );
      expect(keys.map(([, r]) => r.Properties?.KeySpec).sort()).toEqual([
        'ECC_NIST_EDWARDS25519',
        'ECC_NIST_P256',
        'HMAC_256',
      ]);
      for (const [id, key] of keys) {
        expect(key.DeletionPolicy, id).toBe('Retain');
        const statements = (propsOf(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
        expect(statements, id).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey'],
          }),
        );
      }
    },
  );

  it('backs the table up beyond the 35 days of point-in-time recovery, in a retained vault', () => {
    const template = prod();
    const [vaultId, vault] = resourcesOfType(template, 'AWS::Backup::BackupVault')[0] ?? [];
    expect(vault?.DeletionPolicy).toBe('Retain');
    const [, plan] = resourcesOfType(template, 'AWS::Backup::BackupPlan')[0] ?? [];
    const rules = (propsOf(plan).BackupPlan as { BackupPlanRule: Record<string, unknown>[] }).BackupPlanRule;
    const kept = rules.map((r) => (r.Lifecycle as { DeleteAfterDays: number }).DeleteAfterDays);
    expect(Math.max(...kept)).toBeGreaterThan(35);
    expect(Math.max(...kept)).toBe(loadDeployment('neijiang-prod').backup.monthlyRetentionDays);
    expect(rules.every((r) => JSON.stringify(r.TargetBackupVault).includes(vaultId as string))).toBe(true);
    const [, selection] = resourcesOfType(template, 'AWS::Backup::BackupSelection')[0] ?? [];
    const table = resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')[0]?.[0] as string;
    expect(JSON.stringify(selection?.Properties)).toContain(table);
  });

  it('sends Cognito mail through SES when the deployment says so', () => {
    const [, pool] = resourcesOfType(global(), 'AWS::Cognito::UserPool')[0] ?? [];
    expect(pool?.Properties?.EmailConfiguration).toMatchObject({
      EmailSendingAccount: 'DEVELOPER',
      From: 'no-reply@skillcert-global.neijiang.gov.cn',
    });
    const source = JSON.stringify((propsOf(pool).EmailConfiguration as { SourceArn: unknown }).SourceArn);
    expect(source).toContain(':ses:ap-southeast-1:');
    expect(source).toContain('identity/skillcert-global.neijiang.gov.cn');
    // Without an SES identity, Cognito's own mail (and no SourceArn).
    const [, localPool] = resourcesOfType(localDemo(), 'AWS::Cognito::UserPool')[0] ?? [];
    expect(JSON.stringify(localPool?.Properties?.EmailConfiguration ?? {})).not.toContain('DEVELOPER');
  });

  it.each(under.map((d) => [d.label, d.template] as const))(
    '%s: Step Functions log groups are under /aws/vendedlogs/',
    (_label, template) => {
      const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
      expect(machines.length).toBeGreaterThan(0);
      for (const [id, m] of machines) {
        const group = JSON.stringify(m.Properties?.LoggingConfiguration).match(
          /"Fn::GetAtt":\["([^"]+)"/,
        )?.[1];
        const name = template.Resources[group as string]?.Properties?.LogGroupName;
        expect(String(name), id).toMatch(/^\/aws\/vendedlogs\/states\//);
      }
    },
  );

  it('partner-facing functions outlast the HTTP waits they make, and answer before API Gateway gives up', () => {
    const waits = (PARTNER_FETCHES_IN_A_ROW * PARTNER_HTTP_TIMEOUT_MS) / 1000;
    const functions = resourcesOfType(prod(), 'AWS::Lambda::Function');
    const partnerFacing = functions.filter(([id]) =>
      /^Partners(VerificationApi|RecognitionApi|DeliverNoticeFunction)/.test(id),
    );
    expect(partnerFacing).toHaveLength(3);
    for (const [id, fn] of partnerFacing) {
      expect(Number(fn.Properties?.Timeout), id).toBeGreaterThan(waits);
      expect(Number(fn.Properties?.Timeout), id).toBeLessThan(HTTP_API_INTEGRATION_TIMEOUT.toSeconds());
    }
  });
});

describe('identity provider', () => {
  it('creates no user pool where Cognito does not exist, and checks the OIDC provider’s tokens', () => {
    for (const template of [prod(), byLabel('neijiang-prod moved'), byLabel('neijiang-staging')]) {
      expect(Object.values(template.Resources).filter((r) => r.Type.startsWith('AWS::Cognito::'))).toEqual(
        [],
      );
    }
    const d = loadDeployment('neijiang-prod');
    if (d.identity.kind !== 'oidc') throw new Error('neijiang-prod uses OIDC');
    const [, authorizer] = resourcesOfType(prod(), 'AWS::ApiGatewayV2::Authorizer')[0] ?? [];
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: d.identity.issuer, Audience: d.identity.audience },
    });
    const env = resourcesOfType(prod(), 'AWS::Lambda::Function').map(
      ([, r]) => (propsOf(r).Environment as { Variables: Record<string, unknown> }).Variables,
    );
    for (const vars of env) {
      expect(vars.IDENTITY_GROUPS_CLAIM).toBe('groups');
      expect(JSON.parse(String(vars.IDENTITY_GROUP_NAMES))).toEqual(d.identity.groups);
    }
    // Recognitions need the provider's scope.
    const recognitions = resourcesOfType(prod(), 'AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties?.RouteKey === 'POST /recognitions',
    );
    expect(recognitions?.[1].Properties?.AuthorizationScopes).toEqual(['skillcert/recognize']);
  });

  it('takes Cognito’s issuer from the pool itself, right in every partition', () => {
    const [poolId] = resourcesOfType(global(), 'AWS::Cognito::UserPool')[0] ?? [];
    const [, authorizer] = resourcesOfType(global(), 'AWS::ApiGatewayV2::Authorizer')[0] ?? [];
    expect((propsOf(authorizer).JwtConfiguration as { Issuer: unknown }).Issuer).toEqual({
      'Fn::GetAtt': [poolId, 'ProviderURL'],
    });
  });
});

describe('AWS China', () => {
  const china = () => under.filter((d) => /aws-cn|cn-north-1/.test(d.label));

  it('names no global-partition ARN or endpoint anywhere (service principals aside)', () => {
    expect(china().length).toBeGreaterThanOrEqual(3);
    for (const { label, template } of china()) {
      const literal = Object.entries(template.Resources).flatMap(([id, r]) =>
        stringsIn(r.Properties ?? {})
          // Service principals are <service>.amazonaws.com in every partition (CDK's standardized names).
          .filter(({ path }) => !/\.Principal(\.Service)?$|\.Principal\.Service\[/.test(path))
          .filter(({ text }) => /arn:aws:|\.amazonaws\.com(?!\.cn)/.test(text))
          .map(({ path, text }) => `${id}${path}: ${text}`),
      );
      expect(literal, label).toEqual([]);
    }
  });

  it('uses no X-Ray, which Lambda does not integrate with in the China regions', () => {
    for (const { label, template } of china()) {
      for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
        const mode = (propsOf(fn).TracingConfig as { Mode?: string } | undefined)?.Mode ?? 'PassThrough';
        expect(mode, `${label} ${id}`).toBe('PassThrough');
        expect(JSON.stringify(fn.Properties?.Environment)).toContain('"POWERTOOLS_TRACE_ENABLED":"false"');
      }
      for (const [id, m] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
        expect(m.Properties?.TracingConfiguration, `${label} ${id}`).toEqual({ Enabled: false });
      }
      expect(JSON.stringify(resourcesOfType(template, 'AWS::IAM::Policy')), label).not.toContain('xray:');
    }
    const [, globalFn] = resourcesOfType(global(), 'AWS::Lambda::Function')[0] ?? [];
    expect(globalFn?.Properties?.TracingConfig).toEqual({ Mode: 'Active' });
  });
});
