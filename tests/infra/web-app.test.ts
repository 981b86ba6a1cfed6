// The web app's hosting as synthesized: a private, encrypted, TLS-only bucket that only CloudFront reads
// (origin access control; an origin access identity in China, where CloudFormation has no OAC), HTTPS
// only, a strict Content-Security-Policy naming exactly the API and the identity provider, HSTS, and a
// generated config.json; cdk-nag finds nothing unacknowledged.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { describe, expect, it } from 'vitest';
import { WebApp, type WebAppProps } from '../../lib/constructs/web-app.js';
import { applyNag } from '../../lib/nag.js';

const CONFIG: WebAppProps['config'] = {
  apiUrl: 'https://neijiang.skillcert.example',
  issuer: 'https://sso.neijiang.skillcert.example/realms/skillcert',
  clientId: 'skillcert-web',
  scopes: 'openid profile email',
  region: { code: 'neijiang', nameZh: '内江', nameEn: 'Neijiang', timeZone: 'Asia/Shanghai' },
};

function synth(props: Partial<WebAppProps> & { partition: WebAppProps['partition'] }) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-web-')) });
  const stack = new Stack(app, 'WebOnly', {
    env: { account: '123456789012', region: props.partition === 'aws-cn' ? 'cn-north-1' : 'ap-east-1' },
  });
  const web = new WebApp(stack, 'Web', { config: CONFIG, ...props });
  applyNag(app);
  // Throws on any unacknowledged cdk-nag finding.
  app.synth();
  return { template: Template.fromStack(stack), web };
}

const global = synth({
  partition: 'aws',
  origin: 'https://app.neijiang.skillcert.example',
  identityOrigins: ['https://skillcert-neijiang.auth.ap-east-1.amazoncognito.com'],
});

