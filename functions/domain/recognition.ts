// Mutual recognition between certification regions: the trust registry's partner regions, the
// agreements that say which certificates a region recognises, the endorsement a region signs when it
// recognises one, and the notice a region sends its partners when it revokes a certificate.
import { createHash } from 'node:crypto';
import {
  credentialContexts,
  credentialSchemas,
  type Issuer,
  OB_ENDORSEMENT_SCHEMA,
  statusEntry,
} from './credential.js';
import { isLevel, type Level } from './levels.js';
import { DEPLOYED_POLICY, type PartnerUrlPolicy, partnerUrlProblem } from './partner-urls.js';

export interface PartnerRegion {
  /** Region code, e.g. zigong. */
  code: string;
  nameZh: string;
  nameEn: string;
  /** The region's issuer DID (did:web), which its certificates name. */
  did: string;
  /** The base URL its credentials name (status lists, certificate ids). */
  publicUrl: string;
  /** Where its public API answers; the same as publicUrl in AWS, a local port on the local cloud. */
  apiUrl: string;
  /** Its published key set. */
  jwksUrl: string;
  /** Where it wants revocation notices; none means it is not told. */
  webhookUrl?: string;
  status: 'active' | 'suspended';
}

export type AgreementStatus = 'active' | 'suspended' | 'terminated';

export interface Agreement {
  id: string;
  /** This region and the partner region, by code. */
  parties: [string, string];
  /** Occupation codes in scope (national occupation codes, e.g. 6-18-01-01). */
  occupationCodes: string[];
  levels: Level[];
  validFrom: string;
  validUntil: string;
  status: AgreementStatus;
}

const DID_WEB = /^did:web:[a-z0-9.%-]+$/;
const HTTP_URL = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;

/**
 * What is wrong with a partner entry. Its URLs are fetched later by this region, so each must be https
 * and name no loopback, private or link-local host (server-side request forgery, docs/security.md);
 * the local cloud's policy alone allows its own loopback host.
 */
export function partnerProblems(
  partner: PartnerRegion,
  ownCode: string,
  policy: PartnerUrlPolicy = DEPLOYED_POLICY,
): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{1,31}$/.test(partner.code))
    problems.push('code must be lower-case letters and digits');
  if (partner.code === ownCode) problems.push('a region is not its own partner');
  if (!partner.nameZh.trim() || !partner.nameEn.trim()) problems.push('both names (zh and en) are needed');
  if (!DID_WEB.test(partner.did)) problems.push('did must be a did:web');
  for (const field of ['publicUrl', 'apiUrl', 'jwksUrl', 'webhookUrl'] as const) {
    const value = partner[field];
    if (value === undefined) continue;
    if (!HTTP_URL.test(value) || value.endsWith('/')) {
      problems.push(`${field} must be an http(s) URL without a trailing slash`);
      continue;
    }
    const problem = partnerUrlProblem(value, policy);
    if (problem) problems.push(`${field} ${problem}`);
  }
  return problems;
}

export function agreementProblems(agreement: Agreement, ownCode: string): string[] {
  const problems: string[] = [];
  const [a, b] = agreement.parties;
  if (a === b) problems.push('an agreement needs two different regions');
  if (!agreement.parties.includes(ownCode)) problems.push(`this region (${ownCode}) must be a party`);
  if (agreement.occupationCodes.length === 0) problems.push('name at least one occupation code');
  if (agreement.occupationCodes.some((c) => !/^\d-\d{2}-\d{2}-\d{2}$/.test(c)))
    problems.push('occupation codes look like 6-18-01-01');
  if (agreement.levels.length === 0 || !agreement.levels.every(isLevel))
    problems.push('levels are 1 to 5, at least one');
  const from = Date.parse(agreement.validFrom);
  const until = Date.parse(agreement.validUntil);
  if (Number.isNaN(from) || Number.isNaN(until)) problems.push('validFrom and validUntil must be dates');
  else if (!(from < until)) problems.push('validFrom must be before validUntil');
  return problems;
}

export type ScopeRule =
  | 'no-agreement'
  | 'agreement-not-active'
  | 'agreement-not-yet-in-force'
  | 'agreement-expired'
  | 'occupation-out-of-scope'
  | 'level-out-of-scope';

