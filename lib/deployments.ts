// Deployments: every real deployment of skillcert is a file in deployments/ (committed, reviewed), not a
// set of remembered CLI flags. A deployment names everything that must differ between two deployments of
// the same certification region (production and staging of Neijiang): its AWS partition and region, its
// public domain (the issuer DID and every URL signed into a credential), its certificate-number series,
// its identity provider, its signing-key generation and who receives its alarms. docs/deploy.md.
//
// The local cloud and the tests run *local demo* deployments of each certification region (demo domains
// under .example, a Cognito stand-in): buildApp({ region }) or `-c region=…`. Their templates carry a rule
// that makes CloudFormation refuse them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PROOF_SUITES, type ProofSuite } from '../functions/domain/credential.js';
import { type CertificationRegion, LOCAL_PORT_BASE, regionByCode, WEB_PORT_OFFSET } from './regions.js';

export const DEPLOYMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'deployments');

/** The user groups of skillcert; an OIDC provider's groups are mapped onto them. */
export const USER_GROUP_NAMES = ['candidates', 'assessors', 'admins'] as const;

/** The China regions AWS operates (Beijing, Ningxia); everything else is the `aws` partition here. */
export const CHINA_REGIONS = ['cn-north-1', 'cn-northwest-1'] as const;

/** Top-level domains and names reserved by RFC 2606 / RFC 6761 / RFC 6762: nobody can be reached there. */
const RESERVED_SUFFIXES = ['.example', '.test', '.invalid', '.localhost', '.local'];
const RESERVED_NAMES = ['example.com', 'example.net', 'example.org', 'localhost'];

export function isReservedDomain(domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return (
    RESERVED_SUFFIXES.some((s) => d.endsWith(s) || d === s.slice(1)) ||
    RESERVED_NAMES.some((n) => d === n || d.endsWith(`.${n}`))
  );
}

const hostname = z
  .string()
  .regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS name');

const cognitoIdentity = z.strictObject({
  kind: z.literal('cognito'),
  /** The hosted sign-in domain prefix: unique across every AWS account in the region. */
  domainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits, hyphens'),
  /** Send Cognito's mail through SES from this verified address (bulk enrolment needs more than Cognito's 50 a day). */
  email: z
    .strictObject({
      from: z.string().regex(/^[^@\s]+@[^@\s]+$/),
      /** The SES identity (a domain or the address) verified in this account, in `sesRegion`. */
      sesIdentity: z.string().min(3),
      sesRegion: z.string().optional(),
      replyTo: z.string().optional(),
    })
    .optional(),
});

const oidcIdentity = z.strictObject({
  kind: z.literal('oidc'),
  /** The OpenID Provider's issuer: `${issuer}/.well-known/openid-configuration` is its discovery document. */
  issuer: z.url({ protocol: /^https$/ }),
  /** Client ids the HTTP API accepts in `aud` (or `client_id` when a token has no `aud`). */
  audience: z.array(z.string().min(1)).min(1),
  /** The top-level claim that lists a person's groups or roles. */
  groupsClaim: z.string().min(1),
  /** Which provider group makes someone a candidate, an assessor, an admin. */
  groups: z.strictObject({ candidates: z.string(), assessors: z.string(), admins: z.string() }),
  /** The OAuth scope partner machine clients hold to ask for recognitions. */
  recognizeScope: z.string().min(1),
});

const certificate = z.union([
  z.strictObject({
    arn: z.string().regex(/^arn:aws(-cn)?:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/),
  }),
  /** The stack requests an ACM certificate validated by DNS: add the CNAME it shows, or creation waits. */
  z.strictObject({ request: z.literal('dns') }),
]);

/**
 * The web app's own certificate. CloudFront takes an ACM certificate from us-east-1 in the `aws`
 * partition; in the China regions CloudFront has no ACM integration and serves an IAM server certificate
 * (uploaded with `aws iam upload-server-certificate --path /cloudfront/`), docs/deploy.md.
 */
const webCertificate = z.union([
  z.strictObject({
    arn: z
      .string()
      .regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'an ACM certificate in us-east-1'),
  }),
  z.strictObject({
    iamServerCertificateId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'an IAM server certificate id'),
  }),
  // The name it was uploaded under (path /cloudfront/): known before the upload, unlike the id.
  z.strictObject({
    iamServerCertificateName: z
      .string()
      .regex(/^[\w+=,.@-]{1,128}$/, 'an IAM server certificate name (letters, digits and +=,.@_-)'),
  }),
]);

/** Where the web app is served: its own host name (e.g. app.<publicDomain>) and certificate. */
const webApp = z.strictObject({ domain: hostname, certificate: webCertificate });

