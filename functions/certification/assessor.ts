// What an assessor can do: see the reviews assigned to them (blind: no candidate name or ID), open one
// with the candidate's practical evidence and the rubric, mark it, or return it with a reason. Only the
// assigned assessor can act on a review, and only while it is open and the workflow waits for it (it
// holds a task token). The mark or return is saved first; telling the workflow is second, and if that
// fails the saved record still counts: the workflow reads it when its wait for this review ends.
import { type CriterionMark, MarkError, scoreMark } from '../domain/index.js';
import {
  type AttemptRecords,
  type ExamCatalogue,
  type MarkingRecords,
  type ReviewRecord,
  StateConflict,
} from '../ports.js';
import { badRequest, conflict, HttpError, notFound, type PageRequest } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import { REVIEW_PAUSED } from './messages.js';

const NO_SUCH_REVIEW = { en: 'No such review', zh: '没有此评审' };
const NO_LONGER_OPEN = { en: 'This review is no longer open', zh: '此评审已不再开放' };
const REVIEW_STATUS_ZH: Record<string, string> = { marked: '已评分', returned: '已退回', expired: '已过期' };
const alreadyClosed = (status: string) => ({
  en: `This review is already ${status}`,
  zh: `此评审${REVIEW_STATUS_ZH[status] ?? status}`,
});

export interface AssessorDeps {
  store: Pick<ExamCatalogue, 'getExamHeaders'> & AttemptRecords & MarkingRecords;
  /** Answers the workflow's waiting task: success with the score, or failure with a reason. */
  completeTask(
    taskToken: string,
    outcome: { ok: true; output: unknown } | { ok: false; error: string; cause: string },
  ): Promise<void>;
}

async function ownOpenReview(
  deps: AssessorDeps,
  sub: string,
  attemptId: string,
  slot: string,
): Promise<ReviewRecord> {
  const review = await deps.store.getReview(attemptId, slot);
  // Not theirs looks the same as not there.
  if (!review || review.assessorSub !== sub) throw notFound(NO_SUCH_REVIEW);
  return review;
}

/** Tells the workflow; a failure here changes nothing already saved (see the top of this file). */
async function tell(
  deps: AssessorDeps,
  review: ReviewRecord,
  outcome: Parameters<AssessorDeps['completeTask']>[1],
) {
  try {
    await deps.completeTask(review.taskToken as string, outcome);
  } catch (error) {
    logger.warn('The workflow was not told; it reads the review when its wait ends', {
      attemptId: review.attemptId,
      slot: review.slot,
      error: (error as Error).name,
    });
  }
}

/** No token: the workflow is not waiting for this review (yet, or any more while it is stopped). */
async function notWaiting(deps: AssessorDeps, review: ReviewRecord): Promise<never> {
  const attempt = await deps.store.getAttempt(review.attemptId);
  if (attempt?.status === 'error' || attempt?.error)
    throw new HttpError(409, 'AttemptStopped', REVIEW_PAUSED);
  throw conflict({
    en: 'This review is not ready for marking yet; try again in a moment',
    zh: '此评审尚未准备好评分，请稍后再试',
  });
}

/**
 * The caller's open reviews, a page at a time: the page's attempts and exams in two batch reads. Only
 * what the workflow waits for: a review without a token cannot be answered.
 */
export async function myQueue(deps: AssessorDeps, sub: string, page: PageRequest) {
  const found = await deps.store.listOpenReviewsOf(sub, page);
  const waiting = found.items.filter((r) => r.taskToken);
  const attempts = await deps.store.getAttempts(waiting.map((r) => r.attemptId));
  const exams = await deps.store.getExamHeaders([...new Set([...attempts.values()].map((a) => a.examId))]);
  const reviews = [];
  for (const review of waiting) {
    const exam = exams.get(attempts.get(review.attemptId)?.examId ?? '');
    if (!exam) continue;
    reviews.push({
      attemptId: review.attemptId,
      slot: review.slot,
      moderation: review.moderation,
      assignedAt: review.createdAt,
      exam: { examId: exam.id, title: exam.title, occupation: exam.occupation, level: exam.level },
    });
  }
  return { reviews, ...(found.nextToken ? { nextToken: found.nextToken } : {}) };
}

