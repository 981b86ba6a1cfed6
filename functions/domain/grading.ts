// Automatic grading of the theory paper. Multiple choice is all-or-nothing: partial credit rewards
// ticking every box. Fill-in answers match after normalisation (full-width → half-width, case, spaces).
import type { Paper } from './paper.js';

export type Answer = string | string[] | boolean;
export type Answers = Record<string, Answer>;

export interface ItemGrade {
  itemId: string;
  points: number;
  earned: number;
}

export interface TheoryGrade {
  score: number;
  earned: number;
  totalPoints: number;
  items: ItemGrade[];
}

export class AnswerError extends Error {
  override name = 'AnswerError';
}

/** NFKC turns full-width letters and digits into ASCII; then case and whitespace are folded. */
export function normaliseFillIn(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Rejects answers to items that are not on the paper, or of the wrong shape for their item. */
export function checkAnswers(paper: Paper, answers: Answers): void {
  const byId = new Map(paper.items.map((p) => [p.item.id, p.item]));
  for (const [itemId, answer] of Object.entries(answers)) {
    const item = byId.get(itemId);
    if (!item) throw new AnswerError(`Item ${itemId} is not on this paper`);
    const ok =
      (item.kind === 'single' && typeof answer === 'string' && item.options.some((o) => o.id === answer)) ||
      (item.kind === 'multiple' &&
        Array.isArray(answer) &&
        answer.every((a) => item.options.some((o) => o.id === a)) &&
        new Set(answer).size === answer.length) ||
      (item.kind === 'true-false' && typeof answer === 'boolean') ||
      (item.kind === 'fill-in' && typeof answer === 'string' && answer.length <= 500);
    if (!ok) throw new AnswerError(`The answer to item ${itemId} does not fit a ${item.kind} item`);
  }
}

function correct(answer: Answer | undefined, item: Paper['items'][number]['item']): boolean {
  if (answer === undefined) return false;
  switch (item.kind) {
    case 'single':
      return answer === item.answer;
    case 'multiple': {
      if (!Array.isArray(answer)) return false;
      const given = new Set(answer);
      return given.size === item.answer.length && item.answer.every((k) => given.has(k));
    }
    case 'true-false':
      return answer === item.answer;
    case 'fill-in':
      return (
        typeof answer === 'string' &&
        item.accepted.some((a) => normaliseFillIn(a) === normaliseFillIn(answer))
      );
  }
}

/** Theory score 0–100, one decimal; unanswered items earn nothing. */
export function gradeTheory(paper: Paper, answers: Answers): TheoryGrade {
  checkAnswers(paper, answers);
  const items = paper.items.map(({ item, points }) => ({
    itemId: item.id,
    points,
    earned: correct(answers[item.id], item) ? points : 0,
  }));
  const earned = items.reduce((a, i) => a + i.earned, 0);
  const score = paper.totalPoints === 0 ? 0 : Math.round((earned / paper.totalPoints) * 1000) / 10;
  return { score, earned, totalPoints: paper.totalPoints, items };
}
