// The marking protocol, proved by a model-based property test (fast-check) over random interleavings of
// marks, returns, timeouts, reassignments and retried steps (issue 9).
//
// The real use cases (functions/certification/*) run against the real store on DynamoDB Local. The test
// plays Step Functions' part exactly as the state machine is written (lib/constructs/certification.ts):
// GradeTheory; per review a WaitForMark that writes a task token with the state machine's own update
// (REVIEW_TOKEN_WRITE) and waits; when that wait ends without a mark (timeout, Review.Returned, or the
// token write refused) ReassignMarker, whose `marked: true` ends the wait; then DecideResult, and for a
// moderation WaitForModerator/ReassignModerator the same way. Tokens answer SendTaskSuccess/Failure as
// AWS does (TaskTimedOut for a task that timed out or was already answered). Generated commands drive
// it: a step runs (or runs twice, a retry after a lost answer), an assessor marks or returns work from their queue or marks a review that
// is no longer theirs to mark, a wait times out, SendTaskSuccess fails after the mark was saved — and
// races: a mark against the timeout and the reassignment, and a reassignment against its own retry, with
// every DynamoDB call a point where fast-check's scheduler chooses who goes next.
//
// After every command: each chain has at most one mark, it is the one the system accepted, and no open
// review belongs to nobody. At the end, after the workflow is driven to its decision: every review is
// closed or answered, no task waits, the decision was made on the right marks (A and B, or M when they
// diverge beyond the tolerance), and every review beyond the first two (and a moderation) replaced one
// that really timed out or was returned — none is dead, so the assessor pool did not shrink.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DynamoDbCertificationStore } from '../../functions/adapters/dynamodb-certification-store.js';
import { returnReview, submitMark } from '../../functions/certification/assessor.js';
import { REVIEW_TOKEN_WRITE } from '../../functions/certification/review-token.js';
import {
  type DecisionOutcome,
  decideResult,
  gradeAttempt,
  reassignReview,
} from '../../functions/certification/workflow.js';
import {
  chainOf,
  chainState,
  combineMarks,
  decide,
  requiredComponents,
  slotParts,
} from '../../functions/domain/index.js';
import type { PersonRecord, ReviewRecord } from '../../functions/ports.js';
import {
  type CertificationTable,
  ISSUER,
  issuing,
  people,
  startCertificationTable,
} from '../support/certification-store.js';
import { pointsFor, submittedAttempt } from '../support/marking.js';
import { EXAM } from '../unit/domain/fixtures.js';

// The assessor API logs each SendTaskSuccess it could not deliver; here that is the point, not news.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

/** Runs in `npm test`: sized to take well under half a minute on a shared 2-core machine. */
const RUNS = Number(process.env.MARKING_PROPERTY_RUNS ?? 150);
const MAX_COMMANDS = 18;
/** Timeouts and returns per run: the pool (12 eligible assessors) must not run out legitimately. */
const MAX_CLOSURES = 6;

let table: CertificationTable;
let keys: string;
let documents: DynamoDBDocumentClient;
const pool = people(12, 'pool');
// 陈刚 works where the candidate works: never chosen.
const colleague: PersonRecord = {
  ...(pool.assessors[0] as PersonRecord),
  sub: 'pool-colleague',
  employer: pool.candidate.employer,
};

beforeAll(async () => {
  table = await startCertificationTable();
  keys = await mkdtemp(join(tmpdir(), 'skillcert-protocol-'));
  documents = DynamoDBDocumentClient.from(table.client);
  for (const person of [pool.candidate, colleague, ...pool.assessors]) await table.store.putPerson(person);
}, 120_000);

afterAll(async () => {
  await table?.stop();
  await rm(keys, { recursive: true, force: true });
});

// ---- Step Functions' part -------------------------------------------------------------------------

type Phase = 'hand-out' | 'waiting' | 'settle' | 'done';
interface Branch {
  chain: string;
  slot: string;
  phase: Phase;
  token?: string;
  reason?: string;
}
type TokenState = 'waiting' | 'answered' | 'timed-out' | 'dead';
type Step = { kind: 'grade' } | { kind: 'hand-out' | 'settle'; branch: Branch } | { kind: 'decide' };

