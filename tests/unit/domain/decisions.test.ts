import { describe, expect, it } from 'vitest';
import {
  assignAssessors,
  buildCredential,
  combineMarks,
  conflictOfInterest,
  contentHash,
  decide,
  eligibility,
  identityHash,
  isNationalId,
  MarkError,
  passPolicy,
  scoreMark,
} from '../../../functions/domain/index.js';
import { EXAM, LATHE } from './fixtures.js';

describe('pass policy', () => {
  it('defaults every component to 60 and is content-hashed independently of key order', () => {
    const a = passPolicy({ version: '2026.1' });
    expect(a.passMarks).toEqual({ theory: 60, practical: 60, review: 60 });
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(passPolicy({ version: '2026.1', passMarks: { review: 60, theory: 60 } }).hash).toBe(a.hash);
    expect(passPolicy({ version: '2026.1', passMarks: { theory: 61 } }).hash).not.toBe(a.hash);
    expect(contentHash({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(contentHash({ a: [1, { c: 3, d: 2 }], b: 1 }));
  });

  it.each([
    [{ theory: 80, practical: 59 }, false, ['practical 59 is below the pass mark 60']],
    [{ theory: 60, practical: 60 }, true, []],
    [{ theory: 59.9, practical: 100 }, false, ['theory 59.9 is below the pass mark 60']],
  ])('decides %j → passed %s', (scores, passed, reasons) => {
    const decision = decide(EXAM.policy, scores, ['theory', 'practical']);
    expect(decision).toMatchObject({
      passed,
      reasons,
      policy: { version: '2026.1', hash: EXAM.policy.hash },
    });
  });

  it('applies a weighted total when the policy has one', () => {
    const policy = passPolicy({ version: 'w', weights: { theory: 1, practical: 3 }, totalPassMark: 70 });
    expect(decide(policy, { theory: 62, practical: 72 }, ['theory', 'practical'])).toMatchObject({
      passed: false,
      total: 69.5,
      reasons: ['weighted total 69.5 is below 70'],
    });
  });

  it('refuses to decide without every required score', () => {
    expect(() => decide(EXAM.policy, { theory: 90 }, ['theory', 'practical'])).toThrow(
      /No valid practical score/,
    );
  });
});

describe('eligibility', () => {
  const exam = { occupationCode: LATHE.code, level: 4 as const };
  it.each([
    ['level 5 is open', { ...exam, level: 5 as const }, { certificates: [], yearsOfWork: {} }, true],
    [
      'a level 5 certificate in the occupation',
      exam,
      {
        certificates: [{ occupationCode: LATHE.code, level: 5 as const, status: 'active' as const }],
        yearsOfWork: {},
      },
      true,
    ],
    [
      'a revoked certificate does not count',
      exam,
      {
        certificates: [{ occupationCode: LATHE.code, level: 5 as const, status: 'revoked' as const }],
        yearsOfWork: {},
      },
      false,
    ],
    [
      'a certificate in another occupation does not count',
      exam,
      {
        certificates: [{ occupationCode: '6-18-01-02', level: 5 as const, status: 'active' as const }],
        yearsOfWork: {},
      },
      false,
    ],
    ['enough years of work', exam, { certificates: [], yearsOfWork: { [LATHE.code]: 5 } }, true],
    ['too few years of work', exam, { certificates: [], yearsOfWork: { [LATHE.code]: 4 } }, false],
    [
      'the exam sets its own years',
      { ...exam, yearsOfWorkInstead: 3 },
      { certificates: [], yearsOfWork: { [LATHE.code]: 3 } },
      true,
    ],
  ])('%s', (_name, e, candidate, eligible) => {
    expect(eligibility(e, candidate).eligible).toBe(eligible);
  });

  it('says why it refuses', () => {
    expect(eligibility(exam, { certificates: [], yearsOfWork: { [LATHE.code]: 2 } })).toEqual({
      eligible: false,
      reason:
        'Level 4 needs an active level 5 certificate in 6-18-01-01 or 5 years of work in it (you have 2)',
    });
  });
});

describe('marking', () => {
  const full = [
    { criterionId: 'dimensions', points: 36 },
    { criterionId: 'finish', points: 24.5, comment: 'Ra 3.2 reached' },
    { criterionId: 'safety', points: 30 },
  ];
  it('scores a mark against the rubric', () => {
    expect(scoreMark(EXAM.rubric, { assessorId: 'a', criteria: full })).toBe(90.5);
  });

  it.each([
    ['above a maximum', [{ criterionId: 'dimensions', points: 41 }, ...full.slice(1)], /between 0 and 40/],
    ['not in half points', [{ criterionId: 'dimensions', points: 10.3 }, ...full.slice(1)], /half points/],
    ['a criterion missing', full.slice(1), /Criteria not marked: dimensions/],
    ['a criterion twice', [...full, full[0]], /marked twice/],
    ['an unknown criterion', [...full, { criterionId: 'speed', points: 1 }], /not in the rubric/],
  ])('refuses a mark %s', (_name, criteria, message) => {
    expect(() => scoreMark(EXAM.rubric, { assessorId: 'a', criteria: criteria as never })).toThrow(MarkError);
    expect(() => scoreMark(EXAM.rubric, { assessorId: 'a', criteria: criteria as never })).toThrow(message);
  });

  it.each([
    [70, 80, { status: 'agreed', score: 75 }],
    [70, 80.5, { status: 'needs-moderation', difference: 10.5 }],
    [91, 85.5, { status: 'agreed', score: 88.3 }],
  ])('combines %d and %d', (a, b, outcome) => {
    expect(combineMarks(a, b)).toMatchObject(outcome);
  });
});

describe('assessor assignment', () => {
  const candidate = { id: 'c1', employer: '内江机械厂', trainingOrg: '内江职业技术学院' };
  const pool = [
    { id: 'c1', employer: 'x', trainingOrg: 'y', senior: true, openReviews: 0 },
    { id: 'colleague', employer: '内江机械厂', trainingOrg: 'z', senior: true, openReviews: 0 },
    { id: 'teacher', employer: 'q', trainingOrg: '内江职业技术学院', senior: false, openReviews: 0 },
    { id: 'busy', employer: 'a', trainingOrg: 'b', senior: false, openReviews: 5 },
    { id: 'free1', employer: 'c', trainingOrg: 'd', senior: false, openReviews: 1 },
    { id: 'free2', employer: 'e', trainingOrg: 'f', senior: true, openReviews: 1 },
  ];

  it.each([
    ['c1', 'an assessor never marks their own work'],
    ['colleague', 'same employer'],
    ['teacher', "the candidate trained at the assessor's organisation"],
    ['free1', undefined],
  ])('conflict of interest for %s: %s', (id, reason) => {
    expect(conflictOfInterest(pool.find((a) => a.id === id) as never, candidate)).toBe(reason);
  });

  it('never picks a conflicted assessor, prefers the least loaded, and is reproducible', () => {
    const picked = assignAssessors(candidate, pool, { count: 2, seed: 'attempt-1' });
    expect(picked).toEqual({ ok: true, assessorIds: expect.arrayContaining(['free1', 'free2']) });
    expect(assignAssessors(candidate, pool, { count: 2, seed: 'attempt-1' })).toEqual(picked);
  });

  it('picks a senior moderator outside the first two, or says why it cannot', () => {
    expect(
      assignAssessors(candidate, pool, { count: 1, seed: 's', seniorOnly: true, exclude: ['free1'] }),
    ).toEqual({
      ok: true,
      assessorIds: ['free2'],
    });
    expect(
      assignAssessors(candidate, pool, { count: 1, seed: 's', seniorOnly: true, exclude: ['free2'] }),
    ).toEqual({
      ok: false,
      reason: 'Needs 1 senior assessors without a conflict of interest; 0 available',
    });
  });
});

describe('holder identity', () => {
  it.each([
    ['11010519491231002X', true],
    ['110105194912310021', false],
    ['11010519491231002', false],
    ['abcdefghijklmnopqr', false],
  ])('%s is a valid resident ID: %s', (id, valid) => {
    expect(isNationalId(id)).toBe(valid);
  });

  it('hashes with a salt and never contains the number', () => {
    const hash = identityHash('11010519491231002x', 'salt-salt-salt-salt');
    expect(hash).toMatch(/^sha256\$[0-9a-f]{64}$/);
    expect(hash).toBe(identityHash('11010519491231002X', 'salt-salt-salt-salt'));
    expect(hash).not.toBe(identityHash('11010519491231002X', 'other-salt-other-salt'));
    expect(() => identityHash('110105194912310021', 'salt-salt-salt-salt')).toThrow(/Not a valid/);
  });
});

describe('the credential', () => {
  const decision = decide(EXAM.policy, { theory: 85, practical: 78.5 }, ['theory', 'practical']);
  const credential = buildCredential({
    number: 'NJ-2026-4-000001-K',
    issuer: {
      did: 'did:web:neijiang.skillcert.example',
      nameZh: '内江市职业技能鉴定中心',
      nameEn: 'Neijiang Skills Evaluation Centre',
      url: 'https://neijiang.skillcert.example',
    },
    holder: {
      name: '张伟',
      identityHash: identityHash('11010519491231002X', 'salt-salt-salt-salt'),
      salt: 'salt-salt-salt-salt',
    },
    occupation: LATHE,
    level: 4,
    examTitle: EXAM.title,
    decision,
    issuedAt: new Date('2026-11-24T10:00:00Z'),
    status: { listUrl: 'https://neijiang.skillcert.example/status/1', index: 7 },
  });

  it('is a VC 2.0 OpenBadgeCredential aligned to the national occupation code', () => {
    expect(credential['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(credential.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(credential.issuer).toMatchObject({ id: 'did:web:neijiang.skillcert.example', type: ['Profile'] });
    expect(credential.validFrom).toBe('2026-11-24T10:00:00.000Z');
    expect(credential).not.toHaveProperty('validUntil');
    expect(credential.credentialSubject.achievement.alignment[0]).toMatchObject({ targetCode: '6-18-01-01' });
    expect(credential.credentialSubject.achievement['skillcert:level']).toBe(4);
  });

  it('carries a result per component and the policy it was decided under', () => {
    expect(credential.credentialSubject.result.map((r) => [r.value, r.status])).toEqual([
      ['85', 'Completed'],
      ['78.5', 'Completed'],
    ]);
    expect(credential['skillcert:passPolicy']).toEqual({ version: '2026.1', hash: EXAM.policy.hash });
  });

  it('names the holder only by a salted hash, and is ready for a status list', () => {
    expect(JSON.stringify(credential)).not.toContain('11010519491231002X');
    expect(credential.credentialSubject.identifier[0]).toMatchObject({
      type: 'IdentityObject',
      hashed: true,
    });
    expect(credential.credentialStatus).toEqual({
      id: 'https://neijiang.skillcert.example/status/1#7',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '7',
      statusListCredential: 'https://neijiang.skillcert.example/status/1',
    });
  });
});
