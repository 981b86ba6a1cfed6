// The certification workflow's steps, run as the state machine runs them but driven by the test, on
// DynamoDB Local: retried steps, concurrent decisions on one serial counter, and marks that race the
// marking timeout, a failed SendTaskSuccess or a second reassignment (issue 9).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitMark } from '../../functions/certification/assessor.js';
import {
  decideResult,
  gradeAttempt,
  reassignReview,
  recordError,
} from '../../functions/certification/workflow.js';
import {
  type CertificationTable,
  ISSUER,
  issuing,
  people,
  startCertificationTable,
} from '../support/certification-store.js';
import { pointsFor, submittedAttempt, TaskTokens } from '../support/marking.js';

let table: CertificationTable;
let keys: string;

beforeAll(async () => {
  // As loose as DynamoDB: index reads lag behind writes, transactions on one item conflict.
  table = await startCertificationTable({ consistency: 'aws' });
  keys = await mkdtemp(join(tmpdir(), 'skillcert-steps-'));
}, 120_000);

afterAll(async () => {
  await table?.stop();
  await rm(keys, { recursive: true, force: true });
});

const now = () => new Date();
const deciding = () => ({ store: table.store, now, ...issuing(keys), issuer: ISSUER });

/** Grades the attempt and hands both blind reviews their tokens, as GradeTheory + WaitForMark do. */
async function marking(prefix: string, assessors = 6) {
  const cast = people(assessors, prefix);
  const attemptId = await submittedAttempt(table.store, cast);
  const tokens = new TaskTokens(table.client as never, table.tableName);
  const graded = await gradeAttempt({ store: table.store, now }, attemptId);
  expect(graded.reviews.map((r) => r.slot)).toEqual(['A', 'B']);
  const token: Record<string, string> = {};
  for (const { slot } of graded.reviews) token[slot] = await tokens.handOut(attemptId, slot);
  const review = async (slot: string) => {
    const found = await table.store.getReview(attemptId, slot);
    if (!found) throw new Error(`no review ${slot}`);
    return found;
  };
  const mark = async (slot: string, score: number) =>
    submitMark(
      { store: table.store, completeTask: tokens.completeTask },
      (await review(slot)).assessorSub,
      attemptId,
      slot,
      pointsFor(score),
    );
  return { attemptId, tokens, token, review, mark };
}

describe('a mark racing the marking timeout (issue 9)', () => {
  it('keeps A = 90 that lands as the timeout fires, opens no third review, and moderates A = 90 / B = 40', async () => {
    const { attemptId, tokens, token, mark } = await marking('race');
    await mark('B', 40);
    // A's wait times out; its assessor's mark arrives a moment later, before ReassignMarker runs.
    tokens.timeOut(token.A as string);
    await expect(mark('A', 90)).resolves.toMatchObject({ slot: 'A', score: 90 });
    const settled = await reassignReview({ store: table.store, now }, attemptId, 'A', 'States.Timeout');
    expect(settled).toMatchObject({ slot: 'A', marked: true });
    const reviews = await table.store.listReviews(attemptId);
    expect(reviews.map((r) => [r.slot, r.status])).toEqual([
      ['A', 'marked'],
      ['B', 'marked'],
    ]);
    // 90 and 40 differ by 50: a moderator decides, never "the first two marked reviews".
    await expect(decideResult(deciding(), attemptId)).resolves.toMatchObject({ outcome: 'moderation' });
  });

  it('keeps a mark whose SendTaskSuccess failed after it was saved, and the timeout then opens no third review', async () => {
    const { attemptId, tokens, token, mark } = await marking('lost');
    tokens.failNext = 1;
    await expect(mark('A', 75)).resolves.toMatchObject({ slot: 'A', score: 75 });
    // Nobody answered the task: it times out and the workflow settles the review.
    tokens.timeOut(token.A as string);
    const settled = await reassignReview({ store: table.store, now }, attemptId, 'A', 'States.Timeout');
    expect(settled).toMatchObject({ slot: 'A', marked: true });
    expect((await table.store.listReviews(attemptId)).map((r) => r.slot)).toEqual(['A', 'B']);
  });

  it('opens one replacement when the same reassignment runs twice (a retried step)', async () => {
    const { attemptId, tokens, token } = await marking('twice');
    tokens.timeOut(token.A as string);
    const first = await reassignReview({ store: table.store, now }, attemptId, 'A', 'States.Timeout');
    const again = await reassignReview({ store: table.store, now }, attemptId, 'A', 'States.Timeout');
    expect(again).toEqual(first);
    const reviews = await table.store.listReviews(attemptId);
    expect(reviews.map((r) => [r.slot, r.status])).toEqual([
      ['A', 'expired'],
      ['A2', 'open'],
      ['B', 'open'],
    ]);
  });

  it('answers a returned review once, with one replacement, however often the step runs', async () => {
    const { attemptId, review } = await marking('returned');
    const a = await review('A');
    await table.store.closeReview(a, 'returned', { returnReason: 'Photographs unreadable' });
    const results = await Promise.all(
      [1, 2, 3].map(() => reassignReview({ store: table.store, now }, attemptId, 'A', 'Review.Returned')),
    );
    expect(new Set(results.map((r) => r.slot))).toEqual(new Set(['A2']));
    expect((await table.store.listReviews(attemptId)).map((r) => r.slot)).toEqual(['A', 'A2', 'B']);
  });
});