const deploymentFile = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/, 'like neijiang-prod'),
  certificationRegion: z.string(),
  stage: z.enum(['production', 'staging', 'demo']),
  aws: z.strictObject({
    partition: z.enum(['aws', 'aws-cn']),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  }),
  publicDomain: hostname,
  certificate,
  /** Two capitals other than I and O: the series certificate numbers start with. */
  certificateNumberPrefix: z.string().regex(/^[A-HJ-NP-Z]{2}$/),
  identity: z.discriminatedUnion('kind', [cognitoIdentity, oidcIdentity]),
  web: webApp,
  /** Which signing keys are active (docs/keys.md). Required: a forgotten value must not mint a new key. */
  signingKeyGeneration: z.number().int().min(1),
  /**
   * The Data Integrity cryptosuite embedded in credentials. Absent: eddsa-rdfc-2022 in the aws partition,
   * ecdsa-rdfc-2019 in aws-cn, where KMS Ed25519 keys are not confirmed (docs/deploy.md, "Proof suite").
   */
  proofSuite: z.enum(PROOF_SUITES).optional(),
  alarmEmails: z.array(z.string().regex(/^[^@\s]+@[^@\s]+$/)).min(1),
  backup: z
    .strictObject({
      dailyRetentionDays: z.number().int().min(7),
      monthlyRetentionDays: z.number().int().min(90),
    })
    .default({ dailyRetentionDays: 35, monthlyRetentionDays: 3650 }),
});

export type DeploymentFile = z.input<typeof deploymentFile>;
export type CognitoIdentity = z.infer<typeof cognitoIdentity>;
export type OidcIdentity = z.infer<typeof oidcIdentity>;
export type IdentityProvider = CognitoIdentity | OidcIdentity;

/** A deployment as the stack uses it: validated, with its certification region resolved. */
export interface Deployment {
  /** neijiang-prod; for a local demo, the region code (neijiang). Names the stack and every physical name. */
  name: string;
  kind: 'aws' | 'local';
  stage: 'production' | 'staging' | 'demo' | 'local';
  region: CertificationRegion;
  /** Where it runs; undefined for a local demo (environment-agnostic template). */
  aws?: { partition: 'aws' | 'aws-cn'; region: string; account?: string };
  publicDomain: string;
  certificate?: { arn: string } | { request: 'dns' };
  certificateNumberPrefix: string;
  identity: IdentityProvider;
  /**
   * The web app: `origin` is the only origin the HTTP API answers CORS for and where sign-in returns
   * (webClientUrls). A deployment serves it from `domain` with `certificate`; a local demo from loopback.
   */
  web: WebApp;
  signingKeyGeneration: number;
  /** The Data Integrity cryptosuite of its credentials (docs/deploy.md, "Proof suite"). */
  proofSuite: ProofSuite;
  alarmEmails: string[];
  backup: { dailyRetentionDays: number; monthlyRetentionDays: number };
}

export interface WebApp {
  /** https://app.skillcert.neijiang.gov.cn, or http://127.0.0.1:4105 for the local demo of Neijiang. */
  origin: string;
  domain?: string;
  certificate?: { arn: string } | { iamServerCertificateId: string } | { iamServerCertificateName: string };
}

/** Where the identity provider sends people back to the web app: after sign-in, after sign-out. */
export const WEB_CALLBACK_PATH = '/callback';
export const WEB_SIGNED_OUT_PATH = '/';

/** The web client's registered redirect URIs (checked exactly, character for character, by the provider). */
export function webClientUrls(web: WebApp): { callbackUrls: string[]; logoutUrls: string[] } {
  return {
    callbackUrls: [`${web.origin}${WEB_CALLBACK_PATH}`],
    logoutUrls: [`${web.origin}${WEB_SIGNED_OUT_PATH}`],
  };
}

/** The local demo's web app origin: loopback, port base + 5 (Neijiang 4105). */
export function localWebOrigin(code: string, portBase = LOCAL_PORT_BASE[code] ?? 4100): string {
  return `http://127.0.0.1:${portBase + WEB_PORT_OFFSET}`;
}

/** The region as the functions see it: this deployment's public domain and number series. */
export function issuingRegion(deployment: Deployment): CertificationRegion {
  return {
    ...deployment.region,
    domain: deployment.publicDomain,
    numberPrefix: deployment.certificateNumberPrefix,
  };
}

export class DeploymentError extends Error {
  override name = 'DeploymentError';
}

