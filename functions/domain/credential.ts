// The certificate as a W3C Verifiable Credential 2.0 that is also a 1EdTech Open Badges 3.0
// OpenBadgeCredential (unsigned: the Data Integrity proof and the JWS are added by the signing code). The
// holder is named by a random, stable holder id (urn:uuid) and their name; nothing in it is derived from
// their ID number (docs/credentials.md). Every term we add is defined in our own JSON-LD context
// (functions/contexts/skillcert-v1.json), listed after the OB 3.0 context, and described by our JSON schema.

import { addCalendarYears } from './calendar.js';
import { type Bilingual, DomainError } from './errors.js';
import type { Text } from './exams.js';
import { LEVEL_NAMES, type Level } from './levels.js';
import type { Occupation } from './occupations.js';
import { COMPONENT_NAMES, type Decision } from './policy.js';

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/**
 * Our context and schema, at never-changing versioned paths under each region's public URL (every region
 * serves the same bytes; a change is a new version beside the old). Both ship in the package too.
 */
/**
 * The Data Integrity cryptosuites a region may embed: eddsa-rdfc-2022 (Ed25519; what Open Badges 3.0's
 * conformance suite checks) by default, ecdsa-rdfc-2019 (P-256, the ES256 key) where KMS has no Ed25519
 * keys. A deployment names one (lib/deployments.ts, docs/deploy.md "Proof suite").
 */
export const PROOF_SUITES = ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'] as const;
export type ProofSuite = (typeof PROOF_SUITES)[number];

export const SKILLCERT_CONTEXT_PATH = '/contexts/skillcert-v1.jsonld';
export const SKILLCERT_SCHEMA_PATH = '/schemas/skillcert-v1.json';
/** 1EdTech's JSON schemas for the two OB 3.0 credential types we issue (their $id). */
export const OB_ACHIEVEMENT_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json';
export const OB_ENDORSEMENT_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential-jsonschema1.json';
const SCHEMA_VALIDATOR = '1EdTechJsonSchemaValidator2019';

/** Our context's URL at a region's public URL. */
export function skillcertContextUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${SKILLCERT_CONTEXT_PATH}`;
}

/** The contexts of every credential a region issues: VC 2.0, OB 3.0.3, then ours. */
export function credentialContexts(issuerUrl: string): string[] {
  return [VC_CONTEXT, OB_CONTEXT, skillcertContextUrl(issuerUrl)];
}

/** credentialSchema: 1EdTech's schema for the type, then ours for the terms we add. */
export function credentialSchemas(issuerUrl: string, obSchema: string) {
  return [
    { id: obSchema, type: SCHEMA_VALIDATOR },
    { id: `${issuerUrl}${SKILLCERT_SCHEMA_PATH}`, type: SCHEMA_VALIDATOR },
  ];
}

/** A holder id: random, stable per person, and meaningless outside the region (urn:uuid, RFC 9562 v4). */
export const HOLDER_ID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface Issuer {
  /** The region's did:web, e.g. did:web:neijiang.skillcert.example. */
  did: string;
  nameZh: string;
  nameEn: string;
  /** Base URL of the region's public site (verification page, status lists). */
  url: string;
}

export interface CertificateFacts {
  /** A number made by formatCertificateNumber. */
  number: string;
  issuer: Issuer;
  /** The holder's random holder id (HOLDER_ID) and name. */
  holder: { id: string; name: string };
  occupation: Occupation;
  level: Level;
  examTitle: Text;
  /** A passing decision: a failed attempt gets no certificate. */
  decision: Decision;
  issuedAt: Date;
  /** Open-ended when absent; see certificateValidUntil. */
  validUntil?: Date;
  /**
   * Where the certificate's status bits live (status-list.ts): the same index in the revocation list at
   * `${listBaseUrl}/revocation`, which the credential names, and in the suspension list published beside
   * it at `${listBaseUrl}/suspension`, which our verifiers also check (suspensionEntryOf).
   */
  status: { listBaseUrl: string; index: number };
}

export class CredentialError extends DomainError {
  override name = 'CredentialError';
}

/**
 * The end of validity for an exam whose certificates last `validityYears`: the same calendar day and
 * wall-clock time that many years later in the region's time zone, or 28 February when issued on
 * 29 February and the target year is not a leap year (a certificate issued at 01:30 on 29 February 2028
 * in Beijing ends at 01:30 on 28 February 2029 in Beijing, not on 1 March).
 */
export function certificateValidUntil(issuedAt: Date, validityYears: number, timeZone = 'UTC'): Date {
  if (!(Number.isInteger(validityYears) && validityYears > 0))
    throw new RangeError('Validity is a whole number of years, at least 1');
  return addCalendarYears(issuedAt, validityYears, timeZone);
}

function check(facts: CertificateFacts): void {
  const problems: string[] = [];
  if (!facts.decision.passed) problems.push('only a passing decision earns a certificate');
  if (!facts.number.trim()) problems.push('no certificate number');
  if (!/^did:web:[^\s]+$/.test(facts.issuer.did)) problems.push('the issuer must be a did:web');
  if (!/^https?:\/\/[^\s]+$/.test(facts.issuer.url) || facts.issuer.url.endsWith('/'))
    problems.push('the issuer URL must be http(s) without a trailing slash');
  if (!HOLDER_ID.test(facts.holder.id)) problems.push('the holder id must be a random urn:uuid');
  if (!facts.holder.name.trim()) problems.push("no holder's name");
  if (Number.isNaN(facts.issuedAt.getTime())) problems.push('no valid issue date');
  if (facts.validUntil && !(facts.validUntil.getTime() > facts.issuedAt.getTime()))
    problems.push('validUntil must be after the issue date');
  if (!(Number.isInteger(facts.status.index) && facts.status.index >= 0))
    problems.push('the status list index must be a whole number ≥ 0');
  if (problems.length > 0)
    throw new CredentialError({
      en: `Cannot build the certificate: ${problems.join('; ')}`,
      zh: `无法生成证书：${problems.join('；')}`,
    });
}

/**
 * A revocation is final; a suspension can be lifted. A credential names only its revocation entry (OB 3.0
 * allows one credentialStatus, and every verifier understands revocation); the suspension bit sits at the
 * same index in the list published beside it, which our own verifiers check too.
 */
export const STATUS_PURPOSES = ['revocation', 'suspension'] as const;
export type StatusPurpose = (typeof STATUS_PURPOSES)[number];

export function statusEntry(status: CertificateFacts['status'], purpose: StatusPurpose) {
  const list = `${status.listBaseUrl}/${purpose}`;
  return {
    id: `${list}#${status.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(status.index),
    statusListCredential: list,
  };
}

