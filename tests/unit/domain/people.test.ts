// Eligibility, assessor assignment and conflicts of interest.
import { describe, expect, it } from 'vitest';
import {
  type Assessor,
  assignAssessors,
  type CandidateRecord,
  conflictKind,
  conflictOfInterest,
  DEFAULT_YEARS_INSTEAD,
  eligibility,
  type Level,
} from '../../../functions/domain/index.js';
import { LATHE } from './fixtures.js';

describe('eligibility', () => {
  const exam = { occupationCode: LATHE.code, level: 4 as Level };
  const cert = (
    level: Level,
    status: 'active' | 'suspended' | 'revoked' = 'active',
    occupationCode = LATHE.code,
  ) => ({
    occupationCode,
    level,
    status,
  });
  it.each<
    [string, { occupationCode: string; level: Level; yearsOfWorkInstead?: number }, CandidateRecord, boolean]
  >([
    ['level 5 is open to anyone', { ...exam, level: 5 }, { certificates: [], yearsOfWork: {} }, true],
    ['a level 5 certificate in the occupation', exam, { certificates: [cert(5)], yearsOfWork: {} }, true],
    [
      'a revoked certificate does not count',
      exam,
      { certificates: [cert(5, 'revoked')], yearsOfWork: {} },
      false,
    ],
    [
      'a suspended certificate does not count',
      exam,
      { certificates: [cert(5, 'suspended')], yearsOfWork: {} },
      false,
    ],
    [
      'a certificate in another occupation does not count',
      exam,
      { certificates: [cert(5, 'active', '6-18-01-02')], yearsOfWork: {} },
      false,
    ],
    [
      'a certificate two levels below does not count',
      { ...exam, level: 3 },
      { certificates: [cert(5)], yearsOfWork: {} },
      false,
    ],
    [
      'level 1 with a level 2 certificate',
      { ...exam, level: 1 },
      { certificates: [cert(2)], yearsOfWork: {} },
      true,
    ],
    ['enough years of work', exam, { certificates: [], yearsOfWork: { [LATHE.code]: 5 } }, true],
    ['too few years of work', exam, { certificates: [], yearsOfWork: { [LATHE.code]: 4 } }, false],
    ['years in another occupation', exam, { certificates: [], yearsOfWork: { '6-18-01-02': 30 } }, false],
    [
      'the exam sets its own years',
      { ...exam, yearsOfWorkInstead: 3 },
      { certificates: [], yearsOfWork: { [LATHE.code]: 3 } },
      true,
    ],
    [
      'the exam sets more years',
      { ...exam, yearsOfWorkInstead: 8 },
      { certificates: [], yearsOfWork: { [LATHE.code]: 7 } },
      false,
    ],
  ])('%s', (_name, e, candidate, eligible) => {
    expect(eligibility(e, candidate).eligible).toBe(eligible);
  });

  it.each([4, 3, 2, 1] as const)('level %d needs the default years from the table', (level) => {
    const needed = DEFAULT_YEARS_INSTEAD[level];
    const e = { occupationCode: LATHE.code, level };
    expect(eligibility(e, { certificates: [], yearsOfWork: { [LATHE.code]: needed } }).eligible).toBe(true);
    expect(eligibility(e, { certificates: [], yearsOfWork: { [LATHE.code]: needed - 1 } }).eligible).toBe(
      false,
    );
  });

  it('says on what basis it admits and why it refuses', () => {
    expect(eligibility(exam, { certificates: [cert(5)], yearsOfWork: {} })).toEqual({
      eligible: true,
      basis: 'Holds the level 5 certificate in 6-18-01-01',
    });
    expect(eligibility(exam, { certificates: [], yearsOfWork: { [LATHE.code]: 2 } })).toEqual({
      eligible: false,
      reason:
        'Level 4 needs an active level 5 certificate in 6-18-01-01 or 5 years of work in it (you have 2)',
      reasonZh: '报考4级需要持有 6-18-01-01 有效的5级证书，或从事该职业满 5 年（您为 2 年）',
    });
  });
});

describe('conflicts of interest', () => {
  const candidate = { id: 'c1', employer: '内江机械厂', trainingOrg: '内江职业技术学院' };
  it.each([
    [{ id: 'c1', employer: 'x', trainingOrg: 'y' }, 'self', 'an assessor never marks their own work'],
    [{ id: 'a', employer: '内江机械厂', trainingOrg: 'z' }, 'same-employer', 'same employer'],
    [{ id: 'a', employer: ' 内江机械厂\u3000', trainingOrg: 'z' }, 'same-employer', 'same employer'],
    [
      { id: 'a', employer: 'q', trainingOrg: '内江职业技术学院' },
      'training-organisation',
      "the candidate trained at the assessor's organisation",
    ],
    [{ id: 'a', employer: 'c', trainingOrg: 'd' }, undefined, undefined],
    [{ id: 'a', employer: '', trainingOrg: '' }, undefined, undefined],
  ])('%j → %s', (assessor, kind, reason) => {
    expect(conflictKind(assessor, candidate)).toBe(kind);
    expect(conflictOfInterest(assessor, candidate)).toBe(reason);
  });

  it('does not treat two unknown employers as the same', () => {
    expect(
      conflictKind({ id: 'a', employer: '', trainingOrg: 'x' }, { id: 'b', employer: ' ', trainingOrg: 'y' }),
    ).toBe(undefined);
  });
});