describe('web app hosting', () => {
  it('keeps the files in a private, encrypted bucket reachable over TLS only', () => {
    global.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const policies = global.template.findResources('AWS::S3::BucketPolicy');
    const statements = Object.values(policies).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // Only CloudFront reads, and only for this distribution (origin access control).
    const reads = statements.filter((s) => s.Effect === 'Allow');
    expect(reads.length).toBeGreaterThan(0);
    for (const s of reads) {
      expect(s.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(JSON.stringify(s.Condition)).toContain('AWS:SourceArn');
    }
  });

  it('serves through CloudFront with origin access control, HTTPS only, TLS 1.2, the app domain', () => {
    global.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    global.template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
    const [distribution] = Object.values(global.template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution?.Properties.DistributionConfig as Record<string, unknown> & {
      DefaultCacheBehavior: { ViewerProtocolPolicy: string };
      CacheBehaviors: { ViewerProtocolPolicy: string; PathPattern: string }[];
      Origins: { OriginAccessControlId?: unknown; S3OriginConfig?: { OriginAccessIdentity?: string } }[];
    };
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    for (const b of config.CacheBehaviors) expect(b.ViewerProtocolPolicy).toBe('https-only');
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toEqual(['assets/*']);
    expect(config.Origins[0]?.OriginAccessControlId).toBeDefined();
    expect(config.Origins[0]?.S3OriginConfig?.OriginAccessIdentity ?? '').toBe('');
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.CustomErrorResponses).toEqual(
      expect.arrayContaining([expect.objectContaining({ ErrorCode: 404, ResponsePagePath: '/index.html' })]),
    );
  });

  it('sends a strict CSP (no inline, no eval; connect-src the API and the identity provider only) and HSTS', () => {
    const [policy] = Object.values(global.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    if (!policy) throw new Error('no response headers policy');
    const security = (
      policy.Properties.ResponseHeadersPolicyConfig as Record<string, Record<string, unknown>>
    ).SecurityHeadersConfig as Record<string, Record<string, unknown>>;
    const csp = String(security.ContentSecurityPolicy?.ContentSecurityPolicy);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const connect = csp.split('; ').find((d) => d.startsWith('connect-src'));
    expect(connect).toBe(
      "connect-src 'self' https://neijiang.skillcert.example https://sso.neijiang.skillcert.example https://skillcert-neijiang.auth.ap-east-1.amazoncognito.com",
    );
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 63_072_000,
      IncludeSubdomains: true,
      Preload: true,
      Override: true,
    });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
  });

  it('writes config.json with the deployment’s API, issuer, client and redirect URIs', () => {
    const deployments = global.template.findResources('Custom::CDKBucketDeployment');
    const entry = Object.values(deployments).find((d) => d.Properties.DistributionPaths);
    expect(entry?.Properties.DistributionPaths).toEqual(['/index.html', '/config.json']);
    expect(entry?.Properties.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    const assets = Object.values(deployments).find(
      (d) => d.Properties.DestinationBucketKeyPrefix === 'assets/',
    );
    expect(assets?.Properties.SystemMetadata).toEqual({
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect(global.web.origin).toBe('https://app.neijiang.skillcert.example');
  });

  it('in China: an origin access identity (no OAC there) and the IAM server certificate', () => {
    const china = synth({
      partition: 'aws-cn',
      origin: 'https://app.neijiang.skillcert.example',
      domain: {
        name: 'app.neijiang.skillcert.example',
        certificate: { iamCertificateId: 'ASCAEXAMPLE0123456789' },
      },
    });
    china.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 0);
    china.template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 1);
    china.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['app.neijiang.skillcert.example'],
        ViewerCertificate: {
          IamCertificateId: 'ASCAEXAMPLE0123456789',
          SslSupportMethod: 'sni-only',
          MinimumProtocolVersion: 'TLSv1.2_2021',
        },
      }),
    });
  });

  it('in China, by the name it was uploaded under: the id is read at deploy time, with a grant for that certificate only', () => {
    const china = synth({
      partition: 'aws-cn',
      origin: 'https://app.neijiang.skillcert.example',
      domain: {
        name: 'app.neijiang.skillcert.example',
        certificate: { iamServerCertificateName: 'skillcert-app-neijiang' },
      },
    });
    const lookups = china.template.findResources('Custom::AWS');
    const [lookupId, lookup] = Object.entries(lookups)[0] ?? [];
    expect(Object.keys(lookups)).toHaveLength(1);
    const call = JSON.parse(JSON.stringify(lookup?.Properties.Update)) as string | Record<string, unknown>;
    // CDK serialises the SDK call as a JSON string (with tokens joined in): parse what it says.
    const said = JSON.parse(typeof call === 'string' ? call : JSON.stringify(call)) as Record<
      string,
      unknown
    >;
    expect(said).toMatchObject({
      service: 'IAM',
      action: 'getServerCertificate',
      parameters: { ServerCertificateName: 'skillcert-app-neijiang' },
      outputPaths: ['ServerCertificate.ServerCertificateMetadata.ServerCertificateId'],
    });
    china.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['app.neijiang.skillcert.example'],
        ViewerCertificate: {
          IamCertificateId: {
            'Fn::GetAtt': [lookupId, 'ServerCertificate.ServerCertificateMetadata.ServerCertificateId'],
          },
          SslSupportMethod: 'sni-only',
          MinimumProtocolVersion: 'TLSv1.2_2021',
        },
      }),
    });
    // The bureau's DNS points the app's domain at the distribution.
    china.template.hasOutput('*', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] },
    });
    // One statement: read that certificate, under /cloudfront/, in this account.
    const policies = Object.values(china.template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('iam:GetServerCertificate'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as {
      Action: unknown;
      Resource: unknown;
    }[];
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('iam:GetServerCertificate');
    expect(JSON.stringify(statements[0]?.Resource)).toMatch(
      /:iam::123456789012:server-certificate\/cloudfront\/skillcert-app-neijiang"\]\]\}$/,
    );
  });

  it('with an ACM certificate outside China: the alias and TLS 1.2', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-web-')) });
    const stack = new Stack(app, 'WebAcm', { env: { account: '123456789012', region: 'ap-east-1' } });
    new WebApp(stack, 'Web', {
      config: CONFIG,
      partition: 'aws',
      domain: {
        name: 'app.neijiang.skillcert.example',
        certificate: {
          acm: Certificate.fromCertificateArn(
            stack,
            'Cert',
            'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
          ),
        },
      },
    });
    applyNag(app);
    app.synth();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['app.neijiang.skillcert.example'],
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
      }),
    });
  });
});