export type ScopeDecision =
  | { recognised: true; agreement: Agreement }
  | { recognised: false; rule: ScopeRule; reason: string; reasonZh: string; agreementId?: string };

/** How far an agreement got before refusing: the refusal of the closest agreement is the one reported. */
const RULE_ORDER: ScopeRule[] = [
  'no-agreement',
  'agreement-not-active',
  'agreement-not-yet-in-force',
  'agreement-expired',
  'occupation-out-of-scope',
  'level-out-of-scope',
];

/**
 * Applies the agreements between this region and the certificate's issuing region to a certificate:
 * recognised under the first agreement whose status, dates, occupations and levels all admit it;
 * otherwise refused by the rule of the agreement that came closest.
 */
export function applyAgreements(
  agreements: Agreement[],
  certificate: { issuerRegion: string; occupationCode: string; level: number },
  ownCode: string,
  now: Date,
): ScopeDecision {
  let best: Extract<ScopeDecision, { recognised: false }> = {
    recognised: false,
    rule: 'no-agreement',
    reason: `${ownCode} has no agreement with ${certificate.issuerRegion}`,
    reasonZh: `${ownCode} 与 ${certificate.issuerRegion} 之间没有互认协议`,
  };
  // Both parties named: an agreement of this region with another never admits this region's own certificates.
  const between = agreements.filter(
    ({ parties: [a, b] }) =>
      (a === ownCode && b === certificate.issuerRegion) || (b === ownCode && a === certificate.issuerRegion),
  );
  for (const agreement of between) {
    const refusal = refusalOf(agreement, certificate, now);
    if (!refusal) return { recognised: true, agreement };
    if (RULE_ORDER.indexOf(refusal.rule) > RULE_ORDER.indexOf(best.rule)) best = refusal;
  }
  return best;
}

const AGREEMENT_STATUS_ZH: Record<string, string> = { suspended: '已暂停', terminated: '已终止' };

function refusalOf(
  agreement: Agreement,
  certificate: { occupationCode: string; level: number },
  now: Date,
): Extract<ScopeDecision, { recognised: false }> | undefined {
  const refuse = (rule: ScopeRule, reason: string, reasonZh: string) =>
    ({ recognised: false, rule, reason, reasonZh, agreementId: agreement.id }) as const;
  if (agreement.status !== 'active')
    return refuse(
      'agreement-not-active',
      `Agreement ${agreement.id} is ${agreement.status}`,
      `协议 ${agreement.id} ${AGREEMENT_STATUS_ZH[agreement.status] ?? agreement.status}`,
    );
  if (now < new Date(agreement.validFrom))
    return refuse(
      'agreement-not-yet-in-force',
      `Agreement ${agreement.id} is in force from ${agreement.validFrom}`,
      `协议 ${agreement.id} 自 ${agreement.validFrom} 起生效`,
    );
  if (now > new Date(agreement.validUntil))
    return refuse(
      'agreement-expired',
      `Agreement ${agreement.id} expired on ${agreement.validUntil}`,
      `协议 ${agreement.id} 已于 ${agreement.validUntil} 到期`,
    );
  if (!agreement.occupationCodes.includes(certificate.occupationCode))
    return refuse(
      'occupation-out-of-scope',
      `Agreement ${agreement.id} covers occupations ${agreement.occupationCodes.join(', ')}, not ${certificate.occupationCode}`,
      `协议 ${agreement.id} 涵盖的职业为 ${agreement.occupationCodes.join('、')}，不含 ${certificate.occupationCode}`,
    );
  if (!agreement.levels.includes(certificate.level as Level))
    return refuse(
      'level-out-of-scope',
      `Agreement ${agreement.id} covers levels ${agreement.levels.join(', ')}, not ${certificate.level}`,
      `协议 ${agreement.id} 涵盖的等级为 ${agreement.levels.join('、')}，不含 ${certificate.level} 级`,
    );
  return undefined;
}