describe('assessor assignment', () => {
  const candidate = { id: 'c1', employer: '内江机械厂', trainingOrg: '内江职业技术学院' };
  const pool: Assessor[] = [
    { id: 'c1', employer: 'x', trainingOrg: 'y', senior: true, openReviews: 0 },
    { id: 'colleague', employer: '内江机械厂', trainingOrg: 'z', senior: true, openReviews: 0 },
    { id: 'teacher', employer: 'q', trainingOrg: '内江职业技术学院', senior: false, openReviews: 0 },
    { id: 'busy', employer: 'a', trainingOrg: 'b', senior: false, openReviews: 5 },
    { id: 'free1', employer: 'c', trainingOrg: 'd', senior: false, openReviews: 1 },
    { id: 'free2', employer: 'e', trainingOrg: 'f', senior: true, openReviews: 1 },
  ];

  it('never picks a conflicted assessor, prefers the least loaded, and is reproducible', () => {
    const picked = assignAssessors(candidate, pool, { count: 2, seed: 'attempt-1' });
    expect(picked).toEqual({ ok: true, assessorIds: expect.arrayContaining(['free1', 'free2']) });
    expect(assignAssessors(candidate, pool, { count: 2, seed: 'attempt-1' })).toEqual(picked);
    expect(assignAssessors(candidate, [...pool].reverse(), { count: 2, seed: 'attempt-1' })).toEqual(picked);
    expect(assignAssessors(candidate, pool, { count: 3, seed: 'attempt-1' })).toMatchObject({
      ok: true,
      assessorIds: [expect.any(String), expect.any(String), 'busy'],
    });
  });

  it('never picks a conflicted or excluded assessor, for any seed (property over 300 seeds)', () => {
    const big: Assessor[] = Array.from({ length: 12 }, (_, i) => ({
      id: `a${i}`,
      employer: i % 4 === 0 ? candidate.employer : `e${i}`,
      trainingOrg: i % 5 === 0 ? candidate.trainingOrg : `t${i}`,
      senior: i % 2 === 0,
      openReviews: i % 3,
    }));
    for (let s = 0; s < 300; s++) {
      const result = assignAssessors(candidate, big, { count: 2, seed: `s${s}`, exclude: ['a1'] });
      if (!result.ok) expect.fail(result.reason);
      expect(new Set(result.assessorIds).size).toBe(2);
      for (const id of result.assessorIds) {
        const a = big.find((x) => x.id === id) as Assessor;
        expect(conflictKind(a, candidate)).toBe(undefined);
        expect(id).not.toBe('a1');
      }
      // Least loaded first: nobody eligible and left out has fewer open reviews than someone picked.
      const pickedLoad = Math.max(
        ...result.assessorIds.map((id) => big.find((x) => x.id === id)?.openReviews ?? 0),
      );
      const eligibleUnpicked = big.filter(
        (a) =>
          a.id !== 'a1' && !result.assessorIds.includes(a.id) && conflictKind(a, candidate) === undefined,
      );
      expect(eligibleUnpicked.every((a) => a.openReviews >= pickedLoad)).toBe(true);
    }
  });

  it('spreads equally loaded assessors over different seeds', () => {
    const equal: Assessor[] = ['p', 'q', 'r', 's'].map((id) => ({
      id,
      employer: id,
      trainingOrg: id,
      senior: false,
      openReviews: 0,
    }));
    const firsts = new Set(
      Array.from({ length: 50 }, (_, i) => {
        const r = assignAssessors(candidate, equal, { count: 1, seed: `attempt-${i}` });
        return r.ok ? r.assessorIds[0] : undefined;
      }),
    );
    expect(firsts.size).toBe(4);
  });

  it('picks a senior moderator outside the first two', () => {
    expect(
      assignAssessors(candidate, pool, { count: 1, seed: 's', seniorOnly: true, exclude: ['free1'] }),
    ).toEqual({
      ok: true,
      assessorIds: ['free2'],
    });
  });

  it.each([
    [
      { count: 1, seed: 's', seniorOnly: true, exclude: ['free2'] },
      'Needs 1 senior assessor without a conflict of interest; 0 available of 6 (1 already marked this attempt, 3 not senior, 1 the candidate themself, 1 same employer)',
    ],
    [
      { count: 4, seed: 's' },
      "Needs 4 assessors without a conflict of interest; 3 available of 6 (1 the candidate themself, 1 same employer, 1 the candidate's training organisation)",
    ],
  ])('says why it cannot choose %#', (options, reason) => {
    expect(assignAssessors(candidate, pool, options)).toEqual({ ok: false, reason });
    expect(assignAssessors(candidate, [], { count: 1, seed: 's' })).toEqual({
      ok: false,
      reason: 'Needs 1 assessor without a conflict of interest; 0 available of 0',
    });
  });

  it('refuses to choose nobody', () => {
    expect(() => assignAssessors(candidate, pool, { count: 0, seed: 's' })).toThrow(/at least one/);
  });
});