/** The exam of an attempt without its item bank: the rubric is what marking needs. */
async function examOf(deps: AssessorDeps, attemptId: string) {
  const attempt = await deps.store.getAttempt(attemptId);
  const exam = attempt && (await deps.store.getExamHeaders([attempt.examId])).get(attempt.examId);
  return { attempt, exam };
}

export async function openReview(deps: AssessorDeps, sub: string, attemptId: string, slot: string) {
  const review = await ownOpenReview(deps, sub, attemptId, slot);
  const { attempt, exam } = await examOf(deps, attemptId);
  if (!attempt || !exam) throw notFound(NO_SUCH_REVIEW);
  return {
    attemptId,
    slot,
    status: review.status,
    moderation: review.moderation,
    exam: { examId: exam.id, title: exam.title, occupation: exam.occupation, level: exam.level },
    rubric: exam.rubric,
    practicalEvidence: attempt.practicalEvidence ?? null,
    ...(review.mark ? { mark: review.mark, score: review.score } : {}),
  };
}

export async function submitMark(
  deps: AssessorDeps,
  sub: string,
  attemptId: string,
  slot: string,
  criteria: CriterionMark[],
) {
  const review = await ownOpenReview(deps, sub, attemptId, slot);
  const { exam } = await examOf(deps, attemptId);
  if (!exam) throw notFound(NO_SUCH_REVIEW);
  const mark = { assessorId: sub, criteria };
  let score: number;
  try {
    score = scoreMark(exam.rubric, mark);
  } catch (error) {
    if (error instanceof MarkError) throw badRequest(error.bilingual);
    throw error;
  }
  // The same mark sent again (a retried request whose answer was lost) gets the same answer.
  if (review.status === 'marked' && sameMark(review, criteria)) {
    // Tell the workflow again, in case the first telling was lost; an answered token just says so.
    if (review.taskToken) await tell(deps, review, { ok: true, output: { slot, score } });
    return { attemptId, slot, score };
  }
  if (review.status !== 'open') throw conflict(alreadyClosed(review.status));
  if (!review.taskToken) return notWaiting(deps, review);
  try {
    await deps.store.closeReview(review, 'marked', { mark, score });
  } catch (error) {
    if (error instanceof StateConflict) throw conflict(NO_LONGER_OPEN);
    throw error;
  }
  await tell(deps, review, { ok: true, output: { slot, score } });
  return { attemptId, slot, score };
}

function sameMark(review: ReviewRecord, criteria: CriterionMark[]): boolean {
  const key = (list: CriterionMark[]) =>
    JSON.stringify(
      [...list]
        .map((c) => [c.criterionId, c.points, c.comment ?? null])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  return review.mark !== undefined && key(review.mark.criteria) === key(criteria);
}

export async function returnReview(
  deps: AssessorDeps,
  sub: string,
  attemptId: string,
  slot: string,
  reason: string,
) {
  const review = await ownOpenReview(deps, sub, attemptId, slot);
  if (review.status === 'returned' && review.returnReason === reason)
    return { attemptId, slot, returned: true };
  if (review.status !== 'open') throw conflict(alreadyClosed(review.status));
  if (!review.taskToken) return notWaiting(deps, review);
  try {
    await deps.store.closeReview(review, 'returned', { returnReason: reason });
  } catch (error) {
    if (error instanceof StateConflict) throw conflict(NO_LONGER_OPEN);
    throw error;
  }
  await tell(deps, review, { ok: false, error: 'Review.Returned', cause: reason });
  return { attemptId, slot, returned: true };
}
