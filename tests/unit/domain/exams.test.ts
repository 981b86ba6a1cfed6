import { describe, expect, it } from 'vitest';
import {
  type Exam,
  examProblems,
  isLevel,
  isOccupationCode,
  LEVEL_NAMES,
  LEVELS,
  needsComprehensiveReview,
  occupation,
  requiredComponents,
} from '../../../functions/domain/index.js';
import { EXAM, EXAM_LEVEL_2, ITEMS } from './fixtures.js';

describe('occupations', () => {
  it.each([
    ['6-18-01-01', true],
    ['6-18-01-07', true],
    ['1-01-00-01', true],
    ['0-18-01-01', false],
    ['9-18-01-01', false],
    ['6-18-01', false],
    ['6-18-01-011', false],
    ['6_18_01_01', false],
    ['61801 01', false],
    [' 6-18-01-01', false],
  ])('%j is a national occupation code: %s', (code, valid) => {
    expect(isOccupationCode(code)).toBe(valid);
  });

  it('carry a Chinese and an English name, trimmed', () => {
    expect(occupation('6-18-01-01', ' 车工 ', 'Lathe operator ')).toEqual({
      code: '6-18-01-01',
      nameZh: '车工',
      nameEn: 'Lathe operator',
    });
  });

  it.each([
    ['6-18-1-01', '车工', 'Lathe operator', /not a national occupation code/],
    ['6-18-01-01', ' ', 'Lathe operator', /Chinese and an English name/],
    ['6-18-01-01', '车工', '', /Chinese and an English name/],
  ])('refuse %j %j %j', (code, zh, en, message) => {
    expect(() => occupation(code, zh, en)).toThrow(message);
  });
});

describe('levels', () => {
  it.each([
    [5, '五级/初级工', 'Level 5, junior worker', false],
    [4, '四级/中级工', 'Level 4, intermediate worker', false],
    [3, '三级/高级工', 'Level 3, senior worker', false],
    [2, '二级/技师', 'Level 2, technician', true],
    [1, '一级/高级技师', 'Level 1, senior technician', true],
  ] as const)('level %d is %s / %s; comprehensive review: %s', (level, zh, en, review) => {
    expect(LEVEL_NAMES[level]).toEqual({ zh, en });
    expect(needsComprehensiveReview(level)).toBe(review);
  });

  it('are exactly 5 down to 1', () => {
    expect(LEVELS).toEqual([5, 4, 3, 2, 1]);
    expect([0, 6, 4.5, '4', null].map(isLevel)).toEqual([false, false, false, false, false]);
  });
});

