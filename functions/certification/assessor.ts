// What an assessor can do: see the reviews assigned to them (blind: no candidate name or ID), open one
// with the candidate's practical evidence and the rubric, mark it, or return it with a reason. Only the
// assigned assessor can act on a review, and only while it is open.
import type { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import { StateConflict } from '../adapters/dynamodb-certification-store.js';
import { type CriterionMark, MarkError, scoreMark } from '../domain/index.js';
import type { ReviewRecord } from '../ports.js';
import { badRequest, conflict, notFound, type PageRequest } from '../shared/http.js';

export interface AssessorDeps {
  store: DynamoDbCertificationStore;
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
  if (!review || review.assessorSub !== sub) throw notFound('No such review');
  return review;
}

/** The caller's open reviews, a page at a time: the page's attempts and exams in two batch reads. */
export async function myQueue(deps: AssessorDeps, sub: string, page: PageRequest) {
  const found = await deps.store.listOpenReviewsOf(sub, page);
  const attempts = await deps.store.getAttempts(found.items.map((r) => r.attemptId));
  const exams = await deps.store.getExamHeaders([...new Set([...attempts.values()].map((a) => a.examId))]);
  const reviews = [];
  for (const review of found.items) {
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
  if (!attempt || !exam) throw notFound('No such review');
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
  if (review.status !== 'open') throw conflict(`This review is already ${review.status}`);
  if (!review.taskToken) throw conflict('This review is not ready for marking yet; try again in a moment');
  const { exam } = await examOf(deps, attemptId);
  if (!exam) throw notFound('No such review');
  const mark = { assessorId: sub, criteria };
  let score: number;
  try {
    score = scoreMark(exam.rubric, mark);
  } catch (error) {
    if (error instanceof MarkError) throw badRequest(error.message);
    throw error;
  }
  try {
    await deps.store.closeReview(review, 'marked', { mark, score });
  } catch (error) {
    if (error instanceof StateConflict) throw conflict('This review is no longer open');
    throw error;
  }
  await deps.completeTask(review.taskToken, { ok: true, output: { slot, score } });
  return { attemptId, slot, score };
}

export async function returnReview(
  deps: AssessorDeps,
  sub: string,
  attemptId: string,
  slot: string,
  reason: string,
) {
  const review = await ownOpenReview(deps, sub, attemptId, slot);
  if (review.status !== 'open') throw conflict(`This review is already ${review.status}`);
  if (!review.taskToken) throw conflict('This review is not ready yet; try again in a moment');
  try {
    await deps.store.closeReview(review, 'returned', { returnReason: reason });
  } catch (error) {
    if (error instanceof StateConflict) throw conflict('This review is no longer open');
    throw error;
  }
  await deps.completeTask(review.taskToken, { ok: false, error: 'Review.Returned', cause: reason });
  return { attemptId, slot, returned: true };
}