function sfnError(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

class Workflow {
  stage: 'grading' | 'marks' | 'moderation' | 'decided' = 'grading';
  branches: Branch[] = [];
  decision?: DecisionOutcome;
  readonly tokens = new Map<string, { state: TokenState; branch: Branch }>();
  /** Slots whose wait really ended without a mark: a timeout, or the assessor returned the work. */
  readonly timedOut = new Set<string>();
  readonly returned = new Set<string>();
  failNextSend = false;
  private next = 0;

  constructor(readonly attemptId: string) {}

  steps(): Step[] {
    if (this.stage === 'grading') return [{ kind: 'grade' }];
    if (this.stage === 'decided') return [];
    const active = this.branches.filter((b) =>
      this.stage === 'moderation' ? b.chain === 'M' : b.chain !== 'M',
    );
    const steps: Step[] = active.flatMap((branch): Step[] =>
      branch.phase === 'hand-out' || branch.phase === 'settle' ? [{ kind: branch.phase, branch }] : [],
    );
    if (active.every((b) => b.phase === 'done')) steps.push({ kind: 'decide' });
    return steps;
  }

  waiting(): Branch[] {
    return this.branches.filter((b) => b.phase === 'waiting');
  }

  /** SendTaskSuccess / SendTaskFailure, answered as AWS answers them. */
  readonly completeTask = async (
    token: string,
    outcome: { ok: true; output: unknown } | { ok: false; error: string; cause: string },
  ) => {
    if (this.failNextSend) {
      this.failNextSend = false;
      throw sfnError('ServiceUnavailable');
    }
    const task = this.tokens.get(token);
    if (!task) throw sfnError('InvalidToken');
    if (task.state === 'timed-out') throw sfnError('TaskTimedOut');
    if (task.state !== 'waiting') throw sfnError('TaskTimedOut');
    task.state = 'answered';
    if (outcome.ok) task.branch.phase = 'done';
    else {
      task.branch.phase = 'settle';
      task.branch.reason = outcome.error;
    }
  };

  timeOut(branch: Branch) {
    const task = branch.token ? this.tokens.get(branch.token) : undefined;
    if (branch.phase !== 'waiting' || task?.state !== 'waiting') return;
    task.state = 'timed-out';
    this.timedOut.add(branch.slot);
    branch.phase = 'settle';
    branch.reason = 'States.Timeout';
  }

  /** Runs one step; `twice` is a retry after the first run's answer was lost. */
  async run(step: Step, store: DynamoDbCertificationStore, twice = false): Promise<void> {
    const deps = { store, now: () => new Date() };
    switch (step.kind) {
      case 'grade': {
        let graded = await gradeAttempt(deps, this.attemptId);
        if (twice) graded = await gradeAttempt(deps, this.attemptId);
        this.branches = graded.reviews.map((r) => ({
          chain: slotParts(r.slot).chain,
          slot: r.slot,
          phase: 'hand-out',
        }));
        this.stage = 'marks';
        return;
      }
      case 'hand-out': {
        const { branch } = step;
        for (let i = 0; i < (twice ? 2 : 1); i++) {
          // A retried task attempt: the earlier attempt's token died with it.
          if (branch.token && this.tokens.get(branch.token)?.state === 'waiting')
            this.tokens.set(branch.token, { state: 'dead', branch });
          const token = `token-${this.attemptId.slice(0, 8)}-${++this.next}`;
          try {
            await documents.send(
              new UpdateCommand({
                TableName: table.tableName,
                Key: { pk: `ATTEMPT#${this.attemptId}`, sk: `REVIEW#${branch.slot}` },
                ...REVIEW_TOKEN_WRITE,
                ExpressionAttributeValues: { ':token': token, ':open': 'open' },
              }),
            );
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            branch.phase = 'settle';
            branch.reason = 'DynamoDb.ConditionalCheckFailedException';
            return;
          }
          this.tokens.set(token, { state: 'waiting', branch });
          branch.token = token;
          branch.phase = 'waiting';
        }
        return;
      }
      case 'settle': {
        const { branch } = step;
        let settled = await reassignReview(
          deps,
          this.attemptId,
          branch.slot,
          branch.reason ?? 'States.Timeout',
        );
        if (twice) {
          const again = await reassignReview(
            deps,
            this.attemptId,
            branch.slot,
            branch.reason ?? 'States.Timeout',
          );
          expect(again).toEqual(settled);
          settled = again;
        }
        this.applySettled(branch, settled);
        return;
      }
      case 'decide': {
        const deciding = { ...deps, ...issuing(keys), issuer: ISSUER };
        let decision = await decideResult(deciding, this.attemptId);
        if (twice) {
          const again = await decideResult(deciding, this.attemptId);
          expect(again).toEqual(decision);
          decision = again;
        }
        if (decision.outcome === 'moderation') {
          this.branches = this.branches.filter((b) => b.chain !== 'M');
          this.branches.push({ chain: 'M', slot: decision.slot, phase: 'hand-out' });
          this.stage = 'moderation';
        } else {
          this.decision = decision;
          this.stage = 'decided';
        }
        return;
      }
    }
  }

  applySettled(branch: Branch, settled: { slot: string; marked: boolean }) {
    if (settled.marked) branch.phase = 'done';
    else {
      branch.slot = settled.slot;
      branch.phase = 'hand-out';
      delete branch.token;
    }
  }
}

// ---- the system under test and the model ------------------------------------------------------------

interface Real {
  workflow: Workflow;
  attemptId: string;
}

/** What the system told the outside world: the marks it accepted (per chain), and closures caused. */
interface Model {
  marks: Map<string, { slot: string; score: number }>;
  closures: number;
}

const assessorDeps = (r: Real, store: DynamoDbCertificationStore = table.store) => ({
  store,
  completeTask: r.workflow.completeTask,
});

async function reviewsOf(attemptId: string): Promise<ReviewRecord[]> {
  return table.store.listReviews(attemptId);
}

/** What assessors see in their queues for this attempt (open, with a token). */
async function queued(attemptId: string): Promise<ReviewRecord[]> {
  return (await reviewsOf(attemptId)).filter((r) => r.status === 'open' && r.taskToken);
}

function accept(m: Model, review: ReviewRecord, score: number) {
  const chain = slotParts(review.slot).chain;
  const earlier = m.marks.get(chain);
  // A second accepted mark on one chain is exactly the bug of issue 9.
  if (earlier) expect(earlier).toEqual({ slot: review.slot, score });
  m.marks.set(chain, { slot: review.slot, score });
}

/** After every command: one mark per chain, the one the system accepted; no open review belongs to nobody. */
async function invariants(m: Model, r: Real) {
  const reviews = await reviewsOf(r.attemptId);
  for (const chain of new Set(reviews.map((x) => slotParts(x.slot).chain))) {
    const state = chainState(reviews, chain); // throws on two marks, a replaced mark, two open reviews
    const accepted = m.marks.get(chain);
    if (state.kind === 'marked')
      expect({ slot: state.review.slot, score: state.review.score }).toEqual(accepted);
    else expect(accepted, `chain ${chain}`).toBeUndefined();
  }
  for (const open of reviews.filter((x) => x.status === 'open')) {
    const owner = r.workflow.branches.find((b) => b.slot === open.slot && b.phase !== 'done');
    expect(owner, `open review ${open.slot} belongs to no step of the workflow`).toBeDefined();
  }
}

/** A store whose every call waits for fast-check's scheduler to let it run: a race, interleaved. */
function scheduledStore(s: fc.Scheduler): DynamoDbCertificationStore {
  return new Proxy(table.store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        // A lazy thenable: the call starts when the scheduler releases it, and the next one waits for it.
        const lazy = {
          // biome-ignore lint/suspicious/noThenProperty: fast-check resolves it only when it releases the call
          then: (ok: never, ko: never) => value.apply(target, args).then(ok, ko),
        };
        return s.schedule(lazy as never, String(property));
      };
    },
  });
}

