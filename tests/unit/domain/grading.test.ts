import { describe, expect, it } from 'vitest';
import {
  AnswerError,
  type Answers,
  drawPaper,
  gradeTheory,
  normaliseFillIn,
  roundScore,
} from '../../../functions/domain/index.js';
import { EXAM, EXAM_LEVEL_2, keyOf } from './fixtures.js';

describe('theory grading (all-or-nothing multiple choice)', () => {
  const paper = drawPaper(EXAM, 'attempt-1');
  const key = keyOf(paper);
  const single = paper.items.find((p) => p.item.kind === 'single')?.item.id as string;

  it('gives 100 for the key and 0 for nothing, with per-item detail', () => {
    const full = gradeTheory(paper, key);
    expect(full).toMatchObject({ score: 100, earned: 100, totalPoints: 100 });
    expect(full.items.every((i) => i.outcome === 'correct' && i.earned === i.points)).toBe(true);
    const none = gradeTheory(paper, {});
    expect(none).toMatchObject({ score: 0, earned: 0 });
    expect(none.items.map((i) => i.outcome)).toEqual(paper.items.map(() => 'unanswered'));
    expect(none.items.map((i) => i.itemId)).toEqual(paper.items.map((p) => p.item.id));
  });

  it.each<[string, Answers, number, string]>([
    ['one right option of two', { m1: ['a'] }, 80, 'wrong'],
    ['a wrong option added', { m1: ['a', 'b', 'c'] }, 80, 'wrong'],
    ['the right options in another order', { m1: ['b', 'a'] }, 100, 'correct'],
    ['no option ticked', { m1: [] }, 80, 'unanswered'],
  ])('multiple choice: %s → %d', (_name, change, score, outcome) => {
    const grade = gradeTheory(paper, { ...key, ...change });
    expect(grade.score).toBe(score);
    expect(grade.items.find((i) => i.itemId === 'm1')?.outcome).toBe(outcome);
  });

  it.each([
    ['the first accepted answer', '速度', 100],
    ['another accepted answer', 'speed', 100],
    ['full-width letters', 'ｓｐｅｅｄ', 100],
    ['upper case and spaces', '  SPEED ', 100],
    ['an ideographic space around it', '\u3000speed\u3000', 100],
    ['a different word', 'feed', 70],
    ['an empty string', '', 70],
    ['only spaces', '   ', 70],
  ])('fill-in: %s (%j) → %d', (_name, answer, score) => {
    expect(gradeTheory(paper, { ...key, f1: answer }).score).toBe(score);
  });

  it('true/false and single choice score only the key', () => {
    expect(gradeTheory(paper, { ...key, t1: true }).score).toBe(90);
    const wrong = paper.items.find((p) => p.item.id === single)?.item;
    const other =
      wrong && 'options' in wrong ? wrong.options.find((o) => o.id !== key[single])?.id : undefined;
    expect(gradeTheory(paper, { ...key, [single]: other as string }).score).toBe(90);
  });

  it.each<[string, Answers, RegExp]>([
    ['an item not on the paper', { zz: 'a' }, /Item zz is not on this paper/],
    ['an item of the bank that was not drawn', { s9: 'a' }, /not on this paper/],
    ['an option that does not exist', { [single]: 'e' }, /does not fit a single item/],
    ['an array for single choice', { [single]: ['a'] }, /does not fit a single item/],
    ['a repeated option', { m1: ['a', 'a'] }, /does not fit a multiple item/],
    ['a string for multiple choice', { m1: 'a' }, /does not fit a multiple item/],
    ['a string for true/false', { t1: 'false' }, /does not fit a true-false item/],
    ['a boolean for fill-in', { f1: true }, /does not fit a fill-in item/],
    ['an essay for fill-in', { f1: 'x'.repeat(501) }, /does not fit a fill-in item/],
  ])('rejects %s', (_name, answers, message) => {
    expect(() => gradeTheory(paper, answers)).toThrow(AnswerError);
    expect(() => gradeTheory(paper, answers)).toThrow(message);
  });
});

describe('theory grading (partial multiple choice)', () => {
  const paper = drawPaper(EXAM_LEVEL_2, 'attempt-1');
  const key = keyOf(paper);
  it.each<[string, string[], number, string]>([
    ['all right options', ['a', 'b'], 20, 'correct'],
    ['half the right options', ['b'], 10, 'partial'],
    ['a wrong option with a right one', ['a', 'c'], 0, 'wrong'],
    ['only a wrong option', ['c'], 0, 'wrong'],
  ])('%s earns %d of 20', (_name, answer, earned, outcome) => {
    const grade = gradeTheory(paper, { ...key, m1: answer });
    expect(grade.items.find((i) => i.itemId === 'm1')).toMatchObject({ earned, outcome, points: 20 });
    expect(grade.score).toBe(80 + earned);
  });
});

describe('scores', () => {
  it.each([
    [88.25, 88.3],
    [88.24999999999999, 88.3],
    [(2 / 3) * 100, 66.7],
    [100, 100],
    [0, 0],
    [59.95, 60],
    [59.94, 59.9],
  ])('round %d to one decimal, half up: %d', (value, rounded) => {
    expect(roundScore(value)).toBe(rounded);
  });

  it('refuse NaN', () => {
    expect(() => roundScore(Number.NaN)).toThrow(/finite/);
  });

  it('round a theory score of 2 of 3 equal items to 66.7', () => {
    const exam = {
      ...EXAM,
      sections: [
        { id: 'C', kind: 'true-false' as const, count: 2, pointsPerItem: 1 },
        { id: 'D', kind: 'fill-in' as const, count: 1, pointsPerItem: 1 },
      ],
    };
    const paper = drawPaper(exam, 'x');
    expect(gradeTheory(paper, { ...keyOf(paper), f1: 'no' }).score).toBe(66.7);
  });
});

describe('fill-in normalisation', () => {
  it.each([
    ['  ＡＢ\u3000 c ', 'ab c'],
    ['Ｍ１２×１．５', 'm12×1.5'],
    ['ﾃｽﾄ', 'テスト'],
    ['a\t\n b', 'a b'],
    ['ＳＰＥＥＤ', 'speed'],
  ])('%j → %j', (input, output) => {
    expect(normaliseFillIn(input)).toBe(output);
  });
});