/** One recognition per certificate per recognising region: the id is derived, so asking twice finds it. */
export function recognitionId(recognisingRegion: string, certificateId: string): string {
  return createHash('sha256')
    .update(`${recognisingRegion}\n${certificateId}`)
    .digest('base64url')
    .slice(0, 22);
}

export interface EndorsementFacts {
  recognitionId: string;
  /** The recognising region as issuer of the endorsement. */
  endorser: Issuer;
  certificate: {
    /** The certificate credential's id (its URL at the issuing region). */
    id: string;
    number: string;
    issuerDid: string;
    issuerName: string;
    achievement: string;
    occupationCode: string;
    level: number;
    validUntil?: string;
  };
  agreement: Agreement;
  issuedAt: Date;
  status: { listBaseUrl: string; index: number };
}

/**
 * The Open Badges 3.0 EndorsementCredential the recognising region signs. It ends when the certificate
 * or the agreement does, whichever is first; its own revocation bit is set when the recognition is voided.
 */
export function buildEndorsement(facts: EndorsementFacts) {
  const { endorser, certificate, agreement } = facts;
  const ends = [certificate.validUntil, agreement.validUntil]
    .filter((d): d is string => d !== undefined)
    .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  return {
    '@context': credentialContexts(endorser.url),
    id: `${endorser.url}/recognitions/${facts.recognitionId}`,
    type: ['VerifiableCredential', 'EndorsementCredential'],
    name: `${endorser.nameZh}认可 ${certificate.number} / Recognised by ${endorser.nameEn}`,
    issuer: {
      id: endorser.did,
      type: ['Profile'],
      name: `${endorser.nameZh} ${endorser.nameEn}`,
      url: endorser.url,
    },
    validFrom: facts.issuedAt.toISOString(),
    ...(ends ? { validUntil: new Date(ends).toISOString() } : {}),
    credentialSubject: {
      id: certificate.id,
      type: ['EndorsementSubject'],
      endorsementComment: `${endorser.nameZh}依据互认协议 ${agreement.id} 认可${certificate.issuerName}颁发的证书 ${certificate.number}（${certificate.achievement}）。 ${endorser.nameEn} recognises certificate ${certificate.number} issued by ${certificate.issuerName} under agreement ${agreement.id}.`,
    },
    recognition: {
      agreement: agreement.id,
      certificateNumber: certificate.number,
      certificateIssuer: certificate.issuerDid,
      occupationCode: certificate.occupationCode,
      skillLevel: certificate.level,
    },
    credentialSchema: credentialSchemas(endorser.url, OB_ENDORSEMENT_SCHEMA),
    credentialStatus: statusEntry(facts.status, 'revocation'),
  };
}

export interface RevocationNotice {
  /** The notice's own id: a partner that hears it twice acts once. */
  jti: string;
  type: 'CertificateRevocationNotice';
  iss: string;
  aud: string;
  iat: number;
  certificate: { id: string; number: string };
  revokedAt: string;
  reason: string;
}

export function revocationNotice(input: {
  noticeId: string;
  issuerDid: string;
  partnerDid: string;
  certificate: { id: string; number: string };
  revokedAt: Date;
  reason: string;
}): RevocationNotice {
  return {
    jti: input.noticeId,
    type: 'CertificateRevocationNotice',
    iss: input.issuerDid,
    aud: input.partnerDid,
    iat: Math.floor(input.revokedAt.getTime() / 1000),
    certificate: input.certificate,
    revokedAt: input.revokedAt.toISOString(),
    reason: input.reason,
  };
}

export function isRevocationNotice(value: unknown): value is RevocationNotice {
  const v = value as Partial<RevocationNotice> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.type === 'CertificateRevocationNotice' &&
    typeof v.jti === 'string' &&
    typeof v.iss === 'string' &&
    typeof v.aud === 'string' &&
    typeof v.iat === 'number' &&
    typeof v.revokedAt === 'string' &&
    typeof v.reason === 'string' &&
    typeof v.certificate?.id === 'string' &&
    typeof v.certificate.number === 'string'
  );
}

/** A partner is known by its DID, which every credential it signs names as issuer. */
export function partnerByDid(partners: PartnerRegion[], did: string): PartnerRegion | undefined {
  return partners.find((p) => p.did === did);
}