type Cmd = fc.AsyncCommand<Model, Real, true>;

class RunStep implements Cmd {
  constructor(
    readonly pick: number,
    readonly twice: boolean,
  ) {}
  async check() {
    return true;
  }
  async run(m: Model, r: Real) {
    const steps = r.workflow.steps();
    const step = steps[this.pick % Math.max(1, steps.length)];
    if (step) await r.workflow.run(step, table.store, this.twice);
    await invariants(m, r);
  }
  toString() {
    return `step(${this.pick}${this.twice ? ', twice' : ''})`;
  }
}

class Mark implements Cmd {
  constructor(
    readonly pick: number,
    readonly score: number,
    readonly sendFails: boolean,
  ) {}
  async check() {
    return true;
  }
  async run(m: Model, r: Real) {
    const queue = await queued(r.attemptId);
    const review = queue[this.pick % Math.max(1, queue.length)];
    if (!review) return;
    r.workflow.failNextSend = this.sendFails;
    const answer = await submitMark(
      assessorDeps(r),
      review.assessorSub,
      r.attemptId,
      review.slot,
      pointsFor(this.score),
    );
    r.workflow.failNextSend = false;
    expect(answer.score).toBe(this.score);
    accept(m, review, this.score);
    await invariants(m, r);
  }
  toString() {
    return `mark(${this.pick}, ${this.score}${this.sendFails ? ', SendTaskSuccess fails' : ''})`;
  }
}

