// The certificate as a W3C Verifiable Credential 2.0 that is also a 1EdTech Open Badges 3.0
// OpenBadgeCredential. The holder is identified by a salted hash of their ID number, never the number.
import type { Text } from './exams.js';
import { LEVEL_NAMES, type Level } from './levels.js';
import type { Occupation } from './occupations.js';
import type { Component, Decision } from './policy.js';

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

export interface Issuer {
  did: string;
  nameZh: string;
  nameEn: string;
  /** Base URL of the region's public site (verification page, status lists). */
  url: string;
}

export interface CertificateFacts {
  number: string;
  issuer: Issuer;
  holder: { name: string; identityHash: string; salt: string };
  occupation: Occupation;
  level: Level;
  examTitle: Text;
  decision: Decision;
  issuedAt: Date;
  validUntil?: Date;
  status: { listUrl: string; index: number };
}

const COMPONENT_NAMES: Record<Component, string> = {
  theory: 'Theory knowledge 理论知识',
  practical: 'Practical skills 操作技能',
  review: 'Comprehensive review 综合评审',
};

export function buildCredential(facts: CertificateFacts) {
  const { issuer, occupation, level, decision } = facts;
  const achievementId = `${issuer.url}/achievements/${occupation.code}/level-${level}`;
  const levelName = LEVEL_NAMES[level];
  return {
    '@context': [VC_CONTEXT, OB_CONTEXT],
    id: `${issuer.url}/certificates/${facts.number}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: `${occupation.nameZh} ${levelName.zh} / ${occupation.nameEn}, ${levelName.en}`,
    issuer: { id: issuer.did, type: ['Profile'], name: `${issuer.nameZh} ${issuer.nameEn}`, url: issuer.url },
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
        description: `Vocational skill level certificate: ${occupation.nameEn} (${occupation.code}), ${levelName.en}.`,
        criteria: {
          narrative: `Passed ${facts.examTitle.en ?? facts.examTitle.zh} under pass policy ${decision.policy.version}: every component at or above its pass mark.`,
        },
        alignment: [
          {
            type: ['Alignment'],
            targetName: `${occupation.nameZh} ${occupation.nameEn}`,
            targetCode: occupation.code,
            targetFramework: '中华人民共和国职业分类大典 (National Occupational Classification of China)',
            targetType: 'ext:NationalOccupationCode',
            targetUrl: `${issuer.url}/occupations/${occupation.code}`,
          },
        ],
        resultDescription: decision.results.map((r) => ({
          id: `${achievementId}#${r.component}`,
          type: ['ResultDescription'],
          name: COMPONENT_NAMES[r.component],
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
    credentialStatus: {
      id: `${facts.status.listUrl}#${facts.status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(facts.status.index),
      statusListCredential: facts.status.listUrl,
    },
  };
}

export type Credential = ReturnType<typeof buildCredential>;
