// Exams: an item bank of objective theory items, a blueprint that says what a paper draws from it, a
// practical rubric, and the rules that make an exam valid before anyone sits it.
import { type Level, needsComprehensiveReview } from './levels.js';
import type { Occupation } from './occupations.js';
import type { PassPolicy } from './policy.js';

export interface Text {
  zh: string;
  en?: string;
}

export interface ChoiceOption {
  id: string;
  text: Text;
}

/** An item with its key: server side only. Candidates see PaperItemView (paper.ts). */
export type Item =
  | { id: string; kind: 'single'; topic: string; stem: Text; options: ChoiceOption[]; answer: string }
  | { id: string; kind: 'multiple'; topic: string; stem: Text; options: ChoiceOption[]; answer: string[] }
  | { id: string; kind: 'true-false'; topic: string; stem: Text; answer: boolean }
  | { id: string; kind: 'fill-in'; topic: string; stem: Text; accepted: string[] };

export type ItemKind = Item['kind'];

export interface BlueprintSection {
  id: string;
  kind: ItemKind;
  /** Draw only items of this topic; any topic when absent. */
  topic?: string;
  count: number;
  pointsPerItem: number;
}

export interface RubricCriterion {
  id: string;
  description: Text;
  maxPoints: number;
}

export interface Exam {
  id: string;
  occupation: Occupation;
  level: Level;
  title: Text;
  items: Item[];
  sections: BlueprintSection[];
  rubric: RubricCriterion[];
  /** Minutes a candidate has for the theory paper. */
  timeLimitMinutes: number;
  policy: PassPolicy;
  /** Years of work that stand in for the lower-level certificate (eligibility.ts). */
  yearsOfWorkInstead?: number;
  /** Certificates from this exam expire after this many years; open-ended when absent. */
  validityYears?: number;
}

/** Every problem with an exam definition, in words an admin can act on; empty when it is sound. */
export function examProblems(exam: Exam): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const item of exam.items) {
    if (ids.has(item.id)) problems.push(`item id ${item.id} is used twice`);
    ids.add(item.id);
    if (item.kind === 'single' || item.kind === 'multiple') {
      const optionIds = item.options.map((o) => o.id);
      if (new Set(optionIds).size !== optionIds.length) problems.push(`item ${item.id} repeats an option id`);
      if (item.options.length < 2) problems.push(`item ${item.id} needs at least two options`);
      const keys = item.kind === 'single' ? [item.answer] : item.answer;
      if (keys.length === 0 || keys.some((k) => !optionIds.includes(k))) {
        problems.push(`item ${item.id} has a key that is not one of its options`);
      }
    }
    if (item.kind === 'fill-in' && item.accepted.every((a) => !a.trim())) {
      problems.push(`item ${item.id} accepts no answer`);
    }
  }
  if (exam.sections.length === 0) problems.push('the blueprint has no sections');
  const drawn = new Map<string, number>();
  for (const section of exam.sections) {
    if (!(Number.isInteger(section.count) && section.count > 0))
      problems.push(`section ${section.id} draws no items`);
    if (!(section.pointsPerItem > 0)) problems.push(`section ${section.id} gives no points`);
    const pool = exam.items.filter(
      (i) => i.kind === section.kind && (!section.topic || i.topic === section.topic),
    );
    const key = `${section.kind}/${section.topic ?? '*'}`;
    drawn.set(key, (drawn.get(key) ?? 0) + section.count);
    if (pool.length < (drawn.get(key) ?? 0)) {
      problems.push(`section ${section.id} needs ${section.count} ${key} items; the bank has ${pool.length}`);
    }
  }
  const criteria = new Set<string>();
  for (const criterion of exam.rubric) {
    if (criteria.has(criterion.id)) problems.push(`rubric criterion ${criterion.id} is used twice`);
    criteria.add(criterion.id);
    if (!(criterion.maxPoints > 0)) problems.push(`rubric criterion ${criterion.id} has no points`);
  }
  if (!(exam.timeLimitMinutes >= 5 && exam.timeLimitMinutes <= 600))
    problems.push('time limit must be 5–600 minutes');
  return problems;
}

/** The components a result needs for this exam. */
export function requiredComponents(exam: Exam): ('theory' | 'practical' | 'review')[] {
  return [
    'theory',
    ...(exam.rubric.length > 0 ? (['practical'] as const) : []),
    ...(needsComprehensiveReview(exam.level) ? (['review'] as const) : []),
  ];
}
