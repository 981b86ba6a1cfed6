// Per-item versioned saves: the highest version wins, a clear answer fits its item, sizes are counted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnswerError,
  applyItemSave,
  checkItemAnswer,
  drawPaper,
  type ItemSave,
  isStale,
  SAVED_WORK_BUDGET_BYTES,
  savedItems,
  savedWorkBytes,
  tooLateAt,
} from '../../../functions/domain/index.js';
import { EXAM } from './fixtures.js';

const paper = drawPaper(EXAM, 'seed-1');
const single = paper.items.find((p) => p.item.kind === 'single')?.item as {
  id: string;
  options: { id: string }[];
};
const fillIn = paper.items.find((p) => p.item.kind === 'fill-in')?.item;

describe('isStale', () => {
  it('keeps the highest version: an older or equal version changes nothing', () => {
    expect(isStale(undefined, 1)).toBe(false);
    expect(isStale({ version: 3 }, 4)).toBe(false);
    expect(isStale({ version: 3 }, 3)).toBe(true);
    expect(isStale({ version: 3 }, 2)).toBe(true);
  });

  it('whatever order saves arrive in, the kept answer is the highest version’s', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7, 8], { minLength: 1 }), (versions) => {
        let work: { answers: Record<string, string>; saves: Record<string, ItemSave> } = {
          answers: {},
          saves: {},
        };
        for (const version of versions) {
          if (isStale(work.saves.q, version)) continue;
          work = applyItemSave(work, 'q', `v${version}`, { version, flagged: false, at: 't' }) as typeof work;
        }
        expect(work.answers.q).toBe(`v${Math.max(...versions)}`);
      }),
    );
  });
});

describe('checkItemAnswer', () => {
  it('accepts an answer that fits the item, and null to clear it', () => {
    expect(() => checkItemAnswer(paper, single.id, single.options[0]?.id as string)).not.toThrow();
    expect(() => checkItemAnswer(paper, single?.id as string, null)).not.toThrow();
  });
  it('refuses an item not on the paper and an answer of the wrong shape', () => {
    expect(() => checkItemAnswer(paper, 'not-on-paper', null)).toThrow(/not on this paper/);
    expect(() => checkItemAnswer(paper, single?.id as string, true)).toThrow(AnswerError);
    expect(() => checkItemAnswer(paper, fillIn?.id as string, 'x'.repeat(501))).toThrow(AnswerError);
  });
});

describe('saved work', () => {
  it('clears an item with null and restores answer, flag and version per item', () => {
    const first = applyItemSave({ answers: { a: 'B' } }, 'b', true, { version: 2, flagged: true, at: 't' });
    const cleared = applyItemSave(first, 'a', null, { version: 5, flagged: false, at: 't' });
    expect(savedItems(cleared)).toEqual({
      a: { answer: null, flagged: false, version: 5 },
      b: { answer: true, flagged: true, version: 2 },
    });
    // An answer from the whole-set route has version 0 and no flag.
    expect(savedItems({ answers: { c: 'A' } })).toEqual({ c: { answer: 'A', flagged: false, version: 0 } });
  });

  it('counts bytes as UTF-8, so Chinese evidence counts three bytes a character', () => {
    const ascii = savedWorkBytes({ answers: {}, practicalEvidence: 'aaa' });
    const chinese = savedWorkBytes({ answers: {}, practicalEvidence: '车工车' });
    expect(chinese - ascii).toBe(6);
    expect(SAVED_WORK_BUDGET_BYTES).toBeLessThan(400 * 1024);
  });
});

describe('tooLateAt', () => {
  const clock = { startedAt: new Date('2027-01-01T00:00:00Z'), timeLimitMinutes: 60, graceSeconds: 30 };
  it('is false up to deadline + grace inclusive, true after', () => {
    expect(tooLateAt(clock, new Date('2027-01-01T01:00:30.000Z'))).toBe(false);
    expect(tooLateAt(clock, new Date('2027-01-01T01:00:30.001Z'))).toBe(true);
  });
});
