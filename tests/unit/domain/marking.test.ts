import { describe, expect, it } from 'vitest';
import {
  appealWindow,
  type CriterionMark,
  combineMarks,
  decide,
  decideAppeal,
  type Mark,
  MarkError,
  passPolicy,
  practicalResult,
  reviewScore,
  scoreMark,
} from '../../../functions/domain/index.js';
import { EXAM } from './fixtures.js';

// EXAM's rubric: dimensions /40, finish /30, safety /30.
const full: CriterionMark[] = [
  { criterionId: 'dimensions', points: 36 },
  { criterionId: 'finish', points: 24.5, comment: 'Ra 3.2 reached' },
  { criterionId: 'safety', points: 30 },
];
function mark(assessorId: string, dimensions: number, finish = 30, safety = 30): Mark {
  return {
    assessorId,
    criteria: [
      { criterionId: 'dimensions', points: dimensions },
      { criterionId: 'finish', points: finish },
      { criterionId: 'safety', points: safety },
    ],
  };
}

describe('a practical mark', () => {
  it.each([
    [full, 90.5],
    [mark('a', 0, 0, 0).criteria, 0],
    [mark('a', 40).criteria, 100],
    [mark('a', 0.5, 0, 0).criteria, 0.5],
  ])('scores against the rubric %#', (criteria, score) => {
    expect(scoreMark(EXAM.rubric, { assessorId: 'a', criteria })).toBe(score);
  });

  it.each<[string, CriterionMark[], RegExp]>([
    ['above a maximum', [{ criterionId: 'dimensions', points: 41 }, ...full.slice(1)], /between 0 and 40/],
    ['below zero', [{ criterionId: 'dimensions', points: -1 }, ...full.slice(1)], /between 0 and 40/],
    ['not in half points', [{ criterionId: 'dimensions', points: 10.3 }, ...full.slice(1)], /half points/],
    ['NaN', [{ criterionId: 'dimensions', points: Number.NaN }, ...full.slice(1)], /half points/],
    ['a criterion missing', full.slice(1), /Criteria not marked: dimensions/],
    ['a criterion twice', [...full, full[0] as CriterionMark], /marked twice/],
    ['an unknown criterion', [...full, { criterionId: 'speed', points: 1 }], /not in the rubric/],
    [
      'an overlong comment',
      [{ ...(full[0] as CriterionMark), comment: 'x'.repeat(2001) }, ...full.slice(1)],
      /at most 2000/,
    ],
  ])('is refused %s', (_name, criteria, message) => {
    expect(() => scoreMark(EXAM.rubric, { assessorId: 'a', criteria })).toThrow(MarkError);
    expect(() => scoreMark(EXAM.rubric, { assessorId: 'a', criteria })).toThrow(message);
  });

  it('is refused when the exam has no rubric', () => {
    expect(() => scoreMark([], { assessorId: 'a', criteria: [] })).toThrow(/no practical rubric/);
  });
});

describe('combining two marks', () => {
  it.each([
    [70, 80, { status: 'agreed', score: 75 }],
    [80, 70, { status: 'agreed', score: 75 }],
    [70, 80.5, { status: 'needs-moderation', difference: 10.5 }],
    [91, 85.5, { status: 'agreed', score: 88.3 }],
    [0, 100, { status: 'needs-moderation', difference: 100 }],
    [60, 60, { status: 'agreed', score: 60 }],
  ])('%d and %d → %j', (a, b, outcome) => {
    expect(combineMarks(a, b)).toMatchObject(outcome);
  });

  it.each([
    [70, 75, 5, 'agreed'],
    [70, 75.5, 5, 'needs-moderation'],
    [70, 70.5, 0, 'needs-moderation'],
  ])('%d and %d with tolerance %d → %s', (a, b, tolerance, status) => {
    expect(combineMarks(a, b, tolerance).status).toBe(status);
  });

  it.each([
    [101, 50, 10, /0–100/],
    [50, 50, -1, /tolerance/],
  ])('refuses %d and %d with tolerance %d', (a, b, tolerance, message) => {
    expect(() => combineMarks(a, b, tolerance)).toThrow(message);
  });
});

