import { join } from 'node:path';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  type CfnDistribution,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ensureWebBuilt, WEB_DIST } from '../../web/build.js';
import { LAMBDA_BASIC_EXECUTION_ROLE_ACK } from '../nag.js';

/** What the browser app reads at start (web/src/config.ts): one build serves every deployment. */
export interface WebAppConfig {
  apiUrl: string;
  issuer: string;
  clientId: string;
  scopes: string;
  region: { code: string; nameZh: string; nameEn: string; timeZone: string };
}

export interface WebAppProps {
  config: WebAppConfig;
  /**
   * Origins the app's scripts may call besides the API and the issuer (CSP connect-src): the identity
   * provider's token endpoint when it is on another host (Cognito's managed login domain).
   */
  identityOrigins?: string[];
  /** The app's own domain and its certificate; without one, CloudFront's default domain (not in China). */
  domain?: {
    name: string;
    certificate: { acm: ICertificate } | { iamCertificateId: string } | { iamServerCertificateName: string };
  };
  /** aws-cn: CloudFront in China has no origin access control and takes IAM server certificates only. */
  partition: 'aws' | 'aws-cn';
  /**
   * The app's origin as the deployment names it (CORS and the sign-in redirect URIs use the same): its
   * domain's, or for a local demo the loopback origin the local cloud serves it on.
   */
  origin?: string;
}

/** The origin of a URL that may be a CloudFormation token (a Fn::Join of https:// and a host). */
function originOf(url: string): string {
  return Fn.join('/', Fn.split('/', url, 4).slice(0, 3) as unknown as string[]);
}

/**
 * The web app: its built files (web/dist) in a private, encrypted, TLS-only bucket, served only through
 * CloudFront with origin access control, HTTPS only, and response headers that carry a strict
 * Content-Security-Policy (scripts and styles from the app itself, connections only to the API and the
 * identity provider), HSTS and the usual hardening. The deployment's settings go into a generated
 * config.json next to the files; the local cloud serves the same files, headers and settings
 * (local/template.ts, local/web-site.ts).
 */