class Return implements Cmd {
  constructor(readonly pick: number) {}
  async check(m: Model) {
    return m.closures < MAX_CLOSURES;
  }
  async run(m: Model, r: Real) {
    const queue = await queued(r.attemptId);
    const review = queue[this.pick % Math.max(1, queue.length)];
    if (!review) return;
    await returnReview(
      assessorDeps(r),
      review.assessorSub,
      r.attemptId,
      review.slot,
      'The photographs are unreadable',
    );
    r.workflow.returned.add(review.slot);
    m.closures++;
    await invariants(m, r);
  }
  toString() {
    return `return(${this.pick})`;
  }
}

class TimeOut implements Cmd {
  constructor(readonly pick: number) {}
  async check(m: Model) {
    return m.closures < MAX_CLOSURES;
  }
  async run(m: Model, r: Real) {
    const waiting = r.workflow.waiting();
    const branch = waiting[this.pick % Math.max(1, waiting.length)];
    if (!branch) return;
    r.workflow.timeOut(branch);
    m.closures++;
    await invariants(m, r);
  }
  toString() {
    return `timeout(${this.pick})`;
  }
}

/** Anyone's mark on any review of the attempt, in any state: a stale tab, a retried request, a late click. */
class LateMark implements Cmd {
  constructor(
    readonly pick: number,
    readonly score: number,
  ) {}
  async check() {
    return true;
  }
  async run(m: Model, r: Real) {
    const reviews = await reviewsOf(r.attemptId);
    const review = reviews[this.pick % Math.max(1, reviews.length)];
    if (!review) return;
    const wasMarkable = review.status === 'open' && review.taskToken !== undefined;
    const same = review.status === 'marked' && review.score === this.score;
    try {
      await submitMark(assessorDeps(r), review.assessorSub, r.attemptId, review.slot, pointsFor(this.score));
      // Accepted only while the review is open and waited for, or as the same mark again.
      expect(wasMarkable || same, `mark accepted on ${review.slot} (${review.status})`).toBe(true);
      accept(m, review, this.score);
    } catch (error) {
      expect((error as { statusCode?: number }).statusCode).toBe(409);
      expect(wasMarkable).toBe(false);
    }
    await invariants(m, r);
  }
  toString() {
    return `late-mark(${this.pick}, ${this.score})`;
  }
}

/** The wait times out while the assessor's mark is on its way: the mark and ReassignMarker race. */
class RaceMarkTimeout implements Cmd {
  constructor(
    readonly pick: number,
    readonly score: number,
    readonly s: fc.Scheduler,
  ) {}
  async check(m: Model) {
    return m.closures < MAX_CLOSURES;
  }
  async run(m: Model, r: Real) {
    const waiting = r.workflow.waiting();
    const branch = waiting[this.pick % Math.max(1, waiting.length)];
    if (!branch) return;
    const review = (await reviewsOf(r.attemptId)).find((x) => x.slot === branch.slot) as ReviewRecord;
    r.workflow.timeOut(branch);
    m.closures++;
    const store = scheduledStore(this.s);
    const marking = submitMark(
      assessorDeps(r, store),
      review.assessorSub,
      r.attemptId,
      review.slot,
      pointsFor(this.score),
    );
    const settling = reassignReview(
      { store, now: () => new Date() },
      r.attemptId,
      branch.slot,
      'States.Timeout',
    );
    const [marked, settled] = await this.s.waitFor(Promise.allSettled([marking, settling]));
    if (settled.status === 'rejected') throw settled.reason;
    // The wait ends with a mark exactly when one is in: this one, if it landed first, or one already saved
    // (a mark whose SendTaskSuccess was lost); then nothing is reopened.
    expect(settled.value.marked).toBe(marked.status === 'fulfilled' || review.status === 'marked');
    if (marked.status === 'fulfilled') accept(m, review, this.score);
    else expect((marked.reason as { statusCode?: number }).statusCode).toBe(409);
    r.workflow.applySettled(branch, settled.value);
    await invariants(m, r);
  }
  toString() {
    return `race(mark ${this.score} vs timeout of ${this.pick})`;
  }
}

/** ReassignMarker retried while its first invocation still runs: two runs of one step, interleaved. */
class RaceSettleTwice implements Cmd {
  constructor(
    readonly pick: number,
    readonly s: fc.Scheduler,
  ) {}
  async check() {
    return true;
  }
  async run(m: Model, r: Real) {
    const settling = r.workflow.branches.filter((b) => b.phase === 'settle');
    const branch = settling[this.pick % Math.max(1, settling.length)];
    if (!branch) return;
    const store = scheduledStore(this.s);
    const run = () =>
      reassignReview(
        { store, now: () => new Date() },
        r.attemptId,
        branch.slot,
        branch.reason ?? 'States.Timeout',
      );
    const [first, second] = await this.s.waitFor(Promise.allSettled([run(), run()]));
    if (first.status === 'rejected') throw first.reason;
    if (second.status === 'rejected') throw second.reason;
    expect(second.value).toEqual(first.value);
    r.workflow.applySettled(branch, first.value);
    await invariants(m, r);
  }
  toString() {
    return `race(reassign ${this.pick} twice)`;
  }
}

