import { Aws, CfnRule, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { TIMEOUT_MS as PARTNER_HTTP_TIMEOUT_MS } from '../functions/adapters/http-partner-directory.js';
import { SKILLCERT_CONTEXT_PATH, SKILLCERT_SCHEMA_PATH } from '../functions/domain/credential.js';
import { Api } from './constructs/api.js';
import { Backup } from './constructs/backup.js';
import { Certification } from './constructs/certification.js';
import { Data } from './constructs/data.js';
import { SkillcertFunction } from './constructs/function.js';
import { HolderIdentity } from './constructs/holder-identity.js';
import { Identity } from './constructs/identity.js';
import { Observability } from './constructs/observability.js';
import { Paper } from './constructs/paper.js';
import { Partners } from './constructs/partners.js';
import { Signing } from './constructs/signing.js';
import { WebApp } from './constructs/web-app.js';
import { type Deployment, issuingRegion, webClientUrls } from './deployments.js';
import { NOTICE_RETRY } from './notice-retry.js';

/**
 * The most HTTP requests to partner regions one request of a partner-facing function waits on in a row:
 * verifying a partner's certificate reads its key set, then its revocation list and its suspension list
 * (functions/partners/verification.ts), each bounded by the partner client's timeout.
 */
export const PARTNER_FETCHES_IN_A_ROW = 3;
/** What a partner-facing function needs besides waiting: DynamoDB, KMS signing, a cold start. */
const PARTNER_FUNCTION_MARGIN = Duration.seconds(10);
/** API Gateway answers 503 after 30 s whatever the function does (HTTP API integration timeout). */
export const HTTP_API_INTEGRATION_TIMEOUT = Duration.seconds(30);

export interface SkillcertStackProps extends StackProps {
  /** Everything that differs between deployments (lib/deployments.ts, deployments/*.json). */
  deployment: Deployment;
  /** How long an assessor has before a review goes to someone else (default three days). */
  markingTimeout?: Duration;
  /** First wait before a revocation notice is sent again (default 30 s; doubles up to an hour). */
  noticeRetryInterval?: Duration;
  /** Retries of a notice's delivery round before it gives up (default lib/notice-retry.ts). */
  noticeMaxAttempts?: number;
  /** The longest a partner's status list is reused before it is fetched again (default 5 minutes). */
  partnerStatusListCache?: Duration;
}

/** One certification region's deployment: its data, keys, identities, API, functions and workflows. */
export class SkillcertStack extends Stack {
  readonly data: Data;
  readonly signing: Signing;
  readonly identity?: Identity;
  readonly api: Api;
  readonly events: EventBus;
  readonly certification: Certification;
  readonly partners: Partners;
  readonly paper: Paper;
  readonly observability: Observability;
  readonly backup: Backup;
  readonly web: WebApp;
  readonly deployment: Deployment;

  constructor(scope: Construct, id: string, props: SkillcertStackProps) {
    super(scope, id, props);
    const { deployment } = props;
    this.deployment = deployment;
    // The region as every function sees it: the issuer is this deployment's public domain, not the
    // region's code, so a staging and a production Neijiang never sign as each other.
    const region = issuingRegion(deployment);
    const issuerDid = `did:web:${region.domain}`;

    if (deployment.kind === 'local') {
      // A local demo names a reserved domain nobody can reach; CloudFormation must never create it.
      new CfnRule(this, 'LocalDemoOnly', {
        assertions: [
          {
            assert: Fn.conditionEquals(Aws.REGION, 'skillcert-local-demo'),
            assertDescription: `${id} is the local demo of ${deployment.region.nameEn}: deploy a deployment from deployments/ (docs/deploy.md)`,
          },
        ],
      });
    }

    this.data = new Data(this, 'Data');
    this.backup = new Backup(this, 'Backup', {
      deploymentName: deployment.name,
      table: this.data.table,
      ...deployment.backup,
    });
    this.signing = new Signing(this, 'Signing', {
      deploymentName: deployment.name,
      generation: deployment.signingKeyGeneration,
      proofSuite: deployment.proofSuite,
    });
    const idp = deployment.identity;
    let jwt: { id: string; issuer: string; audience: string[] };
    let recognizeScope: string;
    if (idp.kind === 'cognito') {
      const identity = new Identity(this, 'Identity', {
        authDomainPrefix: idp.domainPrefix,
        web: webClientUrls(deployment.web),
        ...(idp.email ? { email: idp.email } : {}),
      });
      this.identity = identity;
      jwt = {
        id: 'CognitoJwt',
        // The pool's own provider URL: right in every partition (amazonaws.com.cn in China).
        issuer: identity.userPool.userPoolProviderUrl,
        audience: [identity.webClient.userPoolClientId, identity.partnerClient.userPoolClientId],
      };
      recognizeScope = identity.partnerScopes.recognize;
    } else {
      jwt = { id: 'OidcJwt', issuer: idp.issuer, audience: idp.audience };
      recognizeScope = idp.recognizeScope;
      // What the local cloud needs to stand in for the provider (local/template.ts): standard OIDC only.
      this.templateOptions.metadata = {
        ...this.templateOptions.metadata,
        'Skillcert::Identity': {
          kind: 'oidc',
          issuer: idp.issuer,
          audience: idp.audience,
          groupsClaim: idp.groupsClaim,
          groups: idp.groups,
          recognizeScope: idp.recognizeScope,
          // The web client registered at the provider (its first audience) must hold exactly these.
          web: webClientUrls(deployment.web),
        },
      };
    }
    // Where the web app is served: the local cloud moves a local demo's origin with its ports (--port-base)
    // without synthesizing again (local/template.ts replaces it in CORS and redirect URIs).
    this.templateOptions.metadata = {
      ...this.templateOptions.metadata,
      'Skillcert::Web': { origin: deployment.web.origin },
    };
    this.api = new Api(this, 'Api', {
      jwt,
      // Browsers may call the API from the web app's origin only: no `*` (docs/web.md, Sign-in).
      corsOrigins: [deployment.web.origin],
      ...(deployment.kind === 'aws'
        ? { customDomain: { domainName: region.domain, certificate: this.publicCertificate(deployment) } }
        : {}),
    });
    this.events = new EventBus(this, 'Events', { description: `skillcert ${deployment.name} domain events` });

    // The key ledger lives in the table: the JWKS lists retired keys from it, and admins declare
    // compromises through it (docs/keys.md). Both key functions know the active keys and the ledger.
    const keysEnvironment = {
      SIGNING_KEY_ID: this.signing.key.keyId,
      ...this.signing.proofEnvironment(),
      SIGNING_KEY_GENERATION: String(this.signing.generation),
      ISSUER_DID: issuerDid,
      TABLE_NAME: this.data.table.tableName,
    };
    const publicKeys = new SkillcertFunction(this, 'PublicKeys', {
      entry: 'public-keys',
      description: "Publishes the region's certificate signing keys as a JWKS and a did:web document",
      memorySize: 256,
      environment: keysEnvironment,
    });
    // Reads only: serving a key set never writes the ledger (docs/security.md, "Public routes").
    this.signing.grantPublicKeysRead(publicKeys).grantTableRead(this.data.table);
    this.api.addRoute(HttpMethod.GET, '/.well-known/jwks.json', publicKeys.function, { kind: 'public' });
    this.api.addRoute(HttpMethod.GET, '/.well-known/did.json', publicKeys.function, { kind: 'public' });
    // The JSON-LD context and JSON schema every credential names (never-changing, versioned paths).
    this.api.addRoute(HttpMethod.GET, SKILLCERT_CONTEXT_PATH, publicKeys.function, { kind: 'public' });
    this.api.addRoute(HttpMethod.GET, SKILLCERT_SCHEMA_PATH, publicKeys.function, { kind: 'public' });
    // The ledger's admin routes write it (a compromise; the first key, listed on an empty ledger).
    const signingKeysAdmin = new SkillcertFunction(this, 'SigningKeysAdminApi', {
      entry: 'signing-keys-admin-api',
      description: 'Admin routes: the signing-key ledger and declared compromises',
      memorySize: 256,
      environment: keysEnvironment,
    });
    this.signing.grantPublicKeysRead(signingKeysAdmin).grantTableWrite(this.data.table);
    this.api.addRoute(HttpMethod.GET, '/admin/signing-keys', signingKeysAdmin.function, { kind: 'user' });
    this.api.addRoute(
      HttpMethod.POST,
      '/admin/signing-keys/{thumbprint}/compromise',
      signingKeysAdmin.function,
      { kind: 'user' },
    );

    const whoAmI = new SkillcertFunction(this, 'WhoAmI', {
      entry: 'who-am-i',
      description: 'Tells a signed-in caller who they are signed in as',
      memorySize: 256,
    });
    this.api.addRoute(HttpMethod.GET, '/me', whoAmI.function, { kind: 'user' });

    const holderIdentity = new HolderIdentity(this, 'HolderIdentity', { deploymentName: deployment.name });
    this.certification = new Certification(this, 'Certification', {
      region,
      table: this.data.table,
      signingKey: this.signing.key,
      proof: this.signing,
      signingKeyGeneration: this.signing.generation,
      identityKey: holderIdentity.key,
      events: this.events,
      api: this.api,
      markingTimeout: props.markingTimeout ?? Duration.days(3),
    });

    this.partners = new Partners(this, 'Partners', {
      region,
      table: this.data.table,
      signingKey: this.signing.key,
      proof: this.signing,
      signingKeyGeneration: this.signing.generation,
      api: this.api,
      recognizeScope,
      noticeRetryInterval: props.noticeRetryInterval ?? Duration.seconds(NOTICE_RETRY.intervalSeconds),
      noticeMaxAttempts: props.noticeMaxAttempts ?? NOTICE_RETRY.maxAttempts,
      ...(props.partnerStatusListCache ? { partnerStatusListCache: props.partnerStatusListCache } : {}),
    });

    this.paper = new Paper(this, 'Paper', {
      region,
      table: this.data.table,
      signingKey: this.signing.key,
      signingKeyGeneration: this.signing.generation,
      api: this.api,
    });

    // Partner-facing functions wait on other regions over HTTP: their timeout must outlast the waits in a
    // row, and stay under API Gateway's own 30 s so a slow partner is our clear 502, not its bare 503.
    const partnerFacing = Duration.millis(
      PARTNER_FETCHES_IN_A_ROW * PARTNER_HTTP_TIMEOUT_MS + PARTNER_FUNCTION_MARGIN.toMilliseconds(),
    );
    for (const id of ['VerificationApi', 'RecognitionApi', 'DeliverNoticeFunction']) {
      (this.partners.node.findChild(id) as SkillcertFunction).setTimeout(partnerFacing);
    }

    // Who is in which group: the claim and the names the identity provider uses (functions/shared/caller.ts).
    const groupsClaim = idp.kind === 'oidc' ? idp.groupsClaim : 'cognito:groups';
    const groupNames = idp.kind === 'oidc' ? JSON.stringify(idp.groups) : '';
    for (const c of this.node.findAll()) {
      if (!(c instanceof SkillcertFunction)) continue;
      c.function.addEnvironment('IDENTITY_GROUPS_CLAIM', groupsClaim);
      if (groupNames) c.function.addEnvironment('IDENTITY_GROUP_NAMES', groupNames);
    }

    // The browser app for all three roles, calling this API and signing in at this identity provider.
    const cognito = this.identity;
    const webCertificate = deployment.web.certificate;
    this.web = new WebApp(this, 'Web', {
      partition: deployment.aws?.partition ?? 'aws',
      origin: deployment.web.origin,
      ...(deployment.web.domain && webCertificate
        ? {
            domain: {
              name: deployment.web.domain,
              certificate:
                'arn' in webCertificate
                  ? { acm: Certificate.fromCertificateArn(this, 'WebCertificate', webCertificate.arn) }
                  : 'iamServerCertificateId' in webCertificate
                    ? { iamCertificateId: webCertificate.iamServerCertificateId }
                    : { iamServerCertificateName: webCertificate.iamServerCertificateName },
            },
          }
        : {}),
      config: {
        apiUrl: deployment.kind === 'aws' ? `https://${region.domain}` : this.api.httpApi.apiEndpoint,
        issuer: jwt.issuer,
        clientId: cognito
          ? cognito.webClient.userPoolClientId
          : ((idp.kind === 'oidc' ? idp.audience[0] : '') ?? ''),
        scopes: 'openid profile email',
        region: {
          code: deployment.region.code,
          nameZh: deployment.region.nameZh,
          nameEn: deployment.region.nameEn,
          timeZone: deployment.region.timeZone,
        },
      },
      // Cognito's token endpoint is on its managed login domain, not the issuer's host.
      ...(cognito
        ? { identityOrigins: [(cognito.userPool.node.findChild('Domain') as UserPoolDomain).baseUrl()] }
        : {}),
    });

    // Last, so it sees every function and workflow above (and its key comes after the signing key).
    this.observability = new Observability(this, 'Observability', {
      alarmEmails: deployment.alarmEmails,
      metricNamespace: `skillcert/${deployment.name}`,
    }).watch(this, {
      retriedForHours: [this.partners.node.findChild('DeliverNoticeFunction') as SkillcertFunction],
    });
  }

  /** The public domain's certificate: one the region already has (ARN), or one ACM issues after DNS validation. */
  private publicCertificate(deployment: Deployment): ICertificate {
    const cert = deployment.certificate;
    if (cert && 'arn' in cert) return Certificate.fromCertificateArn(this, 'PublicCertificate', cert.arn);
    // No hosted zone here: CloudFormation shows the CNAME to add and waits until ACM sees it.
    return new Certificate(this, 'PublicCertificate', {
      domainName: deployment.publicDomain,
      validation: CertificateValidation.fromDns(),
    });
  }
}