export type StatusEntry = ReturnType<typeof statusEntry>;

/** The list base URL (…/status/{region}/{list}) of an entry whose list ends in /<purpose>; else undefined. */
function listBaseOf(entry: { statusListCredential: string; statusPurpose: string }): string | undefined {
  const suffix = `/${entry.statusPurpose}`;
  return entry.statusListCredential.endsWith(suffix)
    ? entry.statusListCredential.slice(0, -suffix.length)
    : undefined;
}

/**
 * The entries a skillcert verifier checks for a credential's credentialStatus: the one it names and, for a
 * revocation entry of our list layout, the suspension entry at the same index beside it. Credentials issued
 * before there was one status object (an array of both) are read as they are.
 */
export function statusEntriesToCheck(credentialStatus: unknown): StatusEntry[] {
  const named = (Array.isArray(credentialStatus) ? credentialStatus : [credentialStatus]).filter(
    (e): e is StatusEntry =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as StatusEntry).statusListCredential === 'string' &&
      typeof (e as StatusEntry).statusPurpose === 'string' &&
      typeof (e as StatusEntry).statusListIndex === 'string',
  );
  const entries = [...named];
  for (const entry of named) {
    const base = entry.statusPurpose === 'revocation' ? listBaseOf(entry) : undefined;
    if (base && !named.some((e) => e.statusPurpose === 'suspension')) {
      entries.push(statusEntry({ listBaseUrl: base, index: Number(entry.statusListIndex) }, 'suspension'));
    }
  }
  return entries;
}

