import { describe, expect, it } from 'vitest';
import {
  buildCredential,
  type CertificateFacts,
  CredentialError,
  certificateValidUntil,
  decide,
  formatCertificateNumber,
  identityHash,
  identityMacInput,
  identityMatches,
  isNationalId,
  jwtClaimMismatches,
  jwtClaimsOf,
  nationalIdCheckCharacter,
  nationalIdProblem,
  statusEntriesToCheck,
} from '../../../functions/domain/index.js';
import { EXAM, EXAM_LEVEL_2, LATHE } from './fixtures.js';

const ID = '11010519491231002X';
const SALT = 'salt-salt-salt-salt';
const HOLDER = 'urn:uuid:2f0b5a3e-7c1d-4e8f-9a6b-0c3d5e7f9a1b';

describe('resident identity numbers', () => {
  it.each([
    ['11010519491231002X', undefined],
    ['11010519491231002x', undefined],
    ['51100219900307123X', undefined],
    ['110105 19491231 002X', undefined],
    ['110105194912310021', /check character/],
    ['11010519491231002', /17 digits/],
    ['abcdefghijklmnopqr', /17 digits/],
    ['11010519490231002X', /date of birth/],
    ['11010518991231002X', /date of birth/],
    ['01010519491231002X', /region code/],
  ])('%s → %s', (id, problem) => {
    if (problem === undefined) {
      expect(nationalIdProblem(id)).toBe(undefined);
      expect(isNationalId(id)).toBe(true);
    } else {
      expect(nationalIdProblem(id)?.en).toMatch(problem);
      expect(nationalIdProblem(id)?.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(isNationalId(id)).toBe(false);
    }
  });

  it('computes the ISO 7064 MOD 11-2 check character, and catches every single-digit mistake', () => {
    expect(nationalIdCheckCharacter('11010519491231002')).toBe('X');
    for (const id of ['11010519491231002X', '51100219900307123X']) {
      for (let i = 0; i < 18; i++) {
        for (const ch of '0123456789X') {
          if (ch === id[i] || (i < 17 && ch === 'X')) continue;
          const typo = id.slice(0, i) + ch + id.slice(i + 1);
          expect(nationalIdProblem(typo), typo).toBeDefined();
        }
      }
    }
  });

  it('hashes with a salt, and the hash never contains the number', () => {
    const hash = identityHash('11010519491231002x', SALT);
    expect(hash).toMatch(/^sha256\$[0-9a-f]{64}$/);
    expect(hash).not.toContain('1101051949');
    expect(hash).toBe(identityHash(ID, SALT));
    expect(hash).not.toBe(identityHash(ID, 'other-salt-other-salt'));
    expect(hash).not.toBe(identityHash('51100219900307123X', SALT));
    expect(identityMatches(ID, SALT, hash)).toBe(true);
    expect(identityMatches('51100219900307123X', SALT, hash)).toBe(false);
    expect(identityMatches(ID, 'other-salt-other-salt', hash)).toBe(false);
  });

  it('gives the identity key only a valid, normalised ID', () => {
    expect(identityMacInput('11010519491231002x')).toBe(ID);
    expect(identityMacInput('110105 19491231 002X')).toBe(ID);
    expect(() => identityMacInput('110105194912310021')).toThrow(/check character/);
  });

  it.each([
    ['110105194912310021', SALT, /Not a valid resident identity number/],
    [ID, 'short', /at least 16/],
  ])('refuses to hash %s with salt %s', (id, salt, message) => {
    expect(() => identityHash(id, salt)).toThrow(message);
  });
});

describe('validity', () => {
  it.each([
    ['2026-11-24T10:00:00.000Z', 3, '2029-11-24T10:00:00.000Z'],
    ['2028-02-29T08:00:00.000Z', 1, '2029-02-28T08:00:00.000Z'],
    ['2028-02-29T08:00:00.000Z', 4, '2032-02-29T08:00:00.000Z'],
  ])('from %s for %d years ends %s', (from, years, until) => {
    expect(certificateValidUntil(new Date(from), years).toISOString()).toBe(until);
  });

  it('refuses zero or fractional years', () => {
    expect(() => certificateValidUntil(new Date(), 0)).toThrow(/at least 1/);
    expect(() => certificateValidUntil(new Date(), 1.5)).toThrow(/whole number/);
  });
});

describe('the certificate credential', () => {
  const decision = decide(EXAM.policy, { theory: 85, practical: 78.5 }, ['theory', 'practical']);
  const number = formatCertificateNumber({ regionPrefix: 'NJ', year: 2026, level: 4, serial: 1 });
  const facts: CertificateFacts = {
    number,
    issuer: {
      did: 'did:web:neijiang.skillcert.example',
      nameZh: '内江市职业技能鉴定中心',
      nameEn: 'Neijiang Skills Evaluation Centre',
      url: 'https://neijiang.skillcert.example',
    },
    holder: { id: HOLDER, name: '张伟' },
    occupation: LATHE,
    level: 4,
    examTitle: EXAM.title,
    decision,
    issuedAt: new Date('2026-11-24T10:00:00Z'),
    status: {
      listBaseUrl: 'https://neijiang.skillcert.example/status/neijiang/certificates-1',
      index: 90_317,
    },
  };
  const credential = buildCredential(facts);
  const achievementId = 'https://neijiang.skillcert.example/achievements/6-18-01-01/level-4';

  it('is a VC 2.0 OpenBadgeCredential issued by a did:web Profile', () => {
    expect(credential['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://neijiang.skillcert.example/contexts/skillcert-v1.jsonld',
    ]);
    expect(credential.credentialSchema).toEqual([
      {
        id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json',
        type: '1EdTechJsonSchemaValidator2019',
      },
      {
        id: 'https://neijiang.skillcert.example/schemas/skillcert-v1.json',
        type: '1EdTechJsonSchemaValidator2019',
      },
    ]);
    expect(credential.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(credential.id).toBe(`https://neijiang.skillcert.example/certificates/${number}`);
    expect(credential.issuer).toEqual({
      id: 'did:web:neijiang.skillcert.example',
      type: ['Profile'],
      name: '内江市职业技能鉴定中心 Neijiang Skills Evaluation Centre',
      url: 'https://neijiang.skillcert.example',
    });
    expect(credential.validFrom).toBe('2026-11-24T10:00:00.000Z');
    expect(credential).not.toHaveProperty('validUntil');
    expect(
      buildCredential({ ...facts, validUntil: certificateValidUntil(facts.issuedAt, 3) }).validUntil,
    ).toBe('2029-11-24T10:00:00.000Z');
  });

  it('describes the achievement: a certificate aligned to the occupation code and the level, in zh and en', () => {
    const { achievement } = credential.credentialSubject;
    expect(credential.credentialSubject.type).toEqual(['AchievementSubject']);
    expect(achievement).toMatchObject({
      id: achievementId,
      type: ['Achievement'],
      achievementType: 'Certificate',
      name: expect.stringMatching(/车工.*中级工.*Lathe operator.*intermediate worker/),
      description: expect.stringMatching(/6-18-01-01/),
      criteria: { narrative: expect.stringMatching(/pass policy 2026\.1/) },
      skillLevel: 4,
    });
    expect(achievement.alignment.map((a) => [a.targetType, a.targetCode])).toEqual([
      ['ext:NationalOccupationCode', '6-18-01-01'],
      ['ext:NationalSkillLevel', '4'],
    ]);
    expect(credential.name).toBe('车工 四级/中级工 / Lathe operator, Level 4, intermediate worker');
  });

  it('carries a result per component, each pointing at a result description in the achievement', () => {
    const { result, achievement } = credential.credentialSubject;
    expect(result).toEqual([
      { type: ['Result'], resultDescription: `${achievementId}#theory`, value: '85', status: 'Completed' },
      {
        type: ['Result'],
        resultDescription: `${achievementId}#practical`,
        value: '78.5',
        status: 'Completed',
      },
    ]);
    const ids = achievement.resultDescription.map((d) => d.id);
    expect(result.every((r) => ids.includes(r.resultDescription))).toBe(true);
    expect(achievement.resultDescription[0]).toEqual({
      id: `${achievementId}#theory`,
      type: ['ResultDescription'],
      name: 'Theory knowledge 理论知识',
      resultType: 'ScaledScore',
      valueMin: '0',
      valueMax: '100',
      requiredValue: '60',
    });
  });

  it('adds the review result at levels 2 and 1', () => {
    const level2 = buildCredential({
      ...facts,
      level: 2,
      examTitle: EXAM_LEVEL_2.title,
      decision: decide(EXAM_LEVEL_2.policy, { theory: 70, practical: 80, review: 90 }, [
        'theory',
        'practical',
        'review',
      ]),
    });
    expect(level2.credentialSubject.result.map((r) => r.resultDescription.split('#')[1])).toEqual([
      'theory',
      'practical',
      'review',
    ]);
  });

  it('records the certificate number and the policy version and hash it was decided under', () => {
    expect(credential.certificateNumber).toBe(number);
    expect(credential.passPolicy).toEqual({ version: '2026.1', hash: EXAM.policy.hash });
  });

  it('names the holder by a random holder id and nothing derived from the ID number', () => {
    expect(JSON.stringify(credential)).not.toMatch(
      /11010519491231002X|1101051949|sha256\$|salt|identityHash/i,
    );
    expect(credential.credentialSubject.id).toBe(HOLDER);
    expect(credential.credentialSubject.name).toBe('张伟');
    expect(credential.credentialSubject).not.toHaveProperty('identifier');
  });

  it('names one status entry, revocation; the suspension entry sits at the same index beside it', () => {
    const list = 'https://neijiang.skillcert.example/status/neijiang/certificates-1';
    expect(credential.credentialStatus).toEqual({
      id: `${list}/revocation#90317`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '90317',
      statusListCredential: `${list}/revocation`,
    });
    expect(statusEntriesToCheck(credential.credentialStatus).map((e) => e.statusListCredential)).toEqual([
      `${list}/revocation`,
      `${list}/suspension`,
    ]);
    expect(statusEntriesToCheck(credential.credentialStatus)[1]?.statusListIndex).toBe('90317');
  });

  it('reads the two-entry array of credentials issued before one status object, as it is', () => {
    const old = [
      {
        statusPurpose: 'revocation',
        statusListIndex: '7',
        statusListCredential: 'https://x.example/s/2026/revocation',
      },
      {
        statusPurpose: 'suspension',
        statusListIndex: '7',
        statusListCredential: 'https://x.example/s/2026/suspension',
      },
    ];
    expect(statusEntriesToCheck(old).map((e) => e.statusPurpose)).toEqual(['revocation', 'suspension']);
    expect(statusEntriesToCheck(undefined)).toEqual([]);
    expect(statusEntriesToCheck({ statusPurpose: 'revocation' })).toEqual([]);
  });

  it("has the JWT claims OB 3.0's JSON Web Token Proof Format asks for, and names each one that disagrees", () => {
    const expiring = buildCredential({ ...facts, validUntil: certificateValidUntil(facts.issuedAt, 3) });
    const claims = jwtClaimsOf(expiring);
    expect(claims).toEqual({
      iss: 'did:web:neijiang.skillcert.example',
      jti: `https://neijiang.skillcert.example/certificates/${number}`,
      nbf: Date.parse('2026-11-24T10:00:00Z') / 1000,
      sub: HOLDER,
      exp: Date.parse('2029-11-24T10:00:00Z') / 1000,
    });
    expect(jwtClaimsOf(credential)).not.toHaveProperty('exp');
    expect(jwtClaimMismatches({ ...expiring, ...claims })).toEqual([]);
    for (const [claim, value] of Object.entries({
      iss: 'did:web:other.example',
      jti: 'x',
      nbf: 1,
      sub: 'urn:uuid:x',
      exp: 2,
    })) {
      const problems = jwtClaimMismatches({ ...expiring, ...claims, [claim]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]?.en).toMatch(new RegExp(`claim ${claim} `));
      expect(problems[0]?.zh).toMatch(new RegExp(`声明 ${claim}（`));
    }
    expect(jwtClaimMismatches({ ...credential, ...jwtClaimsOf(credential), exp: 9 })[0]?.en).toMatch(
      /claim exp/,
    );
    expect(jwtClaimMismatches(expiring)).toHaveLength(5);
  });

  it.each<[string, Partial<CertificateFacts>, RegExp]>([
    [
      'a failed decision',
      { decision: decide(EXAM.policy, { theory: 50, practical: 80 }, ['theory', 'practical']) },
      /only a passing decision/,
    ],
    ['an ID number as the holder id', { holder: { id: ID, name: '张伟' } }, /random urn:uuid/],
    ['a hash as the holder id', { holder: { id: identityHash(ID, SALT), name: '张伟' } }, /random urn:uuid/],
    ['an issuer that is not a did:web', { issuer: { ...facts.issuer, did: 'did:key:z6Mk' } }, /did:web/],
    [
      'an issuer URL with a trailing slash',
      { issuer: { ...facts.issuer, url: 'https://x.example/' } },
      /trailing slash/,
    ],
    [
      'validity ending before issue',
      { validUntil: new Date('2026-01-01T00:00:00Z') },
      /validUntil must be after/,
    ],
    [
      'a negative status index',
      { status: { listBaseUrl: 'https://x.example/s', index: -1 } },
      /status list index/,
    ],
    ['no holder name', { holder: { id: HOLDER, name: ' ' } }, /holder's name/],
  ])('refuses %s', (_name, change, message) => {
    expect(() => buildCredential({ ...facts, ...change })).toThrow(CredentialError);
    expect(() => buildCredential({ ...facts, ...change })).toThrow(message);
  });
});
