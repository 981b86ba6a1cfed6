import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { SKILLCERT_CONTEXT_PATH, SKILLCERT_SCHEMA_PATH } from '../functions/domain/credential.js';
import { Api } from './constructs/api.js';
import { Certification } from './constructs/certification.js';
import { Data } from './constructs/data.js';
import { SkillcertFunction } from './constructs/function.js';
import { HolderIdentity } from './constructs/holder-identity.js';
import { Identity } from './constructs/identity.js';
import { Observability } from './constructs/observability.js';
import { Partners } from './constructs/partners.js';
import { Signing } from './constructs/signing.js';
import { NOTICE_RETRY } from './notice-retry.js';
import type { CertificationRegion } from './regions.js';

export interface SkillcertStackProps extends StackProps {
  certificationRegion: CertificationRegion;
  /** How long an assessor has before a review goes to someone else (default three days). */
  markingTimeout?: Duration;
  /** First wait before a revocation notice is sent again (default 30 s; doubles up to an hour). */
  noticeRetryInterval?: Duration;
  /** Retries of a notice's delivery round before it gives up (default lib/notice-retry.ts). */
  noticeMaxAttempts?: number;
  authDomainPrefix?: string;
  webCallbackUrls?: string[];
  /** Alarm notifications are e-mailed here when set. */
  alarmEmail?: string;
  /** The active signing key generation (default 1); raising it rotates the key (docs/keys.md). */
  signingKeyGeneration?: number;
}

/** One certification region's deployment: its data, keys, identities, API, functions and workflows. */
export class SkillcertStack extends Stack {
  readonly data: Data;
  readonly signing: Signing;
  readonly identity: Identity;
  readonly api: Api;
  readonly events: EventBus;
  readonly certification: Certification;
  readonly partners: Partners;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: SkillcertStackProps) {
    super(scope, id, props);
    const region = props.certificationRegion;
    const issuerDid = `did:web:${region.domain}`;

    this.data = new Data(this, 'Data');
    this.signing = new Signing(this, 'Signing', {
      regionCode: region.code,
      ...(props.signingKeyGeneration !== undefined ? { generation: props.signingKeyGeneration } : {}),
    });
    this.identity = new Identity(this, 'Identity', {
      regionCode: region.code,
      authDomainPrefix: props.authDomainPrefix ?? `skillcert-${region.code}`,
      webCallbackUrls: props.webCallbackUrls ?? [`https://${region.domain}/callback`],
    });
    this.api = new Api(this, 'Api', {
      userPool: this.identity.userPool,
      clients: [this.identity.webClient, this.identity.partnerClient],
    });
    this.events = new EventBus(this, 'Events', { description: `skillcert ${region.code} domain events` });

    // The key ledger lives in the table: the JWKS lists retired keys from it, and admins declare
    // compromises through it (docs/keys.md).
    const publicKeys = new SkillcertFunction(this, 'PublicKeys', {
      entry: 'public-keys',
      description: "Publishes the region's certificate signing keys as a JWKS and a did:web document",
      memorySize: 256,
      environment: {
        SIGNING_KEY_ID: this.signing.key.keyId,
        PROOF_KEY_ID: this.signing.proofKey.keyId,
        SIGNING_KEY_GENERATION: String(this.signing.generation),
        ISSUER_DID: issuerDid,
        TABLE_NAME: this.data.table.tableName,
      },
    })
      .grantPublicKeyRead(this.signing.key)
      .grantPublicKeyRead(this.signing.proofKey)
      .grantTableWrite(this.data.table);
    this.api.addRoute(HttpMethod.GET, '/.well-known/jwks.json', publicKeys.function, { kind: 'public' });
    this.api.addRoute(HttpMethod.GET, '/.well-known/did.json', publicKeys.function, { kind: 'public' });
    // The JSON-LD context and JSON schema every credential names (never-changing, versioned paths).
    this.api.addRoute(HttpMethod.GET, SKILLCERT_CONTEXT_PATH, publicKeys.function, { kind: 'public' });
    this.api.addRoute(HttpMethod.GET, SKILLCERT_SCHEMA_PATH, publicKeys.function, { kind: 'public' });
    this.api.addRoute(HttpMethod.GET, '/admin/signing-keys', publicKeys.function, { kind: 'user' });
    this.api.addRoute(HttpMethod.POST, '/admin/signing-keys/{thumbprint}/compromise', publicKeys.function, {
      kind: 'user',
    });

    const whoAmI = new SkillcertFunction(this, 'WhoAmI', {
      entry: 'who-am-i',
      description: 'Tells a signed-in caller who they are signed in as',
      memorySize: 256,
    });
    this.api.addRoute(HttpMethod.GET, '/me', whoAmI.function, { kind: 'user' });

    const holderIdentity = new HolderIdentity(this, 'HolderIdentity', { regionCode: region.code });
    this.certification = new Certification(this, 'Certification', {
      region,
      table: this.data.table,
      signingKey: this.signing.key,
      proofKey: this.signing.proofKey,
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
      proofKey: this.signing.proofKey,
      signingKeyGeneration: this.signing.generation,
      api: this.api,
      recognizeScope: this.identity.partnerScopes.recognize,
      noticeRetryInterval: props.noticeRetryInterval ?? Duration.seconds(NOTICE_RETRY.intervalSeconds),
      noticeMaxAttempts: props.noticeMaxAttempts ?? NOTICE_RETRY.maxAttempts,
    });

    // Last, so it sees every function and workflow above (and its key comes after the signing key).
    this.observability = new Observability(this, 'Observability', {
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    }).watch(this);
  }
}