export function buildCredential(facts: CertificateFacts) {
  check(facts);
  const { issuer, occupation, level, decision } = facts;
  const achievementId = `${issuer.url}/achievements/${occupation.code}/level-${level}`;
  const levelName = LEVEL_NAMES[level];
  const examName = facts.examTitle.en ? `${facts.examTitle.zh} / ${facts.examTitle.en}` : facts.examTitle.zh;
  return {
    '@context': credentialContexts(issuer.url),
    id: `${issuer.url}/certificates/${facts.number}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: `${occupation.nameZh} ${levelName.zh} / ${occupation.nameEn}, ${levelName.en}`,
    issuer: {
      id: issuer.did,
      type: ['Profile'],
      name: `${issuer.nameZh} ${issuer.nameEn}`,
      url: issuer.url,
    },
    validFrom: facts.issuedAt.toISOString(),
    ...(facts.validUntil ? { validUntil: facts.validUntil.toISOString() } : {}),
    credentialSubject: {
      id: facts.holder.id,
      type: ['AchievementSubject'],
      name: facts.holder.name,
      achievement: {
        id: achievementId,
        type: ['Achievement'],
        achievementType: 'Certificate',
        name: `${occupation.nameZh}（${levelName.zh}） ${occupation.nameEn} — ${levelName.en}`,
        description: `职业技能等级证书：${occupation.nameZh}（${occupation.code}）${levelName.zh}。 Vocational skill level certificate: ${occupation.nameEn} (${occupation.code}), ${levelName.en}.`,
        criteria: {
          narrative: `Passed ${examName} under pass policy ${decision.policy.version}: every component at or above its pass mark${decision.total !== undefined ? ' and the weighted total at or above its pass mark' : ''}.`,
        },
        // The occupation first: verifiers read alignment[0] as the national occupation code.
        alignment: [
          {
            type: ['Alignment'],
            targetName: `${occupation.nameZh} ${occupation.nameEn}`,
            targetCode: occupation.code,
            targetFramework: '中华人民共和国职业分类大典 (National Occupational Classification of China)',
            targetType: 'ext:NationalOccupationCode',
            targetUrl: `${issuer.url}/occupations/${occupation.code}`,
          },
          {
            type: ['Alignment'],
            targetName: `${levelName.zh} ${levelName.en}`,
            targetCode: String(level),
            targetFramework:
              '国家职业技能等级 (National vocational skill levels, 5 = junior worker … 1 = senior technician)',
            targetType: 'ext:NationalSkillLevel',
            targetUrl: `${issuer.url}/levels/${level}`,
          },
        ],
        resultDescription: decision.results.map((r) => ({
          id: `${achievementId}#${r.component}`,
          type: ['ResultDescription'],
          name: `${COMPONENT_NAMES[r.component].en} ${COMPONENT_NAMES[r.component].zh}`,
          resultType: 'ScaledScore',
          valueMin: '0',
          valueMax: '100',
          requiredValue: String(r.passMark),
        })),
        skillLevel: level,
      },
      result: decision.results.map((r) => ({
        type: ['Result'],
        resultDescription: `${achievementId}#${r.component}`,
        value: String(r.score),
        status: r.passed ? 'Completed' : 'Failed',
      })),
    },
    certificateNumber: facts.number,
    passPolicy: { version: decision.policy.version, hash: decision.policy.hash },
    credentialSchema: credentialSchemas(issuer.url, OB_ACHIEVEMENT_SCHEMA),
    credentialStatus: statusEntry(facts.status, 'revocation'),
  };
}

export type Credential = ReturnType<typeof buildCredential>;

/** What the JWT claims are computed from: any VC 2.0 credential. */
export interface CredentialClaimSource {
  id?: unknown;
  issuer?: unknown;
  validFrom?: unknown;
  validUntil?: unknown;
  credentialSubject?: unknown;
}

const seconds = (iso: unknown) =>
  typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? Math.floor(Date.parse(iso) / 1000) : undefined;

/**
 * The claims OB 3.0's JSON Web Token Proof Format requires beside the credential: iss = issuer.id,
 * jti = id, nbf = validFrom, sub = credentialSubject.id, and exp = validUntil when there is one.
 */
export function jwtClaimsOf(credential: CredentialClaimSource): Record<string, string | number> {
  const issuer =
    typeof credential.issuer === 'string' ? credential.issuer : (credential.issuer as { id?: unknown })?.id;
  const subject = (credential.credentialSubject as { id?: unknown } | undefined)?.id;
  const claims: Record<string, string | number | undefined> = {
    iss: typeof issuer === 'string' ? issuer : undefined,
    jti: typeof credential.id === 'string' ? credential.id : undefined,
    nbf: seconds(credential.validFrom),
    sub: typeof subject === 'string' ? subject : undefined,
    exp: seconds(credential.validUntil),
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number
  >;
}

/** Each claim of a JWT payload that disagrees with the credential it carries, in words; [] when all agree. */
export function jwtClaimMismatches(payload: Record<string, unknown>): Bilingual[] {
  const expected = jwtClaimsOf(payload);
  const problems: Bilingual[] = [];
  for (const claim of ['iss', 'jti', 'nbf', 'sub', 'exp'] as const) {
    if (payload[claim] !== expected[claim]) {
      const found = payload[claim] === undefined ? undefined : JSON.stringify(payload[claim]);
      const wanted = expected[claim] === undefined ? undefined : JSON.stringify(expected[claim]);
      problems.push({
        en: `The JWT claim ${claim} (${found ?? 'missing'}) does not match the credential (${wanted ?? 'none'})`,
        zh: `JWT 声明 ${claim}（${found ?? '缺失'}）与凭证内容（${wanted ?? '无'}）不符`,
      });
    }
  }
  return problems;
}
