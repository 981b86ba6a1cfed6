// Marking practical work and the comprehensive review.
//
// Practical: two assessors mark blind and independently against the rubric; each mark is scored 0–100.
//   - |first − second| ≤ tolerance (10 by default): the practical score is the mean of the two.
//   - otherwise a third, senior assessor moderates: they mark the whole rubric blind, and their score is
//     the practical score (the two diverging marks are kept on record but do not count).
// Points per criterion are whole or half points (0.5 steps) within the criterion's maximum.
// Comprehensive review (levels 2 and 1): each panel member gives 0–100; the score is the mean, and with
// five or more members the single highest and lowest are dropped first (去掉最高分和最低分).
import { DomainError } from './errors.js';
import { DEFAULT_REVIEW_PANEL, type ReviewPanelSpec, type RubricCriterion } from './exams.js';
import { isScore, roundScore } from './score.js';

export const DEFAULT_TOLERANCE = 10;
export const MAX_COMMENT_LENGTH = 2000;

export interface CriterionMark {
  criterionId: string;
  points: number;
  comment?: string;
}

export interface Mark {
  assessorId: string;
  criteria: CriterionMark[];
}

export class MarkError extends DomainError {
  override name = 'MarkError';
}

/** Checks a mark against the rubric (every criterion once, whole or half points within its maximum) and scores it 0–100. */
export function scoreMark(rubric: RubricCriterion[], mark: Mark): number {
  if (rubric.length === 0)
    throw new MarkError({
      en: 'This exam has no practical rubric to mark against',
      zh: '本考试没有可据以评分的操作技能评分细则',
    });
  const byId = new Map(rubric.map((c) => [c.id, c]));
  const seen = new Set<string>();
  for (const m of mark.criteria) {
    const criterion = byId.get(m.criterionId);
    if (!criterion)
      throw new MarkError({
        en: `Criterion ${m.criterionId} is not in the rubric`,
        zh: `评分项 ${m.criterionId} 不在评分细则中`,
      });
    if (seen.has(m.criterionId))
      throw new MarkError({
        en: `Criterion ${m.criterionId} is marked twice`,
        zh: `评分项 ${m.criterionId} 被重复评分`,
      });
    seen.add(m.criterionId);
    if (!(m.points >= 0 && m.points <= criterion.maxPoints) || !Number.isInteger(m.points * 2)) {
      throw new MarkError({
        en: `Criterion ${m.criterionId}: ${m.points} is not between 0 and ${criterion.maxPoints} in half points`,
        zh: `评分项 ${m.criterionId}：${m.points} 不在 0 到 ${criterion.maxPoints} 之间或不是 0.5 分的整数倍`,
      });
    }
    if (m.comment !== undefined && m.comment.length > MAX_COMMENT_LENGTH)
      throw new MarkError({
        en: `A comment is at most ${MAX_COMMENT_LENGTH} characters`,
        zh: `评语最多 ${MAX_COMMENT_LENGTH} 个字符`,
      });
  }
  const missing = rubric.filter((c) => !seen.has(c.id)).map((c) => c.id);
  if (missing.length > 0)
    throw new MarkError({
      en: `Criteria not marked: ${missing.join(', ')}`,
      zh: `以下评分项尚未评分：${missing.join('、')}`,
    });
  const max = rubric.reduce((a, c) => a + c.maxPoints, 0);
  const earned = mark.criteria.reduce((a, m) => a + m.points, 0);
  return roundScore((earned / max) * 100);
}

export type PracticalOutcome =
  | { status: 'agreed'; score: number; scores: [number, number] }
  | { status: 'needs-moderation'; scores: [number, number]; difference: number };

function checkTolerance(tolerance: number): void {
  if (!(tolerance >= 0 && tolerance <= 100))
    throw new RangeError('The marking tolerance must be within 0–100');
}

/** Two scored marks → the agreed mean, or a call for moderation when they differ by more than the tolerance. */
export function combineMarks(first: number, second: number, tolerance = DEFAULT_TOLERANCE): PracticalOutcome {
  checkTolerance(tolerance);
  if (!isScore(first) || !isScore(second)) throw new RangeError('Marks are scored 0–100');
  const difference = roundScore(Math.abs(first - second));
  if (difference > tolerance) return { status: 'needs-moderation', scores: [first, second], difference };
  return { status: 'agreed', score: roundScore((first + second) / 2), scores: [first, second] };
}

export type PracticalResult =
  | { status: 'agreed'; score: number; scores: [number, number]; difference: number }
  | { status: 'needs-moderation'; scores: [number, number]; difference: number }
  | {
      status: 'moderated';
      score: number;
      scores: [number, number];
      difference: number;
      moderatorScore: number;
    };

/**
 * The practical result from the marks in so far: scores every mark against the rubric, insists on
 * different assessors, and applies the rule at the top of this file. A moderation mark is refused when
 * the first two agree, because then no moderator should have been asked.
 */
export function practicalResult(
  rubric: RubricCriterion[],
  marks: { first: Mark; second: Mark; moderation?: Mark },
  tolerance = DEFAULT_TOLERANCE,
): PracticalResult {
  const { first, second, moderation } = marks;
  if (first.assessorId === second.assessorId)
    throw new MarkError({
      en: 'The two practical marks must come from different assessors',
      zh: '两份操作技能评分须来自不同的考评员',
    });
  const scores: [number, number] = [scoreMark(rubric, first), scoreMark(rubric, second)];
  const combined = combineMarks(scores[0], scores[1], tolerance);
  const difference = roundScore(Math.abs(scores[0] - scores[1]));
  if (combined.status === 'agreed') {
    if (moderation)
      throw new MarkError({
        en: `The marks differ by ${difference}, within ${tolerance}: no moderation`,
        zh: `两份评分相差 ${difference}，未超过 ${tolerance}：无需仲裁`,
      });
    return { ...combined, difference };
  }
  if (!moderation) return combined;
  if (moderation.assessorId === first.assessorId || moderation.assessorId === second.assessorId)
    throw new MarkError({ en: 'The moderator must be a third assessor', zh: '仲裁须由第三位考评员进行' });
  const moderatorScore = scoreMark(rubric, moderation);
  return { status: 'moderated', score: moderatorScore, scores, difference, moderatorScore };
}

/** The comprehensive review score from the panel's 0–100 scores (rule at the top of this file). */
export function reviewScore(panelScores: number[], panel: ReviewPanelSpec = DEFAULT_REVIEW_PANEL): number {
  if (panelScores.length !== panel.panelSize)
    throw new MarkError({
      en: `The review panel has ${panel.panelSize} members; ${panelScores.length} scores given`,
      zh: `评审组有 ${panel.panelSize} 名成员，却给出了 ${panelScores.length} 个分数`,
    });
  if (!panelScores.every(isScore))
    throw new MarkError({ en: 'Review scores are 0–100', zh: '评审分数须在 0–100 之间' });
  const sorted = [...panelScores].sort((a, b) => a - b);
  const counted = sorted.length >= 5 ? sorted.slice(1, -1) : sorted;
  return roundScore(counted.reduce((a, s) => a + s, 0) / counted.length);
}