describe('the practical result', () => {
  it.each([
    [
      'within tolerance: the mean',
      { first: mark('a', 40), second: mark('b', 32) },
      { status: 'agreed', score: 96, scores: [100, 92], difference: 8 },
    ],
    [
      'exactly the tolerance: the mean',
      { first: mark('a', 40), second: mark('b', 30) },
      { status: 'agreed', score: 95, difference: 10 },
    ],
    [
      'beyond tolerance: moderation needed',
      { first: mark('a', 40), second: mark('b', 29.5) },
      { status: 'needs-moderation', scores: [100, 89.5], difference: 10.5 },
    ],
    [
      "beyond tolerance and moderated: the moderator's score",
      { first: mark('a', 40), second: mark('b', 20), moderation: mark('m', 25) },
      { status: 'moderated', score: 85, moderatorScore: 85, scores: [100, 80], difference: 20 },
    ],
  ])('%s', (_name, marks, outcome) => {
    expect(practicalResult(EXAM.rubric, marks)).toMatchObject(outcome);
  });

  it.each([
    ['two marks by one assessor', { first: mark('a', 40), second: mark('a', 39) }, /different assessors/],
    [
      'a moderator who marked already',
      { first: mark('a', 40), second: mark('b', 10), moderation: mark('b', 20) },
      /third assessor/,
    ],
    [
      'a moderation nobody needed',
      { first: mark('a', 40), second: mark('b', 39), moderation: mark('m', 20) },
      /no moderation/,
    ],
  ])('refuses %s', (_name, marks, message) => {
    expect(() => practicalResult(EXAM.rubric, marks)).toThrow(MarkError);
    expect(() => practicalResult(EXAM.rubric, marks)).toThrow(message);
  });
});

describe('the comprehensive review', () => {
  it.each([
    [[70, 80, 90], 3, 80],
    [[70, 71, 71], 3, 70.7],
    [[0, 70, 80, 90, 100], 5, 80],
    [[60, 60, 60, 60, 100], 5, 60],
  ])('panel scores %j (panel of %d) → %d', (scores, panelSize, result) => {
    expect(reviewScore(scores, { panelSize })).toBe(result);
  });

  it.each([
    [[70, 80], 3, /3 members; 2 scores/],
    [[70, 80, 101], 3, /0–100/],
  ])('refuses %j for a panel of %d', (scores, panelSize, message) => {
    expect(() => reviewScore(scores, { panelSize })).toThrow(message);
  });
});

describe('appeals', () => {
  const decidedAt = new Date('2026-12-01T00:00:00Z');
  it.each([
    ['the same day', '2026-12-01T12:00:00Z', true],
    ['on the last instant', '2026-12-16T00:00:00Z', true],
    ['a moment too late', '2026-12-16T00:00:00.001Z', false],
    ['before the result', '2026-11-30T00:00:00Z', false],
  ])('may be lodged %s: %s', (_name, at, open) => {
    expect(appealWindow(decidedAt, new Date(at)).open).toBe(open);
  });

  const policy = EXAM.policy;
  const original = decide(policy, { theory: 80, practical: 55 }, ['theory', 'practical']);
  const base = {
    policy,
    original,
    scores: { theory: 80, practical: 55 },
    required: ['theory', 'practical'] as const,
    rubric: EXAM.rubric,
    earlierMarkers: ['a', 'b'],
  };

  it('re-decide with the re-mark in place of the practical score, and say when the result changes', () => {
    const outcome = decideAppeal({ ...base, required: [...base.required], remark: mark('c', 30, 15, 20) });
    expect(outcome).toMatchObject({
      practical: { before: 55, after: 65 },
      changed: true,
      decision: { passed: true },
    });
    const same = decideAppeal({ ...base, required: [...base.required], remark: mark('c', 20, 10, 20) });
    expect(same).toMatchObject({ practical: { after: 50 }, changed: false, decision: { passed: false } });
  });

  it.each([
    ['a re-marker who marked before', { remark: mark('a', 40) }, /has not marked this attempt/],
    [
      'a different policy',
      { remark: mark('c', 40), policy: passPolicy({ version: '2027.1' }) },
      /original policy 2026.1/,
    ],
  ])('refuse %s', (_name, change, message) => {
    expect(() => decideAppeal({ ...base, required: [...base.required], ...change })).toThrow(message);
  });
});
