// The certificate as a W3C Verifiable Credential 2.0 that is also a 1EdTech Open Badges 3.0
// OpenBadgeCredential (unsigned; the JWS is made by the signing adapter). The holder is identified by a
// salted hash of their ID number, never the number. Extension terms carry the `skillcert:` prefix; the VC
// 2.0 context's @vocab maps any term the contexts do not define, so the document stays valid JSON-LD.
import { addCalendarYears } from './calendar.js';
import type { Text } from './exams.js';
import { LEVEL_NAMES, type Level } from './levels.js';
import type { Occupation } from './occupations.js';
import { COMPONENT_NAMES, type Decision } from './policy.js';

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

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
  /** identityHash from national-id.ts (`sha256$<hex>`) and the salt it was made with. */
  holder: { name: string; identityHash: string; salt: string };
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
   * `${listBaseUrl}/revocation` and the suspension list at `${listBaseUrl}/suspension`.
   */
  status: { listBaseUrl: string; index: number };
}

export class CredentialError extends Error {
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
  if (!/^sha256\$[0-9a-f]{64}$/.test(facts.holder.identityHash))
    problems.push('the holder identity must be a sha256$<hex> hash, never an ID number');
  if (!facts.holder.salt) problems.push('the identity hash needs its salt');
  if (!facts.holder.name.trim()) problems.push("no holder's name");
  if (Number.isNaN(facts.issuedAt.getTime())) problems.push('no valid issue date');
  if (facts.validUntil && !(facts.validUntil.getTime() > facts.issuedAt.getTime()))
    problems.push('validUntil must be after the issue date');
  if (!(Number.isInteger(facts.status.index) && facts.status.index >= 0))
    problems.push('the status list index must be a whole number ≥ 0');
  if (problems.length > 0) throw new CredentialError(`Cannot build the certificate: ${problems.join('; ')}`);
}

/** A revocation is final; a suspension can be lifted. Verifiers check both. */
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

export function buildCredential(facts: CertificateFacts) {
  check(facts);
  const { issuer, occupation, level, decision } = facts;
  const achievementId = `${issuer.url}/achievements/${occupation.code}/level-${level}`;
  const levelName = LEVEL_NAMES[level];
  const examName = facts.examTitle.en ? `${facts.examTitle.zh} / ${facts.examTitle.en}` : facts.examTitle.zh;
  return {
    '@context': [VC_CONTEXT, OB_CONTEXT],
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
      type: ['AchievementSubject'],
      identifier: [
        {
          type: 'IdentityObject',
          identityType: 'nationalIdentityNumber',
          hashed: true,
          identityHash: facts.holder.identityHash,
          salt: facts.holder.salt,
        },
      ],
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
        'skillcert:level': level,
      },
      result: decision.results.map((r) => ({
        type: ['Result'],
        resultDescription: `${achievementId}#${r.component}`,
        value: String(r.score),
        status: r.passed ? 'Completed' : 'Failed',
      })),
    },
    'skillcert:certificateNumber': facts.number,
    'skillcert:passPolicy': { version: decision.policy.version, hash: decision.policy.hash },
    credentialStatus: STATUS_PURPOSES.map((purpose) => statusEntry(facts.status, purpose)),
  };
}

export type Credential = ReturnType<typeof buildCredential>;