describe('exam definitions', () => {
  it('accept sound exams and say which components a result needs', () => {
    expect(examProblems(EXAM)).toEqual([]);
    expect(examProblems(EXAM_LEVEL_2)).toEqual([]);
    expect(requiredComponents(EXAM)).toEqual(['theory', 'practical']);
    expect(requiredComponents({ ...EXAM, rubric: [] })).toEqual(['theory']);
    expect(requiredComponents(EXAM_LEVEL_2)).toEqual(['theory', 'practical', 'review']);
    expect(requiredComponents({ ...EXAM, level: 1 })).toEqual(['theory', 'practical', 'review']);
  });

  const single = ITEMS[0] as Extract<Exam['items'][number], { kind: 'single' }>;
  it.each<[string, Partial<Exam>, RegExp]>([
    [
      'a bank too small for all sections of a kind',
      { sections: [{ id: 'A', kind: 'single', count: 5, pointsPerItem: 1 }] },
      /the blueprint draws 5 single items in all; the bank has 4/,
    ],
    [
      'a bank too small for a topic',
      { sections: [{ id: 'A', kind: 'single', topic: 'safety', count: 3, pointsPerItem: 1 }] },
      /draws 3 single items on safety; the bank has 2/,
    ],
    [
      // Each fits alone; together they need 5 single items and the bank has 4.
      'an any-topic section that would leave a topic section short',
      {
        sections: [
          { id: 'A', kind: 'single', count: 3, pointsPerItem: 1 },
          { id: 'S', kind: 'single', topic: 'safety', count: 2, pointsPerItem: 1 },
        ],
      },
      /5 single items in all; the bank has 4/,
    ],
    ['no sections', { sections: [] }, /no sections/],
    [
      'a duplicate section id',
      {
        sections: [
          { id: 'A', kind: 'single', count: 1, pointsPerItem: 1 },
          { id: 'A', kind: 'true-false', count: 1, pointsPerItem: 1 },
        ],
      },
      /section id A is used twice/,
    ],
    [
      'zero points per item',
      { sections: [{ id: 'A', kind: 'single', count: 1, pointsPerItem: 0 }] },
      /positive points/,
    ],
    [
      'negative points',
      { sections: [{ id: 'A', kind: 'single', count: 1, pointsPerItem: -5 }] },
      /positive points/,
    ],
    [
      'a fractional count',
      { sections: [{ id: 'A', kind: 'single', count: 1.5, pointsPerItem: 1 }] },
      /whole number/,
    ],
    [
      'partial scoring on a single-choice section',
      { sections: [{ id: 'A', kind: 'single', count: 1, pointsPerItem: 1, multipleScoring: 'partial' }] },
      /sets multipleScoring but draws single items/,
    ],
    [
      'a key that is not an option',
      { items: [{ ...single, answer: 'z' }, ...ITEMS.slice(1)] },
      /item s1 has a key that is not one of its options/,
    ],
    ['a duplicate item id', { items: [...ITEMS, single] }, /item id s1 is used twice/],
    [
      'a repeated option id',
      { items: [{ ...single, options: [...single.options, single.options[0] as never] }, ...ITEMS.slice(1)] },
      /repeats an option id/,
    ],
    [
      'one option only',
      { items: [{ ...single, options: single.options.slice(0, 1) }, ...ITEMS.slice(1)] },
      /at least two options/,
    ],
    [
      'a fill-in item accepting only blanks',
      {
        items: [
          ...ITEMS.slice(0, 7),
          { id: 'f1', kind: 'fill-in', topic: 'x', stem: { zh: '？' }, accepted: [' ', '\u3000'] },
        ],
      },
      /item f1 accepts no answer/,
    ],
    [
      'a rubric criterion without points',
      { rubric: [{ id: 'x', description: { zh: 'x' }, maxPoints: 0 }] },
      /criterion x needs a positive maximum/,
    ],
    [
      'a rubric maximum in thirds',
      { rubric: [{ id: 'x', description: { zh: 'x' }, maxPoints: 10.3 }] },
      /in half points/,
    ],
    [
      'a duplicate rubric criterion',
      {
        rubric: [
          { id: 'x', description: { zh: 'x' }, maxPoints: 5 },
          { id: 'x', description: { zh: 'y' }, maxPoints: 5 },
        ],
      },
      /rubric criterion x is used twice/,
    ],
    ['an absurd time limit', { timeLimitMinutes: 1 }, /time limit must be 5–600 minutes/],
    ['a grace of ten minutes', { graceSeconds: 600 }, /grace must be 0–300 seconds/],
    ['a validity of half a year', { validityYears: 0.5 }, /validity/],
    ['negative years of work', { yearsOfWorkInstead: -1 }, /cannot be negative/],
    ['a review panel at level 4', { review: { panelSize: 3 } }, /level 4 has no comprehensive review/],
    ['a review panel of two', { level: 2, review: { panelSize: 2 } }, /3–9 members/],
    [
      'an invalid occupation code',
      { occupation: { code: '6-18', nameZh: '车工', nameEn: 'Lathe' } },
      /occupation code 6-18/,
    ],
  ])('name the problem with %s', (_name, change, message) => {
    const problems = examProblems({ ...EXAM, ...change });
    expect(problems.join('\n')).toMatch(message);
  });
});
