import { describe, expect, it } from 'vitest';
import {
  AnswerError,
  type Answers,
  acceptsWorkAt,
  candidateView,
  deadline,
  drawPaper,
  examProblems,
  gradeTheory,
  normaliseFillIn,
  requiredComponents,
  secondsLeft,
} from '../../../functions/domain/index.js';
import { EXAM } from './fixtures.js';

describe('exam definitions', () => {
  it('accept a sound exam', () => {
    expect(examProblems(EXAM)).toEqual([]);
    expect(requiredComponents(EXAM)).toEqual(['theory', 'practical']);
    expect(requiredComponents({ ...EXAM, level: 2 })).toEqual(['theory', 'practical', 'review']);
  });

  it.each([
    [
      'a bank too small for a section',
      { sections: [{ id: 'A', kind: 'single' as const, count: 9, pointsPerItem: 1 }] },
      /section A needs 9 single\/\* items; the bank has 4/,
    ],
    [
      'a key that is not an option',
      { items: [{ ...EXAM.items[0], answer: 'z' } as never, ...EXAM.items.slice(1)] },
      /item s1 has a key that is not one of its options/,
    ],
    ['a duplicate item id', { items: [...EXAM.items, EXAM.items[0] as never] }, /item id s1 is used twice/],
    [
      'a rubric criterion without points',
      { rubric: [{ id: 'x', description: { zh: 'x' }, maxPoints: 0 }] },
      /criterion x has no points/,
    ],
    ['an absurd time limit', { timeLimitMinutes: 1 }, /time limit/],
  ])('name the problem with %s', (_name, change, message) => {
    expect(examProblems({ ...EXAM, ...change }).join('\n')).toMatch(message);
  });
});

describe('papers', () => {
  it('are reproducible from their seed and differ between seeds', () => {
    const a = drawPaper(EXAM, 'attempt-1');
    expect(drawPaper(EXAM, 'attempt-1')).toEqual(a);
    const others = ['attempt-2', 'attempt-3', 'attempt-4'].map((s) => drawPaper(EXAM, s));
    expect(others.some((p) => JSON.stringify(p.items) !== JSON.stringify(a.items))).toBe(true);
  });

  it('follow the blueprint: counts per section, no item twice, total points', () => {
    const paper = drawPaper(EXAM, 'attempt-1');
    const perSection = Object.fromEntries(
      EXAM.sections.map((s) => [s.id, paper.items.filter((i) => i.sectionId === s.id).length]),
    );
    expect(perSection).toEqual({ A: 3, B: 1, C: 2, D: 1 });
    expect(new Set(paper.items.map((i) => i.item.id)).size).toBe(paper.items.length);
    expect(paper.totalPoints).toBe(100);
  });

  it('are shown to candidates without any answer key', () => {
    const view = candidateView(drawPaper(EXAM, 'attempt-1'));
    const text = JSON.stringify(view);
    expect(text).not.toMatch(/"answer"|"accepted"|速度|speed/);
    expect(
      view.every((i) => Object.keys(i).every((k) => ['id', 'kind', 'stem', 'options', 'points'].includes(k))),
    ).toBe(true);
  });
});

describe('theory grading', () => {
  const paper = drawPaper(EXAM, 'attempt-1');
  const key: Answers = Object.fromEntries(
    paper.items.map(({ item }) => [
      item.id,
      item.kind === 'fill-in' ? (item.accepted[0] as string) : (item.answer as string | string[] | boolean),
    ]),
  );

  it('gives 100 for the key and 0 for nothing', () => {
    expect(gradeTheory(paper, key).score).toBe(100);
    expect(gradeTheory(paper, {}).score).toBe(0);
  });

  it('gives no partial credit on multiple choice', () => {
    expect(gradeTheory(paper, { ...key, m1: ['a'] }).score).toBe(80);
    expect(gradeTheory(paper, { ...key, m1: ['a', 'b', 'c'] }).score).toBe(80);
    expect(gradeTheory(paper, { ...key, m1: ['b', 'a'] }).score).toBe(100);
  });

  it.each([
    ['full-width letters', 'ｓｐｅｅｄ'],
    ['case and spaces', '  Speed '],
    ['the Chinese answer', '速度'],
  ])('matches fill-in answers after normalisation: %s', (_name, answer) => {
    expect(gradeTheory(paper, { ...key, f1: answer }).score).toBe(100);
  });

  it('normalises full-width text and whitespace', () => {
    expect(normaliseFillIn('  ＡＢ\u3000 c ')).toBe('ab c');
  });

  const single = paper.items.find((p) => p.item.kind === 'single')?.item.id as string;
  it.each([
    ['an item not on the paper', { zz: 'a' }, /Item zz is not on this paper/],
    ['an option that does not exist', { [single]: 'e' }, /does not fit a single item/],
    ['a repeated option', { m1: ['a', 'a'] }, /does not fit a multiple item/],
    ['a string for true/false', { t1: 'false' }, /does not fit a true-false item/],
  ])('rejects %s', (_name, answers, message) => {
    expect(() => gradeTheory(paper, answers as Answers)).toThrow(AnswerError);
    expect(() => gradeTheory(paper, answers as Answers)).toThrow(message);
  });
});

describe('time limits', () => {
  const clock = { startedAt: new Date('2026-11-24T08:00:00Z'), timeLimitMinutes: 90 };
  it.each([
    ['at the start', '2026-11-24T08:00:00Z', true],
    ['at the deadline', '2026-11-24T09:30:00Z', true],
    ['within the grace', '2026-11-24T09:30:30Z', true],
    ['just after the grace', '2026-11-24T09:30:31Z', false],
    ['before the start', '2026-11-24T07:59:59Z', false],
  ])('accept work %s: %s → %s', (_name, at, accepted) => {
    expect(acceptsWorkAt(clock, new Date(at))).toBe(accepted);
  });

  it('tell the candidate the deadline without the grace', () => {
    expect(deadline(clock).toISOString()).toBe('2026-11-24T09:30:00.000Z');
    expect(secondsLeft(clock, new Date('2026-11-24T09:29:00Z'))).toBe(60);
    expect(secondsLeft(clock, new Date('2026-11-24T09:31:00Z'))).toBe(0);
  });
});
