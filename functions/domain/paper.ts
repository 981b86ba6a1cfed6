// A paper is drawn per attempt from the exam's blueprint, reproducibly from a seed: the same seed always
// gives the same items in the same order with the same option order. Candidates get a view of it that,
// by construction, has no keys in it.
import type { ChoiceOption, Exam, Item, ItemKind, MultipleScoring, Text } from './exams.js';
import { seededRandom, shuffled } from './random.js';

export interface PaperItem {
  item: Item;
  sectionId: string;
  points: number;
  /** Multiple-choice items only: how they score (exams.ts); all-or-nothing when absent. */
  multipleScoring?: MultipleScoring;
}

/** A drawn paper, keys included: it stays on the server. Candidates get CandidatePaperItem[]. */
export interface Paper {
  examId: string;
  seed: string;
  items: PaperItem[];
  totalPoints: number;
}

/**
 * Draws the paper for one attempt. The same exam and seed always give the same items, order and option
 * order, so the paper need not be stored: it is redrawn from the attempt's seed. Editing an exam's items or
 * sections changes what a seed draws, so exams in use should be versioned rather than edited.
 *
 * Topic sections draw before any-topic sections so that an any-topic section can never use up the items a
 * topic section needs (the condition examProblems checks); items then appear in blueprint section order.
 */
export function drawPaper(exam: Pick<Exam, 'id' | 'items' | 'sections'>, seed: string): Paper {
  const random = seededRandom(`${exam.id}\n${seed}`);
  const used = new Set<string>();
  const drawn = new Map<string, PaperItem[]>();
  const order = [...exam.sections.filter((s) => s.topic), ...exam.sections.filter((s) => !s.topic)];
  for (const section of order) {
    const pool = exam.items.filter(
      (i) => i.kind === section.kind && (!section.topic || i.topic === section.topic) && !used.has(i.id),
    );
    if (!(Number.isInteger(section.count) && section.count > 0) || pool.length < section.count)
      throw new RangeError(`Section ${section.id} cannot be drawn: bank too small`);
    const picked: PaperItem[] = [];
    for (const item of shuffled(pool, random).slice(0, section.count)) {
      used.add(item.id);
      const withOptions =
        item.kind === 'single' || item.kind === 'multiple'
          ? { ...item, options: shuffled(item.options, random) }
          : item;
      picked.push({
        item: withOptions,
        sectionId: section.id,
        points: section.pointsPerItem,
        ...(item.kind === 'multiple' && section.multipleScoring
          ? { multipleScoring: section.multipleScoring }
          : {}),
      });
    }
    drawn.set(section.id, picked);
  }
  const items = exam.sections.flatMap((s) => drawn.get(s.id) ?? []);
  return { examId: exam.id, seed, items, totalPoints: items.reduce((a, i) => a + i.points, 0) };
}

/**
 * What a candidate sees of one item: stem, options, points. It has no key field, and candidateView builds
 * it field by field from an allow-list, so a key added to Item later cannot leak through a spread.
 */
export interface CandidatePaperItem {
  id: string;
  kind: ItemKind;
  stem: Text;
  options?: ChoiceOption[];
  points: number;
  /** Multiple choice only, so the candidate knows whether a partly right answer earns anything. */
  multipleScoring?: MultipleScoring;
}

function copyText(text: Text): Text {
  return { zh: text.zh, ...(text.en !== undefined ? { en: text.en } : {}) };
}

export function candidateView(paper: Paper): CandidatePaperItem[] {
  return paper.items.map(({ item, points, multipleScoring }) => ({
    id: item.id,
    kind: item.kind,
    stem: copyText(item.stem),
    ...(item.kind === 'single' || item.kind === 'multiple'
      ? { options: item.options.map((o) => ({ id: o.id, text: copyText(o.text) })) }
      : {}),
    points,
    ...(item.kind === 'multiple' ? { multipleScoring: multipleScoring ?? 'all-or-nothing' } : {}),
  }));
}
