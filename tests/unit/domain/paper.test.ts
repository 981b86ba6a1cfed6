import { describe, expect, it } from 'vitest';
import {
  candidateView,
  drawPaper,
  type Exam,
  seededRandom,
  shuffled,
} from '../../../functions/domain/index.js';
import { EXAM, EXAM_LEVEL_2, ITEMS } from './fixtures.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => `attempt-${i}`);

describe('the seeded generator', () => {
  it('repeats itself for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = seededRandom('x');
    const b = seededRandom('x');
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(seededRandom('y')()).not.toBe(first[0]);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
    // Not degenerate: the mean of 1000 uniform draws is near 0.5.
    expect(Math.abs(first.reduce((s, v) => s + v, 0) / 1000 - 0.5)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation without touching the input', () => {
    const input = [1, 2, 3, 4, 5, 6, 7, 8];
    const out = shuffled(input, seededRandom('s'));
    expect(input).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...out].sort()).toEqual(input);
    expect(out).not.toEqual(input);
  });
});

describe('papers', () => {
  it('are reproducible from their seed and differ between seeds', () => {
    const a = drawPaper(EXAM, 'attempt-1');
    expect(drawPaper(EXAM, 'attempt-1')).toEqual(a);
    const others = SEEDS.slice(2, 6).map((s) => drawPaper(EXAM, s));
    expect(others.some((p) => JSON.stringify(p.items) !== JSON.stringify(a.items))).toBe(true);
  });

  it('shuffle options too, keeping every option', () => {
    const orders = new Set(
      SEEDS.map((s) => {
        const m1 = drawPaper(EXAM, s).items.find((i) => i.item.id === 'm1')?.item;
        return m1 && 'options' in m1 ? m1.options.map((o) => o.id).join('') : '';
      }),
    );
    expect(orders.size).toBeGreaterThan(1);
    expect([...orders].every((o) => [...o].sort().join('') === 'abc')).toBe(true);
  });

  it.each([
    ['level 4', EXAM, { A: 3, B: 1, C: 2, D: 1 }, 100],
    ['level 2, topic and any-topic sections', EXAM_LEVEL_2, { A: 2, S: 2, B: 1, C: 2, D: 1 }, 100],
  ] as const)(
    'follow the blueprint (%s) for every seed: counts, topics, no item twice, total points',
    (_name, exam, counts, total) => {
      for (const seed of SEEDS) {
        const paper = drawPaper(exam as Exam, seed);
        const perSection = Object.fromEntries(
          exam.sections.map((s) => [s.id, paper.items.filter((i) => i.sectionId === s.id).length]),
        );
        expect(perSection).toEqual(counts);
        expect(new Set(paper.items.map((i) => i.item.id)).size).toBe(paper.items.length);
        expect(paper.totalPoints).toBe(total);
        for (const { item, sectionId } of paper.items) {
          const section = exam.sections.find((s) => s.id === sectionId);
          expect(item.kind).toBe(section?.kind);
          if (section?.topic) expect(item.topic).toBe(section.topic);
        }
        // Items appear in blueprint section order, even though topic sections draw first.
        const order = paper.items.map((i) => exam.sections.findIndex((s) => s.id === i.sectionId));
        expect(order).toEqual([...order].sort((x, y) => x - y));
      }
    },
  );

  it('mark partial multiple-choice items from their section', () => {
    const paper = drawPaper(EXAM_LEVEL_2, 'attempt-1');
    expect(paper.items.find((i) => i.item.kind === 'multiple')?.multipleScoring).toBe('partial');
    expect(drawPaper(EXAM, 'attempt-1').items.find((i) => i.item.kind === 'multiple')).not.toHaveProperty(
      'multipleScoring',
    );
  });

  it('refuse to draw from a bank that is too small', () => {
    expect(() =>
      drawPaper({ ...EXAM, sections: [{ id: 'A', kind: 'single', count: 5, pointsPerItem: 1 }] }, 's'),
    ).toThrow(/Section A cannot be drawn/);
  });
});

describe('the candidate view', () => {
  const secretItems = ITEMS.map((i) => ({ ...i, stem: { ...i.stem, secret: 'KEY-IN-STEM' } }));
  const exam = { ...EXAM_LEVEL_2, items: secretItems as Exam['items'] };

  it.each(SEEDS.slice(0, 20))('has no key, whatever the draw (%s)', (seed) => {
    const view = candidateView(drawPaper(exam, seed));
    const text = JSON.stringify(view);
    expect(text).not.toMatch(/"answer"|"accepted"|速度|speed|KEY-IN-STEM|"topic"/);
    for (const item of view) {
      expect(
        Object.keys(item).every((k) =>
          ['id', 'kind', 'stem', 'options', 'points', 'multipleScoring'].includes(k),
        ),
      ).toBe(true);
      expect(Object.keys(item.stem).every((k) => ['zh', 'en'].includes(k))).toBe(true);
    }
  });

  it('keeps what a candidate needs: stems, options in drawn order, points, how multiple choice scores', () => {
    const paper = drawPaper(EXAM_LEVEL_2, 'attempt-1');
    const view = candidateView(paper);
    expect(view.map((v) => v.id)).toEqual(paper.items.map((p) => p.item.id));
    const m = view.find((v) => v.kind === 'multiple');
    const drawn = paper.items.find((p) => p.item.kind === 'multiple')?.item;
    expect(m?.options?.map((o) => o.id)).toEqual(
      drawn && 'options' in drawn ? drawn.options.map((o) => o.id) : [],
    );
    expect(m?.multipleScoring).toBe('partial');
    expect(view.find((v) => v.kind === 'true-false')).not.toHaveProperty('options');
    expect(view.reduce((s, v) => s + v.points, 0)).toBe(100);
  });
});
