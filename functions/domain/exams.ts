// Exams: an item bank of objective theory items, a blueprint that says what a paper draws from it, a
// practical rubric, and the rules that make an exam valid before anyone sits it.
import { normaliseFillIn } from './grading.js';
import { isLevel, type Level, needsComprehensiveReview } from './levels.js';
import { isOccupationCode, type Occupation } from './occupations.js';
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

/**
 * How a multiple-choice item scores. All-or-nothing is the default because it is the national theory
 * exam rule (多选、少选、错选均不得分); 'partial' gives points × (right options chosen ÷ right options)
 * when no wrong option is chosen, and nothing when one is.
 */
export type MultipleScoring = 'all-or-nothing' | 'partial';

export interface BlueprintSection {
  id: string;
  kind: ItemKind;
  /** Draw only items of this topic; any topic when absent. */
  topic?: string;
  count: number;
  pointsPerItem: number;
  /** Multiple-choice sections only; all-or-nothing when absent. */
  multipleScoring?: MultipleScoring;
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
  /** Seconds after the deadline in which a last save or submit is still accepted (timing.ts); 30 when absent. */
  graceSeconds?: number;
  /** Levels 2 and 1: how the comprehensive review panel is formed; defaults when absent (marking.ts). */
  review?: ReviewPanelSpec;
}

/** The comprehensive review (综合评审) of levels 2 and 1: a panel of senior assessors scores 0–100 each. */
export interface ReviewPanelSpec {
  /** Panel members; at least 3. With 5 or more the highest and lowest scores are dropped. */
  panelSize: number;
}

export const DEFAULT_REVIEW_PANEL: ReviewPanelSpec = { panelSize: 3 };

/** Every problem with an exam definition, in words an admin can act on; empty when it is sound. */
export function examProblems(exam: Exam): string[] {
  return [
    ...itemProblems(exam.items),
    ...sectionProblems(exam.items, exam.sections),
    ...rubricProblems(exam.rubric),
    ...settingProblems(exam),
  ];
}

function itemProblems(items: Item[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const item of items) {
    if (!item.id.trim()) problems.push('an item has an empty id');
    if (ids.has(item.id)) problems.push(`item id ${item.id} is used twice`);
    ids.add(item.id);
    if (!item.stem.zh.trim()) problems.push(`item ${item.id} has no question text`);
    if (item.kind === 'single' || item.kind === 'multiple') {
      const optionIds = item.options.map((o) => o.id);
      if (new Set(optionIds).size !== optionIds.length) problems.push(`item ${item.id} repeats an option id`);
      if (item.options.length < 2) problems.push(`item ${item.id} needs at least two options`);
      const keys = item.kind === 'single' ? [item.answer] : item.answer;
      if (keys.length === 0 || keys.some((k) => !optionIds.includes(k))) {
        problems.push(`item ${item.id} has a key that is not one of its options`);
      }
      if (item.kind === 'multiple' && new Set(keys).size !== keys.length)
        problems.push(`item ${item.id} repeats an option in its key`);
    }
    if (item.kind === 'fill-in' && item.accepted.every((a) => !normaliseFillIn(a))) {
      problems.push(`item ${item.id} accepts no answer`);
    }
  }
  return problems;
}

/**
 * Papers draw topic sections first and any-topic sections from what is left (paper.ts), so a blueprint
 * can always be drawn exactly when, for every kind, each topic has enough items for its sections and the
 * kind has enough items for all its sections together.
 */
function sectionProblems(items: Item[], sections: BlueprintSection[]): string[] {
  const problems: string[] = [];
  if (sections.length === 0) problems.push('the blueprint has no sections');
  const ids = new Set<string>();
  const wanted = new Map<string, number>();
  for (const section of sections) {
    if (ids.has(section.id)) problems.push(`section id ${section.id} is used twice`);
    ids.add(section.id);
    if (!(Number.isInteger(section.count) && section.count > 0))
      problems.push(`section ${section.id} must draw a whole number of items, at least 1`);
    if (!(Number.isFinite(section.pointsPerItem) && section.pointsPerItem > 0))
      problems.push(`section ${section.id} must give positive points per item`);
    if (section.multipleScoring !== undefined && section.kind !== 'multiple')
      problems.push(`section ${section.id} sets multipleScoring but draws ${section.kind} items`);
    for (const key of [section.kind, ...(section.topic ? [`${section.kind}/${section.topic}`] : [])]) {
      wanted.set(key, (wanted.get(key) ?? 0) + Math.max(0, section.count));
    }
  }
  for (const [key, count] of wanted) {
    const [kind, topic] = key.split('/');
    const have = items.filter((i) => i.kind === kind && (topic === undefined || i.topic === topic)).length;
    if (have < count) {
      problems.push(
        `the blueprint draws ${count} ${topic ? `${kind} items on ${topic}` : `${kind} items in all`}; the bank has ${have}`,
      );
    }
  }
  return problems;
}

function rubricProblems(rubric: RubricCriterion[]): string[] {
  const problems: string[] = [];
  const criteria = new Set<string>();
  for (const criterion of rubric) {
    if (!criterion.id.trim()) problems.push('a rubric criterion has an empty id');
    if (criteria.has(criterion.id)) problems.push(`rubric criterion ${criterion.id} is used twice`);
    criteria.add(criterion.id);
    // Marks come in half points (marking.ts), so a maximum must be reachable in half points too.
    if (!(criterion.maxPoints > 0 && Number.isInteger(criterion.maxPoints * 2)))
      problems.push(`rubric criterion ${criterion.id} needs a positive maximum in half points`);
    if (!criterion.description.zh.trim())
      problems.push(`rubric criterion ${criterion.id} has no description`);
  }
  return problems;
}

function settingProblems(exam: Exam): string[] {
  const problems: string[] = [];
  if (!isOccupationCode(exam.occupation.code))
    problems.push(`occupation code ${exam.occupation.code} is not like 6-18-01-01`);
  if (!isLevel(exam.level)) problems.push(`level ${String(exam.level)} is not on the five-level scale`);
  if (
    !(Number.isInteger(exam.timeLimitMinutes) && exam.timeLimitMinutes >= 5 && exam.timeLimitMinutes <= 600)
  )
    problems.push('time limit must be 5–600 minutes');
  if (
    exam.graceSeconds !== undefined &&
    !(Number.isInteger(exam.graceSeconds) && exam.graceSeconds >= 0 && exam.graceSeconds <= 300)
  )
    problems.push('grace must be 0–300 seconds');
  if (exam.validityYears !== undefined && !(Number.isInteger(exam.validityYears) && exam.validityYears > 0))
    problems.push('validity must be a whole number of years, at least 1');
  if (exam.yearsOfWorkInstead !== undefined && !(exam.yearsOfWorkInstead >= 0))
    problems.push('years of work instead of a certificate cannot be negative');
  if (exam.review !== undefined) {
    if (isLevel(exam.level) && !needsComprehensiveReview(exam.level))
      problems.push(`level ${exam.level} has no comprehensive review; only levels 2 and 1 do`);
    if (
      !(Number.isInteger(exam.review.panelSize) && exam.review.panelSize >= 3 && exam.review.panelSize <= 9)
    )
      problems.push('a review panel has 3–9 members');
  }
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
