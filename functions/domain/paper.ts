// A paper is drawn per attempt from the exam's blueprint, reproducibly from a seed: the same seed always
// gives the same items in the same order with the same option order. Candidates get a view of it that,
// by construction, has no keys in it.
import { createHash } from 'node:crypto';
import type { ChoiceOption, Exam, Item, Text } from './exams.js';

/** sfc32, seeded from SHA-256 of the seed: small, fast, and good enough to shuffle exam items. */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface PaperItem {
  item: Item;
  sectionId: string;
  points: number;
}

export interface Paper {
  examId: string;
  seed: string;
  items: PaperItem[];
  totalPoints: number;
}

export function drawPaper(exam: Exam, seed: string): Paper {
  const random = seededRandom(`${exam.id}\n${seed}`);
  const used = new Set<string>();
  const items: PaperItem[] = [];
  for (const section of exam.sections) {
    const pool = exam.items.filter(
      (i) => i.kind === section.kind && (!section.topic || i.topic === section.topic) && !used.has(i.id),
    );
    if (pool.length < section.count)
      throw new RangeError(`Section ${section.id} cannot be drawn: bank too small`);
    for (const item of shuffled(pool, random).slice(0, section.count)) {
      used.add(item.id);
      const withOptions =
        item.kind === 'single' || item.kind === 'multiple'
          ? { ...item, options: shuffled(item.options, random) }
          : item;
      items.push({ item: withOptions, sectionId: section.id, points: section.pointsPerItem });
    }
  }
  return { examId: exam.id, seed, items, totalPoints: items.reduce((a, i) => a + i.points, 0) };
}

/** What a candidate sees of one item: stem, options, points. No key, by type. */
export interface PaperItemView {
  id: string;
  kind: Item['kind'];
  stem: Text;
  options?: ChoiceOption[];
  points: number;
}

export function candidateView(paper: Paper): PaperItemView[] {
  // Built field by field from an allow-list: a new key field on Item can never leak through a spread.
  return paper.items.map(({ item, points }) => ({
    id: item.id,
    kind: item.kind,
    stem: item.stem,
    ...(item.kind === 'single' || item.kind === 'multiple'
      ? { options: item.options.map((o) => ({ id: o.id, text: o.text })) }
      : {}),
    points,
  }));
}