export class WebApp extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** https://<app domain>: what the identity provider's web client must list for its callback. */
  readonly origin: string;
  readonly contentSecurityPolicy: string;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    // A fresh clone has no web/dist yet: build it now rather than fail the synth.
    ensureWebBuilt();

    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Built files can be rebuilt from the repository at any time; nothing here is a record.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the public build of the web app; CloudFront is its only reader (origin access control) and the API keeps the access log of everything a person does.',
    });

    const { config } = props;
    const connect = [
      "'self'",
      originOf(config.apiUrl),
      originOf(config.issuer),
      ...(props.identityOrigins ?? []),
    ];
    this.contentSecurityPolicy = Fn.join('; ', [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "manifest-src 'self'",
      Fn.join(' ', ['connect-src', ...connect]),
      "form-action 'self'",
      "base-uri 'none'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      'upgrade-insecure-requests',
    ]);

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'skillcert web app: strict CSP, HSTS, no framing, no sniffing',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: this.contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          {
            header: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=()',
            override: true,
          },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          { header: 'Cross-Origin-Resource-Policy', value: 'same-origin', override: true },
        ],
      },
    });

    const china = props.partition === 'aws-cn';
    // China: CloudFormation there does not know AWS::CloudFront::OriginAccessControl (docs/deploy.md), so
    // the bucket is reached through an origin access identity, still never publicly.
    const origin = china
      ? S3BucketOrigin.withOriginAccessIdentity(this.bucket)
      : S3BucketOrigin.withOriginAccessControl(this.bucket);
    const acm = props.domain && 'acm' in props.domain.certificate ? props.domain.certificate.acm : undefined;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'skillcert web app',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      ...(props.domain ? { domainNames: [props.domain.name] } : {}),
      ...(acm ? { certificate: acm } : {}),
      // index.html and config.json change with every deployment: never cached at the edge.
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      additionalBehaviors: {
        // Hashed file names: a changed file is a new name, so a year at the edge and in browsers is safe.
        'assets/*': {
          origin,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: headers,
          compress: true,
        },
      },
      // The app routes in the browser (/attempts/…, /admin/…): a path that is no file gets the app.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
    });
    const iamCertificateId = props.domain && this.iamCertificateId(props.domain.certificate);
    if (iamCertificateId) {
      // CloudFront in China takes only IAM server certificates (ACM is not offered there for CloudFront).
      const cfn = this.distribution.node.defaultChild as CfnDistribution;
      cfn.addPropertyOverride('DistributionConfig.ViewerCertificate', {
        IamCertificateId: iamCertificateId,
        SslSupportMethod: 'sni-only',
        MinimumProtocolVersion: 'TLSv1.2_2021',
      });
    }
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          "The region's candidates, assessors and partner regions sign in from wherever they are; the identity provider and the API decide who may do what, not the country.",
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'CloudFront serves only static files and one settings file; the HTTP API, where requests change anything, has per-route throttling of its own.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Static, public files with no personal data; the access logs that matter (who did what) are the HTTP API stage logs.',
      },
      ...(china
        ? [
            {
              id: 'AwsSolutions-CFR7',
              reason:
                'CloudFormation in the China regions has no AWS::CloudFront::OriginAccessControl; the origin access identity keeps the bucket private there (docs/deploy.md).',
            },
          ]
        : []),
      ...(china && iamCertificateId
        ? [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'The viewer certificate is the IAM server certificate with TLSv1.2_2021, set on the distribution by a property override that the rule does not read (tests/infra/web-app.test.ts checks it).',
            },
          ]
        : []),
      ...(props.domain
        ? []
        : [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                "Only a local demo without an app domain uses CloudFront's default certificate; every real deployment names its domain and a TLS 1.2 certificate.",
            },
          ]),
    );

    this.origin = props.origin ?? `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
    // What the bureau's DNS points the app's domain at (docs/deploy.md section 5).
    if (props.domain)
      new CfnOutput(this, 'WebDomainTarget', { value: this.distribution.distributionDomainName });
    const settings = {
      ...config,
      redirectUri: `${this.origin}/callback`,
      signOutRedirectUri: `${this.origin}/`,
    };

    // Two deployments: hashed assets kept (a tab opened before a release still finds its chunks), and the
    // entry page with its settings, which must never be cached.
    const assets = new BucketDeployment(this, 'Assets', {
      sources: [Source.asset(join(WEB_DIST, 'assets'))],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      memoryLimit: 512,
    });
    const entry = new BucketDeployment(this, 'Entry', {
      sources: [
        Source.asset(WEB_DIST, { exclude: ['assets', 'assets/**', 'build-report.json'] }),
        Source.jsonData('config.json', settings),
      ],
      destinationBucket: this.bucket,
      prune: false,
      cacheControl: [CacheControl.fromString('no-cache')],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 512,
    });
    entry.node.addDependency(assets);
    // The custom resource's singleton function and role are CDK's own plumbing.
    const stack = Stack.of(this);
    // The CDK asset bucket's name as cdk-nag prints it: literal when the stack names its environment.
    const assetsBucketEnv = [
      Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
      Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
    ].join('-');
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        Validations.of(child).acknowledge(
          {
            id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
            reason:
              "CDK's bucket deployment function writes only its own logs with the basic execution policy.",
          },
          ...[
            'Action::s3:GetObject*',
            'Action::s3:GetBucket*',
            'Action::s3:List*',
            'Action::s3:DeleteObject*',
            'Action::s3:Abort*',
            `Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${assetsBucketEnv}/*`,
            `Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*`,
          ].map((finding) => ({
            id: `AwsSolutions-IAM5[${finding}]`,
            reason:
              "CDK's bucket deployment function copies the built files from the CDK asset bucket into the web app bucket (object wildcards under those two buckets only).",
          })),
          {
            id: 'AwsSolutions-IAM5[Resource::*]',
            reason:
              'CloudFront invalidations cannot be scoped to one distribution in IAM for this CDK function; it only invalidates /index.html and /config.json after a deployment.',
          },
          {
            id: 'AwsSolutions-L1',
            reason:
              "The runtime of CDK's bucket deployment function is chosen by CDK and moves with aws-cdk-lib.",
          },
        );
      }
    }
  }
  /**
   * The IAM server certificate CloudFront serves in China. A deployment file may name it as uploaded
   * (`aws iam upload-server-certificate --path /cloudfront/ --server-certificate-name …`), since the name is
   * chosen before the upload and the id only comes back from it: the id is then read at deploy time.
   */
  private iamCertificateId(
    certificate: NonNullable<WebAppProps['domain']>['certificate'],
  ): string | undefined {
    if ('iamCertificateId' in certificate) return certificate.iamCertificateId;
    if (!('iamServerCertificateName' in certificate)) return undefined;
    const name = certificate.iamServerCertificateName;
    const lookup = new AwsCustomResource(this, 'ServerCertificateLookup', {
      // Read on every deploy, so a certificate re-uploaded under the same name (a renewal) is picked up.
      onUpdate: {
        service: 'IAM',
        action: 'getServerCertificate',
        parameters: { ServerCertificateName: name },
        physicalResourceId: PhysicalResourceId.of(`server-certificate/cloudfront/${name}`),
        outputPaths: ['ServerCertificate.ServerCertificateMetadata.ServerCertificateId'],
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({
        resources: [
          Stack.of(this).formatArn({
            service: 'iam',
            region: '',
            resource: 'server-certificate',
            resourceName: `cloudfront/${name}`,
          }),
        ],
      }),
      installLatestAwsSdk: false,
    });
    // The custom resource's singleton function (CDK's own, at the stack's root) carries the findings.
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    if (provider) {
      Validations.of(provider).acknowledge(LAMBDA_BASIC_EXECUTION_ROLE_ACK, {
        id: 'AwsSolutions-L1',
        reason:
          "The runtime of CDK's AwsCustomResource function is chosen by CDK and moves with aws-cdk-lib.",
      });
    }
    return lookup.getResponseField('ServerCertificate.ServerCertificateMetadata.ServerCertificateId');
  }
}