const score = fc.integer({ min: 0, max: 100 });
const commands = fc.commands<Model, Real, true>(
  [
    fc.tuple(fc.nat(5), fc.boolean()).map(([pick, twice]) => new RunStep(pick, twice)),
    fc.tuple(fc.nat(5), fc.boolean()).map(([pick, twice]) => new RunStep(pick, twice)),
    fc.tuple(fc.nat(5), score, fc.boolean()).map(([pick, s, fails]) => new Mark(pick, s, fails)),
    fc.nat(5).map((pick) => new Return(pick)),
    fc.nat(5).map((pick) => new TimeOut(pick)),
    fc.tuple(fc.nat(8), score).map(([pick, s]) => new LateMark(pick, s)),
    fc.tuple(fc.nat(5), score, fc.scheduler()).map(([pick, s, sch]) => new RaceMarkTimeout(pick, s, sch)),
    fc.tuple(fc.nat(5), fc.scheduler()).map(([pick, sch]) => new RaceSettleTwice(pick, sch)),
  ],
  { maxCommands: MAX_COMMANDS },
);

/**
 * Drives the workflow to its decision as time does: every step runs, every queued review is marked, and a
 * wait nobody answers (a mark whose SendTaskSuccess was lost) times out.
 */
async function finish(m: Model, r: Real) {
  for (let round = 0; round < 40 && r.workflow.stage !== 'decided'; round++) {
    const steps = r.workflow.steps();
    for (const step of steps) await r.workflow.run(step, table.store);
    const queue = await queued(r.attemptId);
    for (const review of queue) {
      await submitMark(assessorDeps(r), review.assessorSub, r.attemptId, review.slot, pointsFor(72));
      accept(m, review, 72);
    }
    if (steps.length === 0 && queue.length === 0)
      for (const branch of r.workflow.waiting()) r.workflow.timeOut(branch);
  }
  expect(r.workflow.stage).toBe('decided');
}

describe('the marking protocol (issue 9)', () => {
  it('ends every interleaving of marks, returns, timeouts, reassignments and retries with every review answered, the decision on the right marks and no dead review', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const attemptId = await submittedAttempt(table.store, pool);
        const real: Real = { workflow: new Workflow(attemptId), attemptId };
        const model: Model = { marks: new Map(), closures: 0 };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await finish(model, real);

        const reviews = await reviewsOf(attemptId);
        // Every review closed or answered, and no task left waiting.
        expect(reviews.filter((x) => x.status === 'open')).toEqual([]);
        expect([...real.workflow.tokens.values()].filter((t) => t.state === 'waiting')).toEqual([]);

        // The decision on the right marks: chain A's and chain B's, or M's when they diverge.
        const a = model.marks.get('A')?.score as number;
        const b = model.marks.get('B')?.score as number;
        const combined = combineMarks(a, b);
        const practical =
          combined.status === 'agreed' ? combined.score : (model.marks.get('M')?.score as number);
        expect(practical).toEqual(expect.any(Number));
        const attempt = await table.store.getAttempt(attemptId);
        expect(attempt?.practicalScore).toBe(practical);
        const expected = decide(EXAM.policy, { theory: 100, practical }, requiredComponents(EXAM));
        expect(attempt?.status).toBe(expected.passed ? 'passed' : 'failed');
        expect(real.workflow.decision?.outcome).toBe(attempt?.status);
        expect(model.marks.has('M')).toBe(combined.status !== 'agreed');

        // No dead review: each one beyond a chain's first replaced one that timed out or was returned,
        // each assessor was asked once, and nobody with a conflict.
        for (const chain of new Set(reviews.map((x) => slotParts(x.slot).chain))) {
          const all = chainOf(reviews, chain);
          for (const closed of all.slice(0, -1)) {
            expect(['expired', 'returned']).toContain(closed.status);
            const cause = closed.status === 'expired' ? real.workflow.timedOut : real.workflow.returned;
            expect(cause.has(closed.slot), `${closed.slot} closed without a cause`).toBe(true);
          }
        }
        const assessors = reviews.map((x) => x.assessorSub);
        expect(new Set(assessors).size).toBe(assessors.length);
        expect(assessors).not.toContain(colleague.sub);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
