// Automatic grading of the theory paper. Multiple choice is all-or-nothing unless its section says
// 'partial' (exams.ts). Fill-in answers match one of the accepted answers after normalisation.
import { DomainError } from './errors.js';
import type { Exam, Item } from './exams.js';
import type { Paper, PaperItem } from './paper.js';
import { roundScore } from './score.js';

export type Answer = string | string[] | boolean;
export type Answers = Record<string, Answer>;

export type ItemOutcome = 'correct' | 'partial' | 'wrong' | 'unanswered';

export interface ItemGrade {
  itemId: string;
  points: number;
  /** Points earned; partial credit is rounded to 0.01 points. */
  earned: number;
  outcome: ItemOutcome;
}

export interface TheoryGrade {
  /** 0–100, rounded to SCORE_DECIMALS. */
  score: number;
  earned: number;
  totalPoints: number;
  items: ItemGrade[];
}

export class AnswerError extends DomainError {
  override name = 'AnswerError';
}

/** An item that is not on the candidate's paper. */
export const notOnPaper = (itemId: string) => ({
  en: `Item ${itemId} is not on this paper`,
  zh: `第 ${itemId} 题不在本试卷中`,
});

const ITEM_KIND_ZH: Record<Item['kind'], string> = {
  single: '单选题',
  multiple: '多选题',
  'true-false': '判断题',
  'fill-in': '填空题',
};

export const MAX_FILL_IN_LENGTH = 500;

/** UTF-8 bytes of one answer at its largest: a fill-in of 500 UTF-16 units takes at most 3 bytes each. */
function largestAnswerBytes(item: Item): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  switch (item.kind) {
    case 'single':
      return Math.max(0, ...item.options.map((o) => bytes(o.id)));
    case 'multiple':
      return 3 + item.options.reduce((n, o) => n + 1 + bytes(o.id), 0);
    case 'true-false':
      return 1;
    case 'fill-in':
      return MAX_FILL_IN_LENGTH * 3;
  }
}

/**
 * What a per-item save adds beside the answer (saves.ts): the item's key again and
 * `{"version":…,"flagged":false,"at":"…Z"}` at its largest.
 */
export const SAVE_RECORD_BYTES = 80;

/**
 * The most bytes a full set of answers to any paper of this exam can take, keys and per-item save records
 * included: each section counted as `count` times the largest answer one of its items can have. Whether that fits the attempt
 * record is the store's question; the answer is known before anyone sits the exam.
 */
export function answersBytesBound(exam: Pick<Exam, 'items' | 'sections'>): number {
  let total = 3;
  for (const section of exam.sections) {
    const eligible = exam.items.filter(
      (i) => i.kind === section.kind && (!section.topic || i.topic === section.topic),
    );
    const largest = Math.max(
      0,
      ...eligible.map(
        (i) => 2 * (1 + Buffer.byteLength(i.id, 'utf8')) + largestAnswerBytes(i) + SAVE_RECORD_BYTES,
      ),
    );
    total += Math.max(0, section.count) * largest;
  }
  return total;
}

/**
 * NFKC turns full-width letters, digits, punctuation and the ideographic space into their ASCII forms;
 * then case is folded (toLowerCase is enough for the Latin, Greek and Cyrillic a theory key uses) and runs
 * of whitespace collapse to one space, trimmed.
 */
export function normaliseFillIn(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Rejects answers to items that are not on the paper, or of the wrong shape for their item. */
export function checkAnswers(paper: Paper, answers: Answers): void {
  const byId = new Map(paper.items.map((p) => [p.item.id, p.item]));
  for (const [itemId, answer] of Object.entries(answers)) {
    const item = byId.get(itemId);
    if (!item) throw new AnswerError(notOnPaper(itemId));
    const ok =
      (item.kind === 'single' && typeof answer === 'string' && item.options.some((o) => o.id === answer)) ||
      (item.kind === 'multiple' &&
        Array.isArray(answer) &&
        answer.every((a) => item.options.some((o) => o.id === a)) &&
        new Set(answer).size === answer.length) ||
      (item.kind === 'true-false' && typeof answer === 'boolean') ||
      (item.kind === 'fill-in' && typeof answer === 'string' && answer.length <= MAX_FILL_IN_LENGTH);
    if (!ok)
      throw new AnswerError({
        en: `The answer to item ${itemId} does not fit a ${item.kind} item`,
        zh: `第 ${itemId} 题的答案不符合${ITEM_KIND_ZH[item.kind]}的作答格式`,
      });
  }
}

/** Fraction of the item's points an answer earns: 0, 1, or for partial multiple choice in between. */
function credit(answer: Answer | undefined, paperItem: PaperItem): number {
  const { item } = paperItem;
  if (answer === undefined) return 0;
  switch (item.kind) {
    case 'single':
    case 'true-false':
      return answer === item.answer ? 1 : 0;
    case 'multiple': {
      if (!Array.isArray(answer)) return 0;
      const key = new Set(item.answer);
      const right = answer.filter((a) => key.has(a)).length;
      if (right === key.size && answer.length === key.size) return 1;
      if (paperItem.multipleScoring !== 'partial' || right < answer.length) return 0;
      return right / key.size;
    }
    case 'fill-in': {
      if (typeof answer !== 'string') return 0;
      const given = normaliseFillIn(answer);
      return given !== '' && item.accepted.some((a) => normaliseFillIn(a) === given) ? 1 : 0;
    }
  }
}

function isBlank(answer: Answer | undefined): boolean {
  return (
    answer === undefined ||
    (typeof answer === 'string' && answer.trim() === '') ||
    (Array.isArray(answer) && answer.length === 0)
  );
}

/** Theory score 0–100 (SCORE_DECIMALS) with per-item detail; unanswered items earn nothing. */
export function gradeTheory(paper: Paper, answers: Answers): TheoryGrade {
  checkAnswers(paper, answers);
  const items = paper.items.map((paperItem): ItemGrade => {
    const answer = answers[paperItem.item.id];
    const fraction = credit(answer, paperItem);
    const earned = Math.round(paperItem.points * fraction * 100) / 100;
    const outcome: ItemOutcome = isBlank(answer)
      ? 'unanswered'
      : fraction === 1
        ? 'correct'
        : fraction > 0
          ? 'partial'
          : 'wrong';
    return { itemId: paperItem.item.id, points: paperItem.points, earned, outcome };
  });
  const earned = Math.round(items.reduce((a, i) => a + i.earned, 0) * 100) / 100;
  const score = paper.totalPoints === 0 ? 0 : roundScore((earned / paper.totalPoints) * 100);
  return { score, earned, totalPoints: paper.totalPoints, items };
}