/** Validates a deployment description; every refusal says which file and what to change. */
export function parseDeployment(input: unknown, source = 'deployment'): Deployment {
  const parsed = deploymentFile.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DeploymentError(`${source} is not a valid deployment:\n  ${issues.join('\n  ')}`);
  }
  const d = parsed.data;
  const refuse = (why: string) => {
    throw new DeploymentError(`${source} (${d.name}): ${why}`);
  };
  let region: CertificationRegion;
  try {
    region = regionByCode(d.certificationRegion);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (isReservedDomain(d.publicDomain)) {
    refuse(
      `publicDomain ${d.publicDomain} is a reserved name nobody can reach; it would be signed into every credential as the issuer (did:web:${d.publicDomain}). Use a domain the region controls.`,
    );
  }
  const china = (CHINA_REGIONS as readonly string[]).includes(d.aws.region);
  if (china !== (d.aws.partition === 'aws-cn')) {
    refuse(`AWS region ${d.aws.region} is not in partition ${d.aws.partition}`);
  }
  if (d.identity.kind === 'cognito' && d.aws.partition === 'aws-cn') {
    refuse(
      'Amazon Cognito user pools are not available in the China regions; use an OpenID Connect provider (identity.kind "oidc")',
    );
  }
  if (isReservedDomain(d.web.domain))
    refuse(`web.domain ${d.web.domain} is a reserved name nobody can reach`);
  if (d.web.domain === d.publicDomain) {
    refuse(
      `web.domain must differ from publicDomain ${d.publicDomain}: the public domain serves the API and the issuer's did.json (use e.g. app.${d.publicDomain})`,
    );
  }
  if ('arn' in d.web.certificate && d.aws.partition === 'aws-cn') {
    refuse(
      'web.certificate: CloudFront in the China regions cannot use ACM; give iamServerCertificateName (or iamServerCertificateId)',
    );
  }
  if ('arn' in d.certificate) {
    const [, partition, , certRegion, account] = d.certificate.arn.split(':');
    if (partition !== d.aws.partition || certRegion !== d.aws.region) {
      refuse(
        `certificate ${d.certificate.arn} must be in ${d.aws.partition} ${d.aws.region}: an HTTP API's regional custom domain uses a certificate of its own region`,
      );
    }
    if (d.aws.account && account !== d.aws.account) refuse(`certificate belongs to account ${account}`);
  }
  return {
    name: d.name,
    kind: 'aws',
    stage: d.stage,
    region,
    aws: {
      partition: d.aws.partition,
      region: d.aws.region,
      ...(d.aws.account ? { account: d.aws.account } : {}),
    },
    publicDomain: d.publicDomain,
    certificate: d.certificate,
    certificateNumberPrefix: d.certificateNumberPrefix,
    identity: d.identity,
    web: { origin: `https://${d.web.domain}`, domain: d.web.domain, certificate: d.web.certificate },
    signingKeyGeneration: d.signingKeyGeneration,
    proofSuite: d.proofSuite ?? defaultProofSuite(d.aws.partition),
    alarmEmails: d.alarmEmails,
    backup: d.backup,
  };
}

/**
 * eddsa-rdfc-2022 (an Ed25519 KMS key; what Open Badges 3.0 conformance checks) where KMS is known to offer
 * ECC_NIST_EDWARDS25519; ecdsa-rdfc-2019 with the ES256 key in AWS China, where that key spec could not be
 * confirmed. A deployment file may name either explicitly.
 */
export function defaultProofSuite(partition: 'aws' | 'aws-cn'): ProofSuite {
  return partition === 'aws-cn' ? 'ecdsa-rdfc-2019' : 'eddsa-rdfc-2022';
}

/** Names of the committed deployments (deployments/<name>.json). */
export function deploymentNames(dir = DEPLOYMENTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Reads and validates deployments/<name>.json; the file's `name` must be its file name. */
export function loadDeployment(name: string, dir = DEPLOYMENTS_DIR): Deployment {
  const known = deploymentNames(dir);
  if (!known.includes(name)) {
    throw new DeploymentError(`Unknown deployment '${name}' (committed: ${known.join(', ') || 'none'})`);
  }
  const file = join(dir, `${name}.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DeploymentError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const deployment = parseDeployment(json, file);
  if (deployment.name !== name) throw new DeploymentError(`${file} names itself '${deployment.name}'`);
  return deployment;
}

/**
 * The local demo of a certification region: what `npm start`, the demo and the tests run. Its domain is
 * the region's reserved demo domain and it is never deployed (the stack refuses AWS; docs/deploy.md).
 */
export function localDeployment(
  code: string,
  options: {
    signingKeyGeneration?: number;
    identity?: 'cognito' | 'oidc';
    alarmEmails?: string[];
    proofSuite?: ProofSuite;
    /** The web app's origin; loopback at the region's port base + 5 unless told (`npm start --port-base`). */
    webOrigin?: string;
  } = {},
): Deployment {
  const region = regionByCode(code);
  const identity: IdentityProvider =
    options.identity === 'oidc'
      ? {
          kind: 'oidc',
          // Stands for an outside provider; the local cloud's issuer takes its place (local/template.ts).
          issuer: `https://sso.${region.domain}/realms/skillcert`,
          audience: [`skillcert-${code}-web`, `skillcert-${code}-partners`],
          groupsClaim: 'groups',
          groups: { candidates: 'sc-candidates', assessors: 'sc-assessors', admins: 'sc-admins' },
          recognizeScope: 'skillcert/recognize',
        }
      : { kind: 'cognito', domainPrefix: `skillcert-${code}` };
  return {
    name: code,
    kind: 'local',
    stage: 'local',
    region,
    publicDomain: region.domain,
    certificateNumberPrefix: region.numberPrefix,
    identity,
    web: { origin: options.webOrigin ?? localWebOrigin(code) },
    signingKeyGeneration: options.signingKeyGeneration ?? 1,
    proofSuite: options.proofSuite ?? 'eddsa-rdfc-2022',
    alarmEmails: options.alarmEmails ?? [],
    backup: { dailyRetentionDays: 35, monthlyRetentionDays: 3650 },
  };
}