describe('deciding under contention (issue 9)', () => {
  it('issues a certificate to each of 30 attempts decided at the same moment', async () => {
    const attempts: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { attemptId, mark } = await marking(`burst${i}`, 3);
      await mark('A', 80);
      await mark('B', 84);
      attempts.push(attemptId);
    }
    const outcomes = await Promise.allSettled(attempts.map((id) => decideResult(deciding(), id)));
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
    expect(failures).toEqual([]);
    const numbers = outcomes.map((o) =>
      o.status === 'fulfilled' && 'certificateNumber' in o.value ? o.value.certificateNumber : '',
    );
    expect(new Set(numbers).size).toBe(30);
    // DynamoDB's behaviour was in play: deciders met on the serial counter inside transactions.
    expect(table.consistency?.stats().transactionConflicts).toBeGreaterThan(0);
  }, 120_000);
});

describe('the error path (issue 9)', () => {
  const stop = (attemptId: string, redriveCount = 0, step = 'certify') =>
    recordError(
      { store: table.store, now },
      attemptId,
      { error: 'NoAssessorAvailable', cause: 'Needs 1 assessor', redriveCount, step },
      redriveCount,
    );

  it('never overwrites a decision: a passed attempt answers with its certificate, to be published', async () => {
    const { attemptId, mark } = await marking('decided');
    await mark('A', 80);
    await mark('B', 84);
    const decided = await decideResult(deciding(), attemptId);
    expect(decided).toMatchObject({ outcome: 'passed' });
    // A timeout after the issuance committed: the error path finds the decision and goes on to publish.
    await expect(stop(attemptId)).resolves.toEqual(decided);
    const attempt = await table.store.getAttempt(attemptId);
    expect(attempt).toMatchObject({ status: 'passed' });
    expect(attempt?.error).toBeUndefined();
  });

  it('records a publish failure beside the decision, and stops', async () => {
    const { attemptId, mark } = await marking('unpublished');
    await mark('A', 80);
    await mark('B', 84);
    await decideResult(deciding(), attemptId);
    await expect(stop(attemptId, 0, 'publish')).rejects.toMatchObject({ name: 'CertificationError' });
    expect(await table.store.getAttempt(attemptId)).toMatchObject({
      status: 'passed',
      error: { error: 'NoAssessorAvailable', redriveCount: 0 },
    });
  });

  it('stops an undecided attempt once, takes the open reviews’ tokens away, and lifts it all on a redrive', async () => {
    const { attemptId, mark, review } = await marking('stopped');
    await mark('B', 70);
    await expect(stop(attemptId)).rejects.toMatchObject({ name: 'CertificationError' });
    // Retried (its answer lost): the same stop, recorded once.
    await expect(stop(attemptId)).rejects.toMatchObject({ name: 'CertificationError' });
    const stopped = await table.store.getAttempt(attemptId);
    expect(stopped).toMatchObject({ status: 'error', statusBeforeError: 'marking' });
    expect(stopped?.errors).toHaveLength(1);
    expect((await review('A')).taskToken).toBeUndefined();
    expect((await review('A')).status).toBe('open');

    // The admin redrives: the same step runs with a higher redrive count.
    await expect(
      recordError(
        { store: table.store, now },
        attemptId,
        { error: 'NoAssessorAvailable', cause: 'Needs 1 assessor', redriveCount: 0 },
        1,
      ),
    ).resolves.toEqual({ outcome: 'resume', attemptId });
    const resumed = await table.store.getAttempt(attemptId);
    expect(resumed).toMatchObject({ status: 'marking' });
    expect(resumed?.error).toBeUndefined();
    expect(resumed?.errors).toHaveLength(1);
    // GradeTheory, run again, fast-forwards: only chain A still waits for its mark.
    expect((await gradeAttempt({ store: table.store, now }, attemptId)).reviews).toEqual([
      { attemptId, slot: 'A' },
    ]);
  });
});
