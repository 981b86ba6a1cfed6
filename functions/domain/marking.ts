// Marking practical work: two assessors mark blind and independently against the rubric. If their
// scores differ by more than the tolerance, a senior assessor moderates and their mark decides;
// otherwise the practical score is the mean of the two.
import type { RubricCriterion } from './exams.js';

export const DEFAULT_TOLERANCE = 10;

export interface CriterionMark {
  criterionId: string;
  points: number;
  comment?: string;
}

export interface Mark {
  assessorId: string;
  criteria: CriterionMark[];
}

export class MarkError extends Error {
  override name = 'MarkError';
}

/** Checks a mark against the rubric (every criterion once, whole or half points within its maximum) and scores it 0–100. */
export function scoreMark(rubric: RubricCriterion[], mark: Mark): number {
  const byId = new Map(rubric.map((c) => [c.id, c]));
  const seen = new Set<string>();
  for (const m of mark.criteria) {
    const criterion = byId.get(m.criterionId);
    if (!criterion) throw new MarkError(`Criterion ${m.criterionId} is not in the rubric`);
    if (seen.has(m.criterionId)) throw new MarkError(`Criterion ${m.criterionId} is marked twice`);
    seen.add(m.criterionId);
    if (!(m.points >= 0 && m.points <= criterion.maxPoints) || !Number.isInteger(m.points * 2)) {
      throw new MarkError(
        `Criterion ${m.criterionId}: ${m.points} is not between 0 and ${criterion.maxPoints} in half points`,
      );
    }
    if (m.comment !== undefined && m.comment.length > 2000)
      throw new MarkError('A comment is at most 2000 characters');
  }
  const missing = rubric.filter((c) => !seen.has(c.id)).map((c) => c.id);
  if (missing.length > 0) throw new MarkError(`Criteria not marked: ${missing.join(', ')}`);
  const max = rubric.reduce((a, c) => a + c.maxPoints, 0);
  const earned = mark.criteria.reduce((a, m) => a + m.points, 0);
  return Math.round((earned / max) * 1000) / 10;
}

export type PracticalOutcome =
  | { status: 'agreed'; score: number; scores: [number, number] }
  | { status: 'needs-moderation'; scores: [number, number]; difference: number };

export function combineMarks(first: number, second: number, tolerance = DEFAULT_TOLERANCE): PracticalOutcome {
  const difference = Math.round(Math.abs(first - second) * 10) / 10;
  if (difference > tolerance) return { status: 'needs-moderation', scores: [first, second], difference };
  return { status: 'agreed', score: Math.round(((first + second) / 2) * 10) / 10, scores: [first, second] };
}
